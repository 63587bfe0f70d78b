"""Record audit events in the same transaction as the change they describe."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.audit.models import AuditEvent


def record(session: Session, *, organization_id: int | None, actor_id: int | None, action: str,
           target_type: str = "", target_id: int | None = None, **details) -> AuditEvent:
    event = AuditEvent(organization_id=organization_id, actor_id=actor_id, action=action,
                       target_type=target_type, target_id=target_id, details=details)
    session.add(event)
    return event
