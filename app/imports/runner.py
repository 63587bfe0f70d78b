"""Run one ledger entry from claim to a final state: get the file, import it, record the outcome.

Used by the RQ task (workers) and by `flask hub import-snapshot` (in-process), so both take the same
path. Failures are sorted: transient ones (network, 429/5xx, a damaged download, a lost database
connection) are retried with backoff; permanent ones (bad file, bad credentials) fail the run with a
message a person can act on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import psycopg
from flask import current_app
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.channels.base import MissingCredentials
from app.imports.kinds import importer_for
from app.imports.pipeline import Progress, import_file
from app.imports.snapshots import acquire_snapshot, forget_download, local_path
from app.shoptet.errors import JobFailed, ShoptetError, SnapshotCorrupt
from app.sync import ledger
from app.sync.incremental import FallbackToSnapshot, run_changes, snapshot_completed, start_fallback_snapshot
from app.sync.models import SyncRun

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


def run_file_import(session: Session, shop, kind: str, path: str, *, language: str | None = None,
                    on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Import a local file now, in this process, through the ledger."""
    run, created = ledger.trigger(session, shop, kind, mode="file", source_path=os.path.abspath(path))
    if not created:
        raise ImportFailed(f"An import of {kind} is already active for this shop (run {run.id}, {run.status}); "
                           "wait for it or cancel it on the shop page.")
    run.checkpoint = {"language": language} if language else {}
    session.commit()
    outcome = execute_run(session, run.id, on_progress=on_progress)
    if outcome.status != "succeeded":
        raise ImportFailed(outcome.error or f"run {run.id} ended as {outcome.status}")
    return outcome.progress


@dataclass
class Outcome:
    """How `execute_run` ended: succeeded, retrying, failed, fallback, lease-lost or not-claimed."""

    status: str
    progress: Progress | None = None
    error: str | None = None


def execute_run(session: Session, run_id: int, *, on_progress: Callable[[Progress], None] | None = None,
                acquire: Callable | None = None) -> Outcome:
    run = ledger.claim(session, run_id)
    session.commit()
    if run is None:
        return Outcome("not-claimed")
    token = run.lease_token
    engine = session.get_bind().engine
    with Heartbeat(current_app._get_current_object(), engine, run_id, token):
        try:
            if run.mode == "changes":
                return _sync_changes(session, run, token)
            progress = _import_phases(session, run, token, on_progress, acquire or acquire_snapshot)
            ledger.finish(session, run_id, token)
            if run.mode == "snapshot":
                requested_at = (run.checkpoint or {}).get("requested_at")
                snapshot_completed(session, run.shop_id, run.kind,
                                   datetime.fromisoformat(requested_at) if requested_at else None)
            session.commit()
            _remove_downloads(run)
            return Outcome("succeeded", progress)
        except ledger.LeaseLost:
            session.rollback()
            log.warning("run %s: lease lost, stopping without writing", run_id)
            return Outcome("lease-lost")
        except Exception as exc:  # every failure ends in the ledger, never silently
            session.rollback()
            transient, message = classify(exc, run)
            run = session.get(SyncRun, run_id)
            try:
                status = ledger.fail(session, run, token, message, retry_in=backoff(run.attempt) if transient else None)
                session.commit()
            except ledger.LeaseLost:
                session.rollback()
                return Outcome("lease-lost")
            if not transient:
                log.warning("run %s failed: %s", run_id, message)
            return Outcome(status, error=message)


def _sync_changes(session: Session, run: SyncRun, token: int) -> Outcome:
    try:
        stats = run_changes(session, run, token)
    except FallbackToSnapshot as exc:
        session.rollback()
        ledger.finish(session, run.id, token, stats={"fallback": str(exc)})
        start_fallback_snapshot(session, run.shop, run.kind, str(exc))
        session.commit()
        log.info("run %s: %s", run.id, exc)
        return Outcome("fallback", error=str(exc))
    ledger.finish(session, run.id, token, stats=stats, progress_total=run.progress_done)
    session.commit()
    return Outcome("succeeded")


def phases(run: SyncRun) -> list[str | None]:
    """Products come as one snapshot per language (default first); everything else is one file."""
    if run.mode == "file":
        return [(run.checkpoint or {}).get("language")]
    if run.kind == "products":
        return run.shop.language_list or [run.shop.default_language]
    return [None]


def _import_phases(session: Session, run: SyncRun, token: int, on_progress, acquire) -> Progress:
    plan = phases(run)
    progress = None
    for phase in range(int((run.checkpoint or {}).get("phase", 0)), len(plan)):
        language = plan[phase]
        if run.mode == "file":
            path = run.source_path
            if not path or not os.path.exists(path):
                raise PermanentImportError(f"The file {path} does not exist (any more).")
        else:
            path = acquire(session, run, token, phase, language)
        importer = importer_for(run.kind, run.shop, language=language)
        try:
            progress = import_file(session, run.id, token, path, importer, on_progress=on_progress,
                                   checkpoint_extra={"phase": phase},
                                   batch_size=int(current_app.config.get("IMPORT_BATCH_SIZE", 2000)))
        except SnapshotCorrupt:
            if run.mode != "file":
                session.rollback()
                forget_download(session, run, token, phase)
            raise
        session.refresh(run)
        if phase + 1 < len(plan):
            ledger.fence(session, run.id, token)
            # The next language starts afresh; when the first snapshot was asked for stays known.
            run.checkpoint = {"phase": phase + 1, "line_no": 0, "requested_at": run.checkpoint.get("requested_at")}
            session.commit()
    return progress


def _remove_downloads(run: SyncRun) -> None:
    if run.mode != "file":
        for phase in range(len(phases(run))):
            local_path(run.id, phase).unlink(missing_ok=True)


class PermanentImportError(RuntimeError):
    """An error retrying cannot fix; the message tells a person what to do."""


def classify(exc: Exception, run: SyncRun) -> tuple[bool, str]:
    """(transient?, message for the run's error column)."""
    if isinstance(exc, SnapshotCorrupt):
        if run.mode == "file":
            return False, f"The snapshot file is damaged: {exc}. Rows from complete lines before the damage " \
                          "were kept; nothing was deleted. Import a complete file."
        return True, f"The downloaded snapshot is damaged ({exc}); a new snapshot will be requested."
    if isinstance(exc, JobFailed):
        return True, f"Shoptet's snapshot job failed ({exc}); a new one will be requested."
    if isinstance(exc, ShoptetError):
        retryable = getattr(exc, "retryable", False)
        return retryable, f"Shoptet: {exc}"
    if isinstance(exc, QueryCanceled) or isinstance(getattr(exc, "orig", None), QueryCanceled):
        # a statement ran past the lease (statement_timeout); the batches before it are committed
        return True, f"A batch took longer than the lease and was cancelled ({exc}); the import resumes from " \
                     "its last checkpoint."
    if isinstance(exc, OperationalError | psycopg.OperationalError):
        return True, f"Database unavailable: {getattr(exc, 'orig', exc)}"
    if isinstance(exc, httpx.TransportError):
        return True, f"Network error while downloading the snapshot: {exc!r}"
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500, f"Snapshot download answered {exc.response.status_code}"
    if isinstance(exc, MissingCredentials):
        return False, str(exc)
    if isinstance(exc, PermanentImportError):
        return False, str(exc)
    return False, f"Unexpected error ({type(exc).__name__}): {exc}"


