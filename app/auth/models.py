"""Users and their server-side login sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, UserMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)  # platform ops, across organizations
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(5))  # the interface language chosen; None: the browser's

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    # Flask-Login identifies a login by the LoginSession token (see auth.sessions), not the user id,
    # so revoking the row logs the cookie out everywhere it was copied to.
    login_token = None  # not a column

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account


class LoginSession(IdMixin, Base):
    """One row per login: the cookie carries only its random token; logout revokes it server-side."""

    __tablename__ = "login_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()
