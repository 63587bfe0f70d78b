"""Reads for the members page."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.orgs.models import Invitation, Membership


def members(session: Session, org_id: int) -> list[tuple[Membership, User]]:
    return list(session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == org_id).order_by(User.email)
    ).all())


def pending_invitations(session: Session, org_id: int) -> list[Invitation]:
    return list(session.execute(
        select(Invitation).where(Invitation.organization_id == org_id, Invitation.accepted_at.is_(None),
                                 Invitation.expires_at > func.now()).order_by(Invitation.created_at)
    ).scalars())
