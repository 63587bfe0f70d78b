"""Reads of the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User

PAGE_SIZE = 50


@dataclass
class AuditPage:
    rows: list[tuple[AuditEvent, str | None]]
    next_before: int | None


def audit_page(session: Session, org_id: int, before_id: int | None = None, size: int = PAGE_SIZE) -> AuditPage:
    """Keyset page on the id (monotonic with time), so page 1000 costs what page 1 costs."""
    statement = (
        select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.organization_id == org_id).order_by(AuditEvent.id.desc()).limit(size + 1)
    )
    if before_id is not None:
        statement = statement.where(AuditEvent.id < before_id)
    rows = list(session.execute(statement).all())
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows=rows, next_before=rows[-1][0].id if more else None)
