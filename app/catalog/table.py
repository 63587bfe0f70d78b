"""The products table, declared once: app/tables/ makes its page, saved views and CSV export from it.

Index behind each read (migrations catalog_texts, catalog_search):
- name / newest: `ix_products_shop_name (shop_id, name, id)`, `ix_products_shop_created (shop_id,
  creation_time, id)`, one branch per shop;
- search: a product whose variant's code (case ignored) or EAN starts with the term
  (`ix_product_variants_code_search`, `..._ean_search`, pattern ops) or whose name in any language contains
  it, accents and case ignored (`ix_product_texts_shop_name_fold`, trigrams of the stored
  `name_folded = hub_fold(name)`);
- "missing in L", "outdated in L", "in review in L": a probe per walked row of `product_texts`' unique key
  (shop, guid, language) or `translation_units`' (shop, guid, language, field).
Brand, category and visibility are checked on the rows the walk reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, String, exists, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from app.catalog import queries
from app.catalog.models import Product, ProductText, ProductVariant, TranslationUnit
from app.catalog.visibility import visibility_name
from app.tables.cache import cached_per_shops
from app.tables.columns import Column, RowContext, moment, shop, spreadsheet_safe, text
from app.tables.declaration import BulkAction, Search, Table, like_escape
from app.tables.filters import Equals
from app.tables.keyset import Sort


@dataclass(frozen=True)
class ProductSearch(Search):
    """Code (case ignored) and EAN by prefix, name in any language by its accent-free substring (from 3
    characters).

    One uncorrelated `(shop_id, guid) IN (… UNION ALL …)`: PostgreSQL finds the matching products once through
    the search indexes (a hashed subplan: each row the page walks costs a hash probe) or, the IN being a
    single one, joins from them to the products when the term is rare. The name's pattern is folded by the
    same `hub_fold` that made `name_folded`."""

    def condition(self, q: str) -> ColumnElement:
        pattern = like_escape(q)
        matches = [select(ProductVariant.shop_id, ProductVariant.product_guid).where(
            or_(func.lower(ProductVariant.code).like(pattern.lower() + "%"), ProductVariant.ean.like(pattern + "%")))]
        if len(q) >= 3:
            folded_pattern = func.hub_fold(literal(f"%{pattern}%", String))
            matches.append(select(ProductText.shop_id, ProductText.product_guid).where(
                ProductText.name_folded.like(folded_pattern)))
        return tuple_(Product.shop_id, Product.guid).in_(union_all(*matches) if len(matches) > 1 else matches[0])


@dataclass(frozen=True)
class LanguageFilter(Equals):
    """A language chosen in a select; `condition(language)` says what the filter means there."""

    condition: Callable[[str], ColumnElement] | None = None

    def where(self, value: str | None, zone: ZoneInfo) -> list[ColumnElement]:
        return [self.condition(value)] if value else []


def missing_in(language: str) -> ColumnElement:
    """A shop with that language has no name in it for the product."""
    from app.shops.models import Shop

    shop_has_language = Product.shop_id.in_(select(Shop.id).where(
        func.concat(",", Shop.languages, ",").like(f"%,{like_escape(language)},%")))
    has_text = select(ProductText.id).where(
        ProductText.shop_id == Product.shop_id, ProductText.product_guid == Product.guid,
        ProductText.language == language, func.coalesce(ProductText.name, "") != "")
    return shop_has_language & ~exists(has_text)


def _unit_in(states: tuple[str, ...]) -> Callable[[str], ColumnElement]:
    def condition(language: str) -> ColumnElement:
        # Uncorrelated: the (few) products with a unit in those states are found once (a hashed subplan),
        # whatever the planner believes about the table, and each walked row costs a hash probe.
        return tuple_(Product.shop_id, Product.guid).in_(
            select(TranslationUnit.shop_id, TranslationUnit.product_guid).where(
                TranslationUnit.language == language, TranslationUnit.state.in_(states)))
    return condition


def _languages(session: Session, shop_ids: list[int]) -> list[str]:
    from app.shops.models import Shop

    return cached_per_shops("shop languages", shop_ids, lambda: queries.shop_languages(
        session.execute(select(Shop).where(Shop.id.in_(shop_ids)).order_by(Shop.id)).scalars()))


def _distinct(kind: str, column):
    return lambda session, shop_ids: cached_per_shops(
        f"product {kind}", shop_ids, lambda: queries.distinct_values(session, shop_ids, column))


def _variant(column: str, key: str | None = None):
    """A value of the product's variants (per_page of the column `column`)."""
    def cell(row, context: RowContext):
        value = context.per_page[column].get((row.shop_id, row.guid), {}).get(key or column)
        return "" if value is None else spreadsheet_safe(value)
    return cell


