"""Reads of the catalogue: the products table's filter choices and per-page values, a product's detail."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.catalog.models import Product, ProductText, ProductVariant, TranslationUnit, VariantStock

CHOICES_LIMIT = 200


def distinct_values(session: Session, shop_ids: list[int], column) -> list[str]:
    """The values of `column` among the shops' products (brands, categories, visibilities), first 200."""
    return list(session.execute(
        select(column).where(Product.shop_id.in_(shop_ids), column.is_not(None), Product.deleted_at.is_(None))
        .group_by(column).order_by(column).limit(CHOICES_LIMIT)).scalars())


def shop_languages(shops) -> list[str]:
    """Every language of the shops, default languages first."""
    seen: list[str] = []
    for shop in shops:
        for code in [shop.default_language, *shop.languages.split(",")]:
            code = code.strip()
            if code and code not in seen:
                seen.append(code)
    return seen


def variant_summary(session: Session, shop_ids: list[int], rows: list) -> dict[tuple[int, str], dict]:
    """Per product of the page: its first variant's code and EAN, total stock, lowest price (one statement)."""
    if not rows:
        return {}
    keys = {(row.shop_id, row.guid) for row in rows}
    statement = (
        select(ProductVariant.shop_id, ProductVariant.product_guid, func.min(ProductVariant.code),
               func.min(ProductVariant.ean), func.sum(ProductVariant.stock), func.min(ProductVariant.price),
               func.min(ProductVariant.currency), func.count())
        .where(ProductVariant.shop_id.in_({shop for shop, _ in keys}),
               ProductVariant.product_guid.in_({guid for _, guid in keys}))
        .group_by(ProductVariant.shop_id, ProductVariant.product_guid))
    return {(shop, guid): {"code": code, "ean": ean, "stock": stock, "price": price, "currency": currency,
                           "variants": count}
            for shop, guid, code, ean, stock, price, currency, count in session.execute(statement)}


def completeness(session: Session, shop_ids: list[int], rows: list) -> dict[tuple[int, str], dict[str, str]]:
    """Per product of the page and language: "complete" (a name there), "partial" (work under way) or absent."""
    if not rows:
        return {}
    shops, guids = {row.shop_id for row in rows}, {row.guid for row in rows}
    marks: dict[tuple[int, str], dict[str, str]] = defaultdict(dict)
    for shop, guid, language in session.execute(
            select(ProductText.shop_id, ProductText.product_guid, ProductText.language)
            .where(ProductText.shop_id.in_(shops), ProductText.product_guid.in_(guids),
                   func.coalesce(ProductText.name, "") != "")):
        marks[(shop, guid)][language] = "complete"
    for shop, guid, language, state in session.execute(
            select(TranslationUnit.shop_id, TranslationUnit.product_guid, TranslationUnit.language,
                   func.min(TranslationUnit.state))
            .where(TranslationUnit.shop_id.in_(shops), TranslationUnit.product_guid.in_(guids),
                   TranslationUnit.state.in_(("draft", "in_review", "approved", "outdated", "conflict")))
            .group_by(TranslationUnit.shop_id, TranslationUnit.product_guid, TranslationUnit.language)):
        marks[(shop, guid)].setdefault(language, "partial")
        if state in ("outdated", "conflict"):
            marks[(shop, guid)][language] = state
    return dict(marks)


def product_detail(session: Session, product: Product) -> dict:
    variants = list(session.execute(
        select(ProductVariant).where(ProductVariant.shop_id == product.shop_id,
                                     ProductVariant.product_guid == product.guid)
        .order_by(ProductVariant.code)).scalars())
    stocks: dict[str, list[VariantStock]] = defaultdict(list)
    if variants:
        for stock in session.execute(
                select(VariantStock).where(VariantStock.shop_id == product.shop_id,
                                           VariantStock.variant_code.in_([v.code for v in variants]))
                .order_by(VariantStock.stock_id)).scalars():
            stocks[stock.variant_code].append(stock)
    texts = {text.language: text for text in session.execute(
        select(ProductText).where(ProductText.shop_id == product.shop_id,
                                  ProductText.product_guid == product.guid)).scalars()}
    units = list(session.execute(
        select(TranslationUnit).where(TranslationUnit.shop_id == product.shop_id,
                                      TranslationUnit.product_guid == product.guid)
        .order_by(TranslationUnit.language, TranslationUnit.field)).scalars())
    return {"variants": variants, "stocks": stocks, "texts": texts, "units": units}
