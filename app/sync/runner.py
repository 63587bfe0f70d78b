"""Run one ledger entry from claim to a final state: the one path every import and sync takes.

The job (tasks.py) or `flask hub import-snapshot` / `flask hub sync` (in-process) → `execute_run` → the shop's
channel gives the source (a full import, a local file, or the change feed: app/channels/) → the pipeline
writes it (app/imports/pipeline.py, or incremental.py for changes) → the ledger records the outcome.
Failures are sorted: transient ones (network, 429/5xx, a damaged download, a lost database connection) are
retried with backoff; permanent ones (bad file, bad credentials) fail the run with a message a person can
act on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
from flask import current_app
from psycopg.errors import QueryCanceled
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.channels import UnknownPlatform, channel_for
from app.channels.base import ChannelError, FallbackToFull, ImportContext
from app.embedded import var_dir
from app.imports.pipeline import Progress, import_records
from app.imports.writers import writer_for
from app.sync import ledger, runlog
from app.sync.incremental import after_sync, run_changes, snapshot_completed, start_fallback_import
from app.sync.jobs import JobError, run_job
from app.sync.models import SyncRun
from app.webhooks.services import event_received

log = logging.getLogger(__name__)


class ImportFailed(RuntimeError):
    """The import ended in failure; the message is the run's error."""


class Heartbeat:
    """Keeps the lease alive while the worker waits (snapshot job, download) between batches."""

    def __init__(self, app, engine, run_id: int, token: int):
        self.app, self.engine, self.run_id, self.token = app, engine, run_id, token
        self.every = ledger.lease_seconds() / 4
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-run-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.app.app_context(), Session(self.engine) as session:
                    ledger.fence(session, self.run_id, self.token)
                    session.commit()
            except ledger.LeaseLost:
                self.lost.set()
                return
            except Exception:  # a missed beat is not fatal; the next one may pass
                log.exception("heartbeat for run %s failed", self.run_id)


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(600, 15 * 2 ** max(0, attempt - 1)))


