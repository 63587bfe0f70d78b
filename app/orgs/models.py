"""Organizations (merchant companies), memberships with roles, and invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin


class Role(enum.StrEnum):
    owner = "owner"
    manager = "manager"
    translator = "translator"
    viewer = "viewer"


role_type = Enum(Role, name="member_role", values_callable=lambda roles: [r.value for r in roles])


class Organization(IdMixin, TimestampMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    # Bumped on every settings write; the settings cache keys on it (see settings.cache).
    settings_version: Mapped[int] = mapped_column(BigInteger, default=1)

    memberships = relationship("Membership", back_populates="organization", cascade="all, delete-orphan")


class Membership(IdMixin, TimestampMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(role_type)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user = relationship("User", back_populates="memberships")


class Invitation(IdMixin, TimestampMixin, Base):
    """An owner's invitation; the link carries a random token whose hash is stored here."""

    __tablename__ = "invitations"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(role_type)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization] = relationship()
