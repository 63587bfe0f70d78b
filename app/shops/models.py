"""Shops of an organization, each on a platform (`platform`) whose channel (app/channels/) reaches it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin


class Shop(IdMixin, TimestampMixin, Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("organization_id", "platform", "external_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Which channel (app/channels/) serves the shop: the registry's name of its platform.
    platform: Mapped[str] = mapped_column(String(20), default="shoptet")
    external_id: Mapped[int] = mapped_column(BigInteger)  # the platform's id of the shop (Shoptet: eshopId)
    url: Mapped[str] = mapped_column(String(500), default="")
    # Where the shop's API answers (set by its channel when it is connected; the sandbox's in demos and tests).
    api_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    auth_mode: Mapped[str] = mapped_column(String(20), default="private", server_default="private")  # private | oauth
    # Encrypted with app.crypto (Fernet); never rendered, never logged.
    api_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")  # active | disconnected
    oauth_url: Mapped[str | None] = mapped_column(String(500))  # the partner e-shop's OAuth server (addon mode)
    webhook_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)  # signature key, encrypted
    status_reason: Mapped[str | None] = mapped_column(Text)  # why the shop is disconnected, shown on its page
    default_language: Mapped[str] = mapped_column(String(8), default="cs", server_default="cs")
    languages: Mapped[str] = mapped_column(String(100), default="cs", server_default="cs")  # comma-separated codes
    currency: Mapped[str] = mapped_column(String(3), default="CZK", server_default="CZK")
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name, from the shop's API when connected

    organization = relationship("Organization")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class ShopInstall(IdMixin, Base):
    """An owner's "connect a shop" through an addon install: the nonce in the signed install state, used once."""

    __tablename__ = "shop_installs"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
