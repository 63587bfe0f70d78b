"""Shops (Shoptet e-shops, later WooCommerce stores) belonging to an organization."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
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
    default_language: Mapped[str] = mapped_column(String(8), default="cs", server_default="cs")
    languages: Mapped[str] = mapped_column(String(100), default="cs", server_default="cs")  # comma-separated codes
    currency: Mapped[str] = mapped_column(String(3), default="CZK", server_default="CZK")

    organization = relationship("Organization")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]
