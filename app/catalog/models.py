"""Products, variants, texts per language and stock per warehouse, as imported from the shops' platforms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin


class Product(IdMixin, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "guid"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(30))
    visibility: Mapped[str | None] = mapped_column(String(30))
    brand: Mapped[str | None] = mapped_column(String(200))
    default_category: Mapped[str | None] = mapped_column(String(300))
    creation_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)
    raw: Mapped[dict] = mapped_column(JSONB)  # the default-language snapshot line, variants included
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProductVariant(IdMixin, Base):
    __tablename__ = "product_variants"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    ean: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    stock: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    visible: Mapped[bool | None] = mapped_column(Boolean)
    raw: Mapped[dict] = mapped_column(JSONB)


class ProductText(IdMixin, Base):
    """A product's texts in one language: the source for the translation workflow."""

    __tablename__ = "product_texts"
    __table_args__ = (UniqueConstraint("shop_id", "product_guid", "language"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(Text)
    short_description: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    meta_title: Mapped[str | None] = mapped_column(Text)
    meta_description: Mapped[str | None] = mapped_column(Text)
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)


class VariantStock(IdMixin, Base):
    __tablename__ = "variant_stocks"
    __table_args__ = (UniqueConstraint("shop_id", "stock_id", "variant_code"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    stock_id: Mapped[int] = mapped_column(Integer)
    variant_code: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    claim: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    location: Mapped[str | None] = mapped_column(String(200))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
