"""Shops (Shoptet e-shops, later WooCommerce stores) belonging to an organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin

SHOPTET_API_URL = "https://api.myshoptet.com"


class Shop(IdMixin, TimestampMixin, Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("organization_id", "platform", "external_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20), default="shoptet")  # shoptet | woocommerce
    external_id: Mapped[int] = mapped_column(BigInteger)  # Shoptet eshopId
    url: Mapped[str] = mapped_column(String(500), default="")
    # Where the shop's API answers: Shoptet's, or the sandbox's in the demo and tests.
    api_url: Mapped[str] = mapped_column(String(500), default=SHOPTET_API_URL, server_default=SHOPTET_API_URL)
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

    organization = relationship("Organization")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class ShopInstall(IdMixin, Base):
    """An owner's "connect a Shoptet shop": the nonce in the signed install state, used once."""

    __tablename__ = "shop_installs"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