def imports_dir() -> Path:
    path = Path(current_app.config.get("IMPORTS_DIR") or var_dir() / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def scratch_path(run_id: int, phase: int) -> Path:
    """Where a full import's source may keep a download of a phase (deleted when the run succeeds)."""
    return imports_dir() / f"run-{run_id}-phase-{phase}.download"


def run_file_import(session: Session, shop, kind: str, path: str, *, language: str | None = None,
                    on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Import a local file now, in this process, through the ledger."""
    outcome = run_in_foreground(session, shop, kind, mode="file", source_path=os.path.abspath(path),
                                checkpoint={"language": language} if language else {}, on_progress=on_progress)
    if outcome.status != "succeeded":
        raise ImportFailed(outcome.error or f"the run ended as {outcome.status}")
    return outcome.progress


def sync_now(session: Session, shop, kind: str, *, full: bool = False) -> dict:
    """One sync of `kind` in this process (`flask hub sync`): the change feed, or with `full` a full import;
    a change feed that cannot bring the kind up to date falls back to a full import, run here too.
    Returns the counts written (inserted, updated, unchanged, deleted)."""
    if shop.status != "active":
        raise ImportFailed("The shop is disconnected: connect it again before syncing.")
    if full and kind not in ledger.KINDS:
        raise ImportFailed(f"{kind} has no full import of its own (products' full import brings it): "
                           "use --kind products --full.")
    outcome = run_in_foreground(session, shop, kind, mode="snapshot" if full else "changes")
    counts = _counts(outcome)
    if outcome.status == "fallback":
        fallback = ledger.active_run(session, shop.id, "products" if kind == "stock" else kind)
        if fallback is None or (outcome := execute_run(session, fallback.id)).status == "not-claimed":
            raise ImportFailed(f"The change feed fell back to a full import ({counts.get('reason')}), which a "
                               "worker is running; see the shop page.")
        counts = {key: counts.get(key, 0) + value for key, value in _counts(outcome).items()}
    if outcome.status != "succeeded":
        raise ImportFailed(outcome.error or f"the run ended as {outcome.status}")
    return {key: counts.get(key, 0) for key in ("inserted", "updated", "unchanged", "deleted")}


def job_now(session: Session, shop, kind: str, params: dict | None = None) -> dict:
    """A background job of a declared kind (app/sync/jobs.py) carried out in this process (a `flask hub`
    command), through the same ledger and code as the worker's; returns its stats."""
    outcome = run_in_foreground(session, shop, kind, mode="job", checkpoint={"params": params or {}})
    if outcome.status != "succeeded":
        raise ImportFailed(outcome.error or f"the run ended as {outcome.status}")
    return outcome.stats or {}


def _counts(outcome: Outcome) -> dict:
    stats = dict(outcome.stats or {})
    if outcome.status == "fallback":
        return {"reason": outcome.error}
    return {key: stats.get(key, 0) for key in ("inserted", "updated", "unchanged", "deleted")}


def run_in_foreground(session: Session, shop, kind: str, *, mode: str, source_path: str | None = None,
                      checkpoint: dict | None = None, on_progress: Callable[[Progress], None] | None = None,
                      ) -> Outcome:
    """Start a run and carry it out in this process. It is claimed in the transaction that creates it, so no
    worker picks it up meanwhile; a run of the kind already active is refused (ImportFailed), never joined."""
    run, created = ledger.trigger(session, shop, kind, mode=mode, source_path=source_path)
    if not created:
        session.rollback()
        raise ImportFailed(f"A run of {kind} is already active for this shop (run {run.id}, {run.mode}, "
                           f"{run.status}); wait for it or cancel it on the shop page.")
    run.checkpoint = checkpoint or {}
    session.flush()
    run = ledger.claim(session, run.id)
    session.commit()
    return _carry(session, run, on_progress)


@dataclass
class Outcome:
    """How `execute_run` ended: succeeded, retrying, failed, fallback, lease-lost or not-claimed."""

    status: str
    progress: Progress | None = None
    error: str | None = None
    stats: dict | None = None


def execute_run(session: Session, run_id: int, *,
                on_progress: Callable[[Progress], None] | None = None) -> Outcome:
    """Claim run `run_id` (the job's way in) and carry it to a final (or retrying) state."""
    run = ledger.claim(session, run_id)
    session.commit()
    if run is None:
        return Outcome("not-claimed")
    return _carry(session, run, on_progress)


def _carry(session: Session, run: SyncRun, on_progress: Callable[[Progress], None] | None) -> Outcome:
    run_id, token = run.id, run.lease_token
    ref = runlog.RunRef.of(run)
    runlog.claimed(ref, run.attempt)
    engine = session.get_bind().engine
    with Heartbeat(current_app._get_current_object(), engine, run_id, token):
        try:
            if run.mode == "changes":
                return _sync_changes(session, run, token, ref)
            if run.mode == "job":
                return _run_job(session, run, token, ref)
            progress = _import_phases(session, run, token, on_progress)
            ledger.finish(session, run_id, token)
            if run.mode == "snapshot":
                requested_at = (run.checkpoint or {}).get("requested_at")
                snapshot_completed(session, run.shop_id, run.kind,
                                   datetime.fromisoformat(requested_at) if requested_at else None)
            session.commit()
            _remove_downloads(run)
            runlog.finished(ref, "succeeded", **progress.as_stats())
            if run.mode == "snapshot":
                after_sync(session, run.shop, run.kind, True)
            return Outcome("succeeded", progress, stats=progress.as_stats())
        except ledger.LeaseLost:
            session.rollback()
            log.warning("run %s: lease lost, stopping without writing", run_id)
            return Outcome("lease-lost")
        except Exception as exc:  # every failure ends in the ledger, never silently
            session.rollback()
            run = session.get(SyncRun, run_id)
            transient, message = classify(exc, run)
            try:
                status = ledger.fail(session, run, token, message, retry_in=backoff(run.attempt) if transient else None)
                session.commit()
            except ledger.LeaseLost:
                session.rollback()
                return Outcome("lease-lost")
            if status == "retrying":
                runlog.retrying(ref, run.attempt, message)
            else:
                runlog.failed(ref, run.attempt, message)
            return Outcome(status, error=message)


def _sync_changes(session: Session, run: SyncRun, token: int, ref: runlog.RunRef) -> Outcome:
    try:
        stats = run_changes(session, run, token, ref)
    except FallbackToFull as exc:
        session.rollback()
        ledger.finish(session, run.id, token, stats={"fallback": str(exc)})
        start_fallback_import(session, run.shop, run.kind, str(exc))
        session.commit()
        runlog.finished(ref, "fallback", reason=str(exc))
        return Outcome("fallback", error=str(exc))
    ledger.finish(session, run.id, token, stats=stats, progress_total=run.progress_done)
    session.commit()
    runlog.finished(ref, "succeeded", **stats)
    return Outcome("succeeded", stats=stats)


def _run_job(session: Session, run: SyncRun, token: int, ref: runlog.RunRef) -> Outcome:
    stats = run_job(session, run, token)
    ledger.finish(session, run.id, token, stats=stats)
    session.commit()
    runlog.finished(ref, "succeeded", **stats)
    return Outcome("succeeded", stats=stats)


def phases(run: SyncRun) -> list[str | None]:
    """Products come in one pass per shop language (default first); everything else is one."""
    if run.mode == "file":
        return [(run.checkpoint or {}).get("language")]
    if run.kind == "products":
        return run.shop.language_list or [run.shop.default_language]
    return [None]


def _import_context(session: Session, run: SyncRun, token: int, phase: int, language: str | None) -> ImportContext:
    def save(state: dict, *, remote_job_id: str | None = None) -> None:
        """Commit the source's state now, while we hold the lease."""
        checkpoint = {**state, "phase": phase}
        ledger.fence(session, run.id, token)
        session.execute(update(SyncRun).where(SyncRun.id == run.id).values(
            checkpoint=checkpoint, remote_job_id=remote_job_id))
        session.commit()
        run.checkpoint = checkpoint

    def received(event: str, instance: str) -> bool:
        found = event_received(session, run.shop_id, event, instance)
        session.commit()  # no transaction stays open while the source waits
        return found

    return ImportContext(run_id=run.id, phase=phase, language=language, checkpoint=dict(run.checkpoint or {}),
                         save=save, scratch=scratch_path(run.id, phase), event_received=received)


def _import_phases(session: Session, run: SyncRun, token: int, on_progress) -> Progress:
    channel = channel_for(run.shop)
    plan = phases(run)
    progress = None
    for phase in range(int((run.checkpoint or {}).get("phase", 0)), len(plan)):
        language = plan[phase]
        context = _import_context(session, run, token, phase, language)
        if run.mode == "file":
            source = channel.file_import(run.shop, run.kind, run.source_path, context)
        else:
            source = channel.full_import(run.shop, run.kind, context)
        progress = import_records(session, run.id, token, source, writer_for(run.kind, run.shop, language),
                                  phase=phase, on_progress=on_progress,
                                  batch_size=int(current_app.config.get("IMPORT_BATCH_SIZE", 2000)))
        session.refresh(run)
        if phase + 1 < len(plan):
            ledger.fence(session, run.id, token)
            # The next language starts afresh; when the first one was asked for stays known.
            run.checkpoint = {"phase": phase + 1, "requested_at": run.checkpoint.get("requested_at")}
            session.commit()
    return progress


def _remove_downloads(run: SyncRun) -> None:
    if run.mode != "file":
        for phase in range(len(phases(run))):
            scratch_path(run.id, phase).unlink(missing_ok=True)


def classify(exc: Exception, run: SyncRun) -> tuple[bool, str]:
    """(transient?, message for the run's error column)."""
    if isinstance(exc, ChannelError | JobError):
        return exc.retryable, str(exc)
    if isinstance(exc, QueryCanceled) or isinstance(getattr(exc, "orig", None), QueryCanceled):
        # a statement ran past the lease (statement_timeout); the batches before it are committed
        return True, f"A batch took longer than the lease and was cancelled ({exc}); the import resumes from " \
                     "its last checkpoint."
    if isinstance(exc, OperationalError | psycopg.OperationalError):
        return True, f"Database unavailable: {getattr(exc, 'orig', exc)}"
    try:
        explained = channel_for(run.shop).explain(exc)
    except UnknownPlatform as unknown:
        return False, str(unknown)
    if explained is not None:
        return explained
    return False, f"Unexpected error ({type(exc).__name__}): {exc}"
