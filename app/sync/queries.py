"""Reads of the run ledger for the shop page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync.ledger import KINDS
from app.sync.models import ACTIVE_STATUSES, TERMINAL_STATUSES, ImportBadLine, SyncCursor, SyncRun


@dataclass
class KindOverview:
    kind: str
    active: SyncRun | None
    last_success: SyncRun | None
    finished: SyncRun | None = None  # the newest ended run (a failed one shows on the card with its retry)


def kind_overview(session: Session, shop_id: int, kind: str) -> KindOverview:
    """One kind's card, read in one snapshot so the run, last success and button agree."""
    active = session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind,
                              SyncRun.status.in_(ACTIVE_STATUSES))
    ).scalar_one_or_none()
    last_success = session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind, SyncRun.status == "succeeded")
        .order_by(SyncRun.finished_at.desc()).limit(1)
    ).scalar_one_or_none()
    finished = session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind,
                              SyncRun.status.in_(TERMINAL_STATUSES))
        .order_by(SyncRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    return KindOverview(kind, active, last_success, finished)


def kind_overviews(session: Session, shop_id: int, kinds: tuple[str, ...] = KINDS) -> list[KindOverview]:
    """The cards of the kinds the shop's channel imports (`Channel.kinds`)."""
    return [kind_overview(session, shop_id, kind) for kind in KINDS if kind in kinds]


def run_history(session: Session, shop_id: int, limit: int = 20) -> list[SyncRun]:
    return list(session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.id.desc()).limit(limit)
    ).scalars())


def bad_lines(session: Session, run_id: int, limit: int = 20) -> list[ImportBadLine]:
    return list(session.execute(
        select(ImportBadLine).where(ImportBadLine.run_id == run_id).order_by(ImportBadLine.line_no).limit(limit)
    ).scalars())


@dataclass
class RunSpeed:
    rate: float | None  # lines per second
    eta_seconds: float | None


def run_speed(run: SyncRun, now: datetime | None = None) -> RunSpeed:
    """Rate and ETA from the ledger alone (no worker memory): progress over the run's time so far.

    A run that ended is measured up to its end, not up to now, so its rate stays what it was on every page
    (the card and the run page once disagreed: one divided by the time since it started, forever growing).
    Time left only while it runs, and only when there is a total to reach.
    """
    if not run.started_at or not run.progress_done:
        return RunSpeed(None, None)
    end = run.finished_at if run.finished_at and not run.is_active else (now or datetime.now(UTC))
    elapsed = (end - run.started_at).total_seconds()
    if elapsed <= 0:
        return RunSpeed(None, None)
    rate = run.progress_done / elapsed
    remaining = (run.progress_total or 0) - run.progress_done
    active = run.is_active
    return RunSpeed(rate, remaining / rate if active and rate and remaining > 0 else None)


def sync_cursors(session: Session, shop_id: int) -> list[SyncCursor]:
    return list(session.execute(
        select(SyncCursor).where(SyncCursor.shop_id == shop_id).order_by(SyncCursor.stream)
    ).scalars())


def run_label(session: Session, run_id: int) -> str:
    """A run in a few words for a process title: `run 42 orders shop 3`."""
    row = session.execute(select(SyncRun.kind, SyncRun.shop_id).where(SyncRun.id == run_id)).one_or_none()
    return f"run {run_id} {row.kind} shop {row.shop_id}" if row else f"run {run_id}"
