"""Reads of the audit log: keyset pages newest first, filtered by who, what and when.

Pages walk `ix_audit_events_org_created (organization_id, created_at)` backwards from the cursor's
(created_at, id), so page 1000 costs what page 1 costs; events of one transaction share their time and are
told apart by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User
from app.orgs.models import Membership
from app.tables.args import day_end, day_start

PAGE_SIZE = 50
SYSTEM = "system"  # `who` for events nobody did (the scheduler, a worker)


@dataclass
class AuditFilter:
    who: int | str | None = None  # a user id, SYSTEM, or anyone
    what: str | None = None  # an action ("member.role_changed") or its group ("member")
    since: date | None = None  # days in the organization's display zone, both included
    until: date | None = None


@dataclass
class AuditPage:
    rows: list[tuple[AuditEvent, str | None]]
    next_before: int | None


def audit_page(session: Session, org_id: int, before_id: int | None = None, size: int = PAGE_SIZE,
               wanted: AuditFilter | None = None, zone: ZoneInfo | None = None) -> AuditPage:
    """Events after the cursor event `before_id` (its time and id), newest first."""
    wanted = wanted or AuditFilter()
    zone = zone or ZoneInfo("UTC")
    statement = (
        select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.organization_id == org_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(size + 1)
    )
    if before_id is not None:
        cursor = session.execute(select(AuditEvent.created_at, AuditEvent.id).where(
            AuditEvent.id == before_id, AuditEvent.organization_id == org_id)).first()
        if cursor is None:  # another organization's event, or made up: nothing is after it
            return AuditPage(rows=[], next_before=None)
        statement = statement.where(tuple_(AuditEvent.created_at, AuditEvent.id) < tuple_(*cursor))
    if wanted.who == SYSTEM:
        statement = statement.where(AuditEvent.actor_id.is_(None))
    elif wanted.who is not None:
        statement = statement.where(AuditEvent.actor_id == wanted.who)
    if wanted.what:
        statement = statement.where(or_(AuditEvent.action == wanted.what,
                                        AuditEvent.action.startswith(wanted.what + ".", autoescape=True)))
    if wanted.since:
        statement = statement.where(AuditEvent.created_at >= day_start(wanted.since, zone))
    if wanted.until:
        statement = statement.where(AuditEvent.created_at < day_end(wanted.until, zone))
    rows = list(session.execute(statement).all())
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows=rows, next_before=rows[-1][0].id if more else None)


def members(session: Session, org_id: int) -> list[tuple[int, str]]:
    """(user id, e-mail) of the organization's members: the choices of "who"."""
    return list(session.execute(
        select(User.id, User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id).order_by(User.email)).all())
