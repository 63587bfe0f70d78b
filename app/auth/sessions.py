"""Server-side login sessions: the cookie holds a random token, the database decides if it is valid."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.auth.models import LoginSession, User

# Writing last_seen_at on every request would turn each page view into a write; once a minute is enough.
_TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, ip: str = "", user_agent: str = "") -> str:
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_hash(token), ip=ip[:64], user_agent=user_agent[:300]))
    user.login_token = token
    return token


def load_user(session: Session, token: str, idle_timeout: timedelta) -> User | None:
    """The user behind a live (not revoked, not idle-expired) session token, else None."""
    now = datetime.now(UTC)
    row = session.execute(
        select(LoginSession).where(LoginSession.token_hash == _hash(token), LoginSession.revoked_at.is_(None))
        .options(joinedload(LoginSession.user))  # every request: one statement, not two
    ).scalar_one_or_none()
    if row is None or row.last_seen_at < now - idle_timeout:
        return None
    if row.last_seen_at < now - _TOUCH_INTERVAL:
        row.last_seen_at = now
    user = row.user
    if not user.is_active_account:
        return None
    user.login_token = token
    return user


def revoke(session: Session, token: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _hash(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def revoke_all_for_user(session: Session, user_id: int) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
