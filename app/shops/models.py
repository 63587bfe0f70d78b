"""Shops (Shoptet e-shops, later WooCommerce stores) belonging to an organization."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin


class Shop(IdMixin, TimestampMixin, Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("organization_id", "platform", "external_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20), default="shoptet")  # shoptet | woocommerce
    external_id: Mapped[int] = mapped_column(BigInteger)  # Shoptet eshopId
    url: Mapped[str] = mapped_column(String(500), default="")

    organization = relationship("Organization")
