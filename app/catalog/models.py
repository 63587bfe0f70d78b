"""Products, variants, texts per language and stock per warehouse, as imported from the shops' platforms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin
from app.tables.folding import folded_index_expression


class Product(IdMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "guid"),
        # The products table's sorts (app/catalog/table.py), one keyset order each.
        Index("ix_products_shop_name", "shop_id", "name", "id"),
        Index("ix_products_shop_created", "shop_id", "creation_time", "id"),
        # The global search's names (app/search/queries.py), accents and case ignored.
        Index("ix_products_shop_name_fold", "shop_id", folded_index_expression("name"), postgresql_using="gin",
              postgresql_ops={"name_folded": "gin_trgm_ops"}),
    )

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
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        # A page's variants by product. Search by code (case ignored) and EAN prefix: pattern ops make a prefix
        # a range whatever the collation; the code first, as the products table asks for the matching products
        # of every shop at once (one subquery per page), shop_id second for the global search's shops.
        Index("ix_product_variants_shop_product", "shop_id", "product_guid"),
        Index("ix_product_variants_code_search", func.lower(sql_text("code")).label("code_lower"), "shop_id",
              postgresql_ops={"code_lower": "text_pattern_ops"}),
        Index("ix_product_variants_ean_search", "ean", "shop_id", postgresql_ops={"ean": "varchar_pattern_ops"}),
    )

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
    __table_args__ = (
        UniqueConstraint("shop_id", "product_guid", "language"),
        # Names in every language by trigrams of `name_folded` (shop_id through btree_gin): the products
        # table's and the global search's name search.
        Index("ix_product_texts_shop_name_fold", "shop_id", "name_folded", postgresql_using="gin",
              postgresql_ops={"name_folded": "gin_trgm_ops"}),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(Text)
    short_description: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    meta_title: Mapped[str | None] = mapped_column(Text)
    meta_description: Mapped[str | None] = mapped_column(Text)
    additional_name: Mapped[str | None] = mapped_column(Text)
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)
    # `hub_fold(name)` stored, so a trigram search's recheck of thousands of candidate rows compares it as it is
    # instead of folding each name again; kept by the trigger product_texts_fold (migration catalog_search),
    # never written here.
    name_folded: Mapped[str | None] = mapped_column(Text, server_default=FetchedValue(), server_onupdate=FetchedValue())


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


# The text fields a person translates, in the order the editor walks them, with the shop's length limit.
TEXT_FIELDS: dict[str, int | None] = {
    "name": 250, "short_description": None, "description": None, "meta_title": 255, "meta_description": None,
    "additional_name": 150,
}


class UnitState:
    missing = "missing"
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    synced = "synced"
    outdated = "outdated"
    conflict = "conflict"
    ALL = ("missing", "draft", "in_review", "approved", "synced", "outdated", "conflict")


class TranslationUnit(IdMixin, Base):
    """One field of one product in one target language (of the product's shop): its text and where it is in
    the workflow (app/catalog/workflow.py).

    `source_hash` is the hash of the source text the translation was made from (kept at approval with
    `source_text`, so an outdated unit can show the source's diff); `shop_hash` the hash of the shop's text
    as the hub last pushed or saw it (a different one at the next import: conflict); `version` is bumped by
    every save (optimistic concurrency: a save names the version it started from).
    """

    __tablename__ = "translation_units"
    __table_args__ = (
        UniqueConstraint("shop_id", "product_guid", "language", "field"),
        Index("ix_translation_units_queue", "shop_id", "language", "state", "id"),
        Index("ix_translation_units_memory", "language", "field", "source_hash"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    field: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default=UnitState.missing)
    text: Mapped[str | None] = mapped_column(Text)
    source_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_text: Mapped[str | None] = mapped_column(Text)
    shop_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    machine_made: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # This shop's own text: an approved translation of the same product (same variant code, same source text)
    # in another shop of the organization is not copied over it (app/catalog/workflow.py share_approved).
    overlay: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    flags: Mapped[list] = mapped_column(JSONB, default=list, server_default=sql_text("'[]'::jsonb"))
    comment: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GlossaryTerm(IdMixin, Base):
    """An organization's term and its translation in a language; no translation: the term is never translated."""

    __tablename__ = "translation_glossary"
    __table_args__ = (UniqueConstraint("organization_id", "language", "term"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    term: Mapped[str] = mapped_column(String(200))
    translation: Mapped[str | None] = mapped_column(String(200))


class TranslationUsage(Base):
    """Characters sent to a provider per organization and month: the budget's counter."""

    __tablename__ = "translation_usage"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    characters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