def _languages_cell(row, context: RowContext) -> str:
    marks = context.per_page["languages"]["marks"].get((row.shop_id, row.guid), {})
    return " ".join(f"{language}:{mark}" for language, mark in sorted(marks.items()))


def _per_page_variants(session: Session, shop_ids: list[int], rows: list):
    """One statement per page for the four variant columns (code, EAN, stock, price): the first asks, the
    others find its answer for the same rows."""
    from flask import g

    memo = g.setdefault("product_variant_summary", {})
    key = tuple(id(row) for row in rows)
    if key not in memo:
        memo.clear()
        memo[key] = (rows, queries.variant_summary(session, shop_ids, rows))  # rows kept: ids stay theirs
    return memo[key][1]


def _per_page_languages(session: Session, shop_ids: list[int], rows: list):
    return {"marks": queries.completeness(session, shop_ids, rows), "languages": _languages(session, shop_ids)}


PRODUCTS = Table(
    name="products", title=_l("Products"), singular="product", model=Product,
    row_columns=(Product.id, Product.shop_id, Product.guid, Product.name, Product.brand, Product.default_category,
                 Product.visibility, Product.creation_time),
    columns=(
        Column("code", _l("Code"), (("code", _variant("code")),), per_page=_per_page_variants),
        Column("name", _l("Name"), (("name", text("name")),)),
        Column("ean", _l("EAN"), (("ean", _variant("ean")),), per_page=_per_page_variants),
        Column("shop", _l("Shop"), (("shop", shop),)),
        Column("brand", _l("Brand"), (("brand", text("brand")),)),
        Column("category", _l("Category"), (("category", text("default_category")),)),
        Column("visibility", _l("Visibility"), (("visibility", text("visibility")),)),
        Column("stock", _l("Stock"), (("stock", _variant("stock")),), per_page=_per_page_variants),
        Column("price", _l("Price"), (("price", _variant("price")), ("currency", _variant("price", "currency"))),
               per_page=_per_page_variants),
        Column("languages", _l("Languages"), (("languages", _languages_cell),), per_page=_per_page_languages),
        Column("created", _l("Created"), (("created", moment("creation_time")),)),
    ),
    default_columns=("code", "name", "ean", "shop", "brand", "visibility", "stock", "price", "languages"),
    sorts=(
        Sort("name", _l("Name"), Product.name, descending=False, parse=str, nullable=True,
             index="ix_products_shop_name"),
        Sort("newest", _l("Newest"), Product.creation_time, descending=True, parse=datetime.fromisoformat,
             nullable=True, index="ix_products_shop_created"),
    ),
    filters=(
        Equals("brand", Product.brand, _l("Brand"), _l("Any brand"), choices=_distinct("brands", Product.brand)),
        Equals("category", Product.default_category, _l("Category"), _l("Any category"),
               choices=_distinct("categories", Product.default_category)),
        Equals("visibility", Product.visibility, _l("Visibility"), _l("Any visibility"),
               choices=_distinct("visibilities", Product.visibility), display=visibility_name),
        LanguageFilter("missing", None, _l("Missing in"), _l("Missing in any language"), choices=_languages,
                       condition=missing_in),
        LanguageFilter("outdated", None, _l("Outdated in"), _l("Outdated in any language"), choices=_languages,
                       condition=_unit_in(("outdated",))),
        LanguageFilter("review", None, _l("In review in"), _l("In review in any language"), choices=_languages,
                       condition=_unit_in(("in_review",))),
    ),
    search=ProductSearch(_l("Code, EAN or name in any language")),
    always=(Product.deleted_at.is_(None),),
    rows_template="catalog/_rows.html",
    bulk=BulkAction("suggest", endpoint="translations.suggest_chosen", field="product_id",
                    permission="translations.edit", template="catalog/_bulk_suggest.html",
                    result_id="suggest-result",
                    context=lambda session, shop_ids: {"target_languages": _languages(session, shop_ids)}),
)
