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
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.imports.kinds import importer_for
from app.imports.pipeline import Progress, import_file
from app.shoptet.errors import ShoptetError, SnapshotCorrupt
from app.sync import ledger
from app.sync.models import SyncRun

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 15.0


class ImportFailed(RuntimeError):
    """The import ended in failure; the message is the run's error."""


class Heartbeat:
    """Keeps the lease alive while the worker waits (snapshot job, download) between batches."""

    def __init__(self, engine, run_id: int, token: int, every: float = HEARTBEAT_EVERY):
        self.engine, self.run_id, self.token, self.every = engine, run_id, token, every
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
                with Session(self.engine) as session:
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


class Outcome:
    def __init__(self, status: str, progress: Progress | None = None, error: str | None = None):
        self.status, self.progress, self.error = status, progress, error


def execute_run(session: Session, run_id: int, *, on_progress: Callable[[Progress], None] | None = None,
                acquire: Callable[[Session, SyncRun, int], tuple[str, dict]] | None = None) -> Outcome:
    run = ledger.claim(session, run_id)
    session.commit()
    if run is None:
        return Outcome("not-claimed")
    token = run.lease_token
    engine = session.get_bind().engine
    with Heartbeat(engine, run_id, token):
        try:
            if run.mode == "file":
                path, extra = run.source_path, {}
                if not path or not os.path.exists(path):
                    raise PermanentImportError(f"The file {path} does not exist (any more).")
            else:
                path, extra = (acquire or acquire_snapshot)(session, run, token)
            importer = importer_for(run.kind, run.shop, language=(run.checkpoint or {}).get("language"))
            progress = import_file(session, run_id, token, path, importer, on_progress=on_progress,
                                   checkpoint_extra=extra)
            ledger.finish(session, run_id, token)
            session.commit()
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
                log.exception("run %s failed", run_id)
            return Outcome(status, error=message)


class PermanentImportError(RuntimeError):
    """An error retrying cannot fix; the message tells a person what to do."""


def classify(exc: Exception, run: SyncRun) -> tuple[bool, str]:
    """(transient?, message for the run's error column)."""
    if isinstance(exc, SnapshotCorrupt):
        if run.mode == "file":
            return False, f"The snapshot file is damaged: {exc}. Rows from complete lines before the damage " \
                          "were kept; nothing was deleted. Import a complete file."
        return True, f"The downloaded snapshot is damaged ({exc}); it will be downloaded again."
    if isinstance(exc, ShoptetError):
        retryable = getattr(exc, "retryable", False)
        return retryable, f"Shoptet: {exc}"
    if isinstance(exc, OperationalError):
        return True, f"Database unavailable: {exc.orig}"
    if isinstance(exc, PermanentImportError):
        return False, str(exc)
    return False, f"Unexpected error ({type(exc).__name__}): {exc}"


def acquire_snapshot(session: Session, run: SyncRun, token: int) -> tuple[str, dict]:  # pragma: no cover
    raise PermanentImportError("Snapshot downloads from Shoptet are not wired yet.")
