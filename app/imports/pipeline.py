"""Import one snapshot file for a run: batches of lines, each batch and its checkpoint in one transaction.

Killing the process at any point loses at most the batch in flight; the next attempt resumes after the
last committed line. Writes only change rows whose content changed, so a resumed or repeated import
converges to the same rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.imports.kinds.base import Counts, Importer, LineError
from app.imports.partitions import PartitionCache
from app.imports.reader import SnapshotFile
from app.imports.statistics import StatisticsKeeper
from app.sync import ledger
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


def import_file(session: Session, run_id: int, token: int, path: str, importer: Importer, *,
                batch_size: int = BATCH_SIZE, on_progress: Callable[[Progress], None] | None = None,
                checkpoint_extra: dict | None = None) -> Progress:
    """Import `path` for the run holding lease `token`; resumes after checkpoint['line_no']."""
    run = session.get(SyncRun, run_id)
    checkpoint = dict(run.checkpoint or {})
    stats = run.stats or {}
    skip = int(checkpoint.get("line_no", 0))
    counts = Counts(stats.get("inserted", 0), stats.get("updated", 0), stats.get("unchanged", 0))
    progress = Progress(skip, run.progress_total, counts, stats.get("bad_lines", 0))
    session.commit()  # nothing of ours is pending; each batch below is its own transaction

    source = SnapshotFile(path)
    partitions = PartitionCache()
    statistics = StatisticsKeeper(importer.analyzed_tables)
    records: list = []
    bad: list[tuple[int, str, bytes]] = []
    last_line = skip

    def flush() -> None:
        nonlocal records, bad
        months = importer.months(records)
        if months:
            partitions.ensure(session, months)
        # Fence first: its row lock orders us against a worker that would take the run over, so either
        # this batch commits while we hold the lease, or we find the lease gone and write nothing.
        ledger.fence(session, run_id, token)
        written = Counts()
        if records:
            written = importer.write(session.connection().connection.driver_connection.cursor(), records)
            progress.counts.add(written)
        if bad:
            session.execute(insert(ImportBadLine).values([
                {"run_id": run_id, "line_no": n, "error": error,
                 "raw": raw[:BAD_LINE_KEEP_BYTES].decode("utf-8", "replace")} for n, error, raw in bad
            ]).on_conflict_do_nothing())
            progress.bad_lines += len(bad)
        progress.lines_done = last_line
        progress.lines_total = source.estimate_total(last_line)
        session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
            progress_done=last_line, progress_total=progress.lines_total, stats=progress.as_stats(),
            checkpoint={**checkpoint, **(checkpoint_extra or {}), "line_no": last_line},
        ))
        session.commit()
        statistics.after_batch(session, written.inserted + written.updated,
                               renew_lease=lambda: ledger.fence(session, run_id, token))
        records, bad = [], []
        if on_progress is not None:
            on_progress(progress)

    for line_no, raw in source.lines():
        if line_no <= skip:
            continue
        last_line = line_no
        try:
            obj = orjson.loads(raw)
            if not isinstance(obj, dict):
                raise LineError(f"expected a JSON object, got {type(obj).__name__}")
            records.append(importer.prepare(obj))
        except (orjson.JSONDecodeError, LineError) as exc:
            bad.append((line_no, f"line {line_no}: {exc}", raw))
        if len(records) >= batch_size or len(bad) >= batch_size:
            flush()
    flush()
    return progress

