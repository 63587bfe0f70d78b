"""A full import's records into the hub: batches, each batch and its checkpoint in one transaction.

The pipeline reads a source (app/channels/base.py FullSource: a downloaded snapshot file, or an API paged by
modification date; it does not know which), writes each batch through the kind's writer (staging COPY +
upsert of what is newer, app/imports/writers/), keeps the records a source could not read as bad lines, and
commits the source's checkpoint with the batch. Killing the process at any point loses at most the batch in
flight; the next attempt resumes after the last committed batch. Writes only change rows whose content
changed, so a resumed or repeated import converges to the same rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.channels.base import FullSource
from app.imports.partitions import PartitionCache
from app.imports.records import BadRecord, Counts
from app.imports.statistics import StatisticsKeeper
from app.imports.writers import Writer
from app.sync import ledger, runlog
from app.sync.models import ImportBadLine, SyncRun

BATCH_SIZE = 2000
BAD_LINE_KEEP_BYTES = 10_000


@dataclass
class Progress:
    lines_done: int
    lines_total: int | None
    counts: Counts
    bad_lines: int
    started: float = field(default_factory=time.monotonic)

    def as_stats(self) -> dict:
        return {"inserted": self.counts.inserted, "updated": self.counts.updated,
                "unchanged": self.counts.unchanged, "bad_lines": self.bad_lines}


def import_records(session: Session, run_id: int, token: int, source: FullSource, writer: Writer, *,
                   phase: int = 0, batch_size: int = BATCH_SIZE,
                   on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Write everything `source` yields for the run holding lease `token`; the source resumes by itself."""
    run = session.get(SyncRun, run_id)
    ref = runlog.RunRef.of(run)
    stats = run.stats or {}
    counts = Counts(stats.get("inserted", 0), stats.get("updated", 0), stats.get("unchanged", 0))
    progress = Progress(source.done, run.progress_total, counts, stats.get("bad_lines", 0))
    session.commit()  # nothing of ours is pending; each batch below is its own transaction

    partitions = PartitionCache()
    statistics = StatisticsKeeper(writer.analyzed_tables)
    records: list = []
    bad: list[BadRecord] = []

    def flush() -> None:
        nonlocal records, bad
        months = writer.months(records)
        if months:
            partitions.ensure(session, months)
        # Fence first: its row lock orders us against a worker that would take the run over, so either
        # this batch commits while we hold the lease, or we find the lease gone and write nothing.
        ledger.fence(session, run_id, token)
        written = Counts()
        if records:
            written = writer.write(session.connection().connection.driver_connection.cursor(), records)
            progress.counts.add(written)
        if bad:
            session.execute(insert(ImportBadLine).values([
                {"run_id": run_id, "line_no": item.number, "error": item.error,
                 "raw": item.raw[:BAD_LINE_KEEP_BYTES].decode("utf-8", "replace")} for item in bad
            ]).on_conflict_do_nothing())
            progress.bad_lines += len(bad)
        progress.lines_done = source.done
        progress.lines_total = source.total()
        session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
            progress_done=progress.lines_done, progress_total=progress.lines_total, stats=progress.as_stats(),
            checkpoint={**source.checkpoint(), "phase": phase},
        ))
        session.commit()
        runlog.progress(ref, progress.lines_done, progress.lines_total, progress.as_stats())
        statistics.after_batch(session, written.inserted + written.updated,
                               renew_lease=lambda: ledger.fence(session, run_id, token))
        records, bad = [], []
        if on_progress is not None:
            on_progress(progress)

    for item in source.records():
        if isinstance(item, BadRecord):
            bad.append(item)
        else:
            records.append(item)
        if len(records) >= batch_size or len(bad) >= batch_size:
            flush()
    flush()
    return progress
