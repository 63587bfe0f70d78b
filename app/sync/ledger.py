"""The run ledger's rules: trigger, claim with a lease, fence every write, finish, fail, retry, cancel.

These functions take a SQLAlchemy session and flush; the caller commits (a route, a job step).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.sync.jobkinds import JOB_KINDS
from app.sync.models import ACTIVE_RUN_SQL, ACTIVE_STATUSES, SyncRun


def lease_seconds() -> float:
    """How long a claim or a heartbeat holds a run (config LEASE_SECONDS, env HUB_LEASE_SECONDS)."""
    return float(current_app.config.get("LEASE_SECONDS", 60.0))
KINDS = ("orders", "customers", "products", "credit_notes")  # what a full import can bring
SYNC_KINDS = (*KINDS, "stock")  # what an incremental sync can follow


class LeaseLost(RuntimeError):
    """Another worker holds this run now (ours expired, or it was cancelled): stop without writing."""


class LedgerError(ValueError):
    """A request the ledger refuses; the message says why."""


def active_run(session: Session, shop_id: int, kind: str) -> SyncRun | None:
    return session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind,
                              SyncRun.status.in_(ACTIVE_STATUSES))
    ).scalar_one_or_none()


def trigger(session: Session, shop, kind: str, *, mode: str = "snapshot", source_path: str | None = None,
            requested_by_id: int | None = None) -> tuple[SyncRun, bool]:
    """Start a run, or return the active one for (shop, kind). The database decides, not a race."""
    allowed = SYNC_KINDS if mode == "changes" else tuple(JOB_KINDS) if mode == "job" else KINDS
    if kind not in allowed:
        raise LedgerError(f"Unknown {mode} kind '{kind}': choose one of {', '.join(allowed)}.")
    statement = (
        insert(SyncRun)
        .values(organization_id=shop.organization_id, shop_id=shop.id, kind=kind, mode=mode, status="queued",
                source_path=source_path, requested_by_id=requested_by_id, checkpoint={}, stats={},
                attempt=0, max_attempts=5, progress_done=0, lease_token=0)
        # The predicate must be literal SQL: with bound parameters PostgreSQL cannot match it to the partial
        # index once psycopg prepares the statement (after a few runs), and the insert fails.
        .on_conflict_do_nothing(index_elements=["shop_id", "kind"], index_where=text(ACTIVE_RUN_SQL))
        .returning(SyncRun.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is None:
        existing = active_run(session, shop.id, kind)
        if existing is not None:
            return existing, False
        return trigger(session, shop, kind, mode=mode, source_path=source_path, requested_by_id=requested_by_id)
    return session.get(SyncRun, new_id), True


def holder_tag(run_id: int, token: int) -> str:
    """The application_name a lease holder's batch transaction carries, so a claimant can find it."""
    return f"hub-run-{run_id}-{token}"


def _end_expired_holder(session: Session, run_id: int) -> None:
    """End the backend of a holder whose lease expired mid-batch. A worker paused inside a COPY keeps its
    backend waiting on the client, where PostgreSQL applies neither statement_timeout nor
    idle_in_transaction_session_timeout, so the run's row lock would be held until the process resumes.
    Its lease has expired, so by the lease's contract it is gone; its batch rolls back."""
    expired_token = session.execute(
        select(SyncRun.lease_token).where(SyncRun.id == run_id, SyncRun.status == "running",
                                          SyncRun.lease_expires_at < func.now())
    ).scalar_one_or_none()
    if expired_token is None:
        return
    session.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :tag"
        " AND datname = current_database() AND pid <> pg_backend_pid()"),
        {"tag": holder_tag(run_id, expired_token)})


def claim(session: Session, run_id: int) -> SyncRun | None:
    """Take the run for this worker: a new lease token, unless another live lease holds it."""
    _end_expired_holder(session, run_id)
    row = session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id,
               (SyncRun.status.in_(("queued", "retrying")))
               | ((SyncRun.status == "running") & (SyncRun.lease_expires_at < text("now()"))))
        .values(status="running", lease_token=SyncRun.lease_token + 1, attempt=SyncRun.attempt + 1,
                lease_expires_at=text("now() + make_interval(secs => :lease)"), heartbeat_at=text("now()"),
                started_at=text("coalesce(started_at, now())"), next_attempt_at=None)
        .returning(SyncRun.id),
        {"lease": lease_seconds()},
    ).scalar_one_or_none()
    if row is None:
        return None
    run = session.get(SyncRun, run_id)
    session.refresh(run)
    return run


def fence(session: Session, run_id: int, token: int, **values) -> None:
    """Renew the lease and store progress, only if we still hold it. Run this first in every batch
    transaction: the row lock it takes orders us against a claimant, so either our batch commits while
    we hold the lease, or we see the new token and roll back."""
    # A worker that stops mid-transaction (paused, hung) would hold this row's lock and block the worker
    # taking over; PostgreSQL ends such a transaction once it waits as long as a lease. A COPY waiting on
    # its client escapes both timeouts: the tag lets a claimant end it (_end_expired_holder).
    # Set before the row is locked: a worker paused between the two statements must not hold the lock
    # with no timeout (a CI run caught one paused exactly there).
    milliseconds = str(int(lease_seconds() * 1000))
    session.execute(select(func.set_config("idle_in_transaction_session_timeout", milliseconds, True),
                           func.set_config("statement_timeout", milliseconds, True),
                           func.set_config("application_name", holder_tag(run_id, token), True)))
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.lease_token == token, SyncRun.status == "running")
        .values({"heartbeat_at": text("now()"),
                 "lease_expires_at": text("now() + make_interval(secs => :lease)"), **values}),
        {"lease": lease_seconds()},
    )
    if result.rowcount != 1:
        raise LeaseLost(f"run {run_id}: lease token {token} is no longer valid")


def finish(session: Session, run_id: int, token: int, **values) -> None:
    fence(session, run_id, token, status="succeeded", finished_at=text("now()"), lease_expires_at=None,
          error=None, **values)


def fail(session: Session, run: SyncRun, token: int, error: str, *, retry_in: timedelta | None = None) -> str:
    """Record an error: retry later if it is transient and attempts remain, else fail for good."""
    if retry_in is not None and run.attempt < run.max_attempts:
        fence(session, run.id, token, status="retrying", error=error, lease_expires_at=None,
              next_attempt_at=text(f"now() + interval '{int(retry_in.total_seconds())} seconds'"))
        return "retrying"
    fence(session, run.id, token, status="failed", error=error, finished_at=text("now()"), lease_expires_at=None)
    return "failed"


def cancel(session: Session, run: SyncRun) -> bool:
    """Stop an active run; a worker still on it loses its fence at its next batch and rolls back."""
    result = session.execute(
        update(SyncRun).where(SyncRun.id == run.id, SyncRun.status.in_(ACTIVE_STATUSES))
        .values(status="cancelled", finished_at=text("now()"), lease_expires_at=None)
    )
    return result.rowcount == 1


def retry(session: Session, run: SyncRun) -> SyncRun:
    """Put a failed or cancelled run back in the queue; it resumes from its checkpoint."""
    if run.status not in ("failed", "cancelled"):
        raise LedgerError(_("Only a failed or cancelled run can be retried."))
    try:
        with session.begin_nested():
            session.execute(
                update(SyncRun).where(SyncRun.id == run.id)
                .values(status="queued", attempt=0, error=None, finished_at=None, next_attempt_at=None)
            )
    except IntegrityError:
        raise LedgerError(_("Another import of this kind is already running for the shop.")) from None
    session.refresh(run)
    return run
