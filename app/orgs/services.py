"""Organizations and memberships: every rule about who belongs where lives here. Flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.models import User
from app.auth.services import AccountError, create_user, find_user, normalize_email
from app.orgs.models import Invitation, Membership, Organization, Role

INVITATION_LIFETIME = timedelta(days=7)


class MembershipError(ValueError):
    """A membership change that would break a rule; the message says why and what to do."""


def create_organization(session: Session, name: str, *, owner: User | None = None) -> Organization:
    name = (name or "").strip()
    if not name:
        raise MembershipError(_("An organization needs a name."))
    org = Organization(name=name)
    session.add(org)
    session.flush()
    if owner is not None:
        session.add(Membership(organization_id=org.id, user_id=owner.id, role=Role.owner))
        session.flush()
    return org


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        message = _("Unknown role '%(role)s'; choose one of: %(choices)s.", role=value, choices=choices)
        raise MembershipError(message) from None


def _lock_org(session: Session, org_id: int) -> Organization:
    """Row-lock the organization so two owners demoting each other cannot both succeed."""
    org = session.execute(select(Organization).where(Organization.id == org_id).with_for_update()).scalar_one_or_none()
    if org is None:
        raise MembershipError(_("There is no organization with id %(id)s.", id=org_id))
    return org


def _owner_count(session: Session, org_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Membership)
        .where(Membership.organization_id == org_id, Membership.role == Role.owner)
    ).scalar_one()


def add_member(session: Session, org_id: int, user: User, role: Role, *, actor_id: int | None = None) -> Membership:
    _lock_org(session, org_id)
    existing = session.execute(
        select(Membership).where(Membership.organization_id == org_id, Membership.user_id == user.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise MembershipError(_("%(email)s is already a member (role %(role)s).", email=user.email,
                                 role=existing.role.value))
    membership = Membership(organization_id=org_id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    record(session, organization_id=org_id, actor_id=actor_id, action="member.added", target_type="user",
           target_id=user.id, email=user.email, role=role.value)
    return membership


def change_role(session: Session, org_id: int, membership_id: int, role: Role, *, actor_id: int | None) -> Membership:
    _lock_org(session, org_id)
    membership = _membership(session, org_id, membership_id)
    if membership.role == Role.owner and role != Role.owner and _owner_count(session, org_id) <= 1:
        raise MembershipError(_("An organization must keep at least one owner: make someone else owner first."))
    old = membership.role
    membership.role = role
    record(session, organization_id=org_id, actor_id=actor_id, action="member.role_changed", target_type="user",
           target_id=membership.user_id, old=old.value, new=role.value)
    return membership


def remove_member(session: Session, org_id: int, membership_id: int, *, actor_id: int | None) -> None:
    _lock_org(session, org_id)
    membership = _membership(session, org_id, membership_id)
    if membership.role == Role.owner and _owner_count(session, org_id) <= 1:
        raise MembershipError(_("The last owner cannot be removed: make someone else owner first."))
    record(session, organization_id=org_id, actor_id=actor_id, action="member.removed", target_type="user",
           target_id=membership.user_id, role=membership.role.value)
    session.delete(membership)
    session.flush()


def _membership(session: Session, org_id: int, membership_id: int) -> Membership:
    membership = session.execute(
        select(Membership).where(Membership.id == membership_id, Membership.organization_id == org_id)
    ).scalar_one_or_none()
    if membership is None:
        raise MembershipError(_("That member does not belong to this organization."))
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, org_id: int, email: str, role: Role, *, actor_id: int | None) -> str:
    """Create an invitation and return the secret token for the link (shown once to the owner)."""
    email = normalize_email(email)
    if "@" not in email:
        raise MembershipError(_("'%(email)s' is not an e-mail address.", email=email))
    user = find_user(session, email)
    if user is not None and session.execute(
        select(Membership.id).where(Membership.organization_id == org_id, Membership.user_id == user.id)
    ).first():
        raise MembershipError(_("%(email)s is already a member.", email=email))
    token = secrets.token_urlsafe(32)
    session.add(Invitation(organization_id=org_id, email=email, role=role, token_hash=_token_hash(token),
                           invited_by_id=actor_id, expires_at=datetime.now(UTC) + INVITATION_LIFETIME))
    record(session, organization_id=org_id, actor_id=actor_id, action="member.invited", target_type="invitation",
           email=email, role=role.value)
    session.flush()
    return token


def find_invitation(session: Session, token: str) -> Invitation | None:
    invitation = session.execute(
        select(Invitation).where(Invitation.token_hash == _token_hash(token), Invitation.accepted_at.is_(None))
    ).scalar_one_or_none()
    if invitation is None or invitation.expires_at < datetime.now(UTC):
        return None
    return invitation


def accept_invitation(session: Session, invitation: Invitation, *, user: User | None, password: str = "",
                      name: str = "") -> User:
    """Join the organization: an existing (logged-in) user, or a new account with the invited e-mail."""
    if user is None:
        user = find_user(session, invitation.email)
        if user is not None:
            raise MembershipError(_("An account with this e-mail exists: log in first, then open the link again."))
        try:
            user = create_user(session, invitation.email, password, name=name)
        except AccountError as exc:
            raise MembershipError(str(exc)) from exc
    elif user.email != invitation.email:
        raise MembershipError(_("This invitation is for %(invited)s; you are logged in as %(email)s.",
                                 invited=invitation.email, email=user.email))
    add_member(session, invitation.organization_id, user, invitation.role, actor_id=user.id)
    invitation.accepted_at = datetime.now(UTC)
    return user
