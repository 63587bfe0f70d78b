"""Reads of the run ledger for the shop page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync.ledger import KINDS
from app.sync.models import ACTIVE_STATUSES, ImportBadLine, SyncCursor, SyncRun


@dataclass
class KindOverview:
    kind: str
    active: SyncRun | None
    last_success: SyncRun | None


def kind_overviews(session: Session, shop_id: int) -> list[KindOverview]:
    overviews = []
    for kind in KINDS:
        active = session.execute(
            select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind,
                                  SyncRun.status.in_(ACTIVE_STATUSES))
        ).scalar_one_or_none()
        last_success = session.execute(
            select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.kind == kind, SyncRun.status == "succeeded")
            .order_by(SyncRun.finished_at.desc()).limit(1)
        ).scalar_one_or_none()
        overviews.append(KindOverview(kind, active, last_success))
    return overviews


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
    """Rate and ETA from the ledger alone (no worker memory): progress over time since start."""
    if not run.started_at or not run.progress_done:
        return RunSpeed(None, None)
    elapsed = ((now or datetime.now(UTC)) - run.started_at).total_seconds()
    if elapsed <= 0:
        return RunSpeed(None, None)
    rate = run.progress_done / elapsed
    remaining = (run.progress_total or 0) - run.progress_done
    return RunSpeed(rate, remaining / rate if rate and remaining > 0 else None)


def sync_cursors(session: Session, shop_id: int) -> list[SyncCursor]:
    return list(session.execute(
        select(SyncCursor).where(SyncCursor.shop_id == shop_id).order_by(SyncCursor.stream)
    ).scalars())


def run_label(session: Session, run_id: int) -> str:
    """A run in a few words for a process title: `run 42 orders shop 3`."""
    row = session.execute(select(SyncRun.kind, SyncRun.shop_id).where(SyncRun.id == run_id)).one_or_none()
    return f"run {run_id} {row.kind} shop {row.shop_id}" if row else f"run {run_id}"
