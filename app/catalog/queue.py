"""What is waiting for translators and reviewers: per shop and language, the fields in each state and the
products to open next in the editor."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.catalog.models import TEXT_FIELDS, Product, TranslationUnit, UnitState
from app.catalog.table import missing_in
from app.catalog.texts import field_sql

QUEUE_SIZE = 50

# Fields with a source text, no text in the language and no unit yet (a unit, once made, counts itself).
UNTOUCHED_MISSING = f"""
SELECT count(*) FROM product_texts s
JOIN products p ON p.shop_id = s.shop_id AND p.guid = s.product_guid AND p.deleted_at IS NULL
CROSS JOIN unnest(CAST(:fields AS text[])) AS f(field)
LEFT JOIN product_texts t ON t.shop_id = s.shop_id AND t.product_guid = s.product_guid AND t.language = :language
WHERE s.shop_id = :shop_id AND s.language = :source
  AND coalesce({field_sql("s", "f.field")}, '') <> ''
  AND coalesce({field_sql("t", "f.field")}, '') = ''
  AND NOT EXISTS (SELECT 1 FROM translation_units u WHERE u.shop_id = s.shop_id AND u.product_guid = s.product_guid
                  AND u.language = :language AND u.field = f.field)
"""  # noqa: S608 (constant field names only)


def untouched_missing_count(session: Session, shop, language: str) -> int:
    return session.execute(text(UNTOUCHED_MISSING), {
        "fields": list(TEXT_FIELDS), "language": language, "shop_id": shop.id,
        "source": shop.default_language}).scalar_one()


def products_waiting(session: Session, shop, language: str, state: str, *, after_id: int = 0,
                     size: int = QUEUE_SIZE) -> list:
    """Products of the shop with a field in `state` in `language` (missing: no name there yet), by id."""
    columns = (Product.id, Product.shop_id, Product.guid, Product.name)
    statement = select(*columns).where(Product.shop_id == shop.id, Product.deleted_at.is_(None), Product.id > after_id)
    if state == UnitState.missing:
        statement = statement.where(missing_in(language))
    else:
        statement = statement.where(select(TranslationUnit.id).where(
            TranslationUnit.shop_id == Product.shop_id, TranslationUnit.product_guid == Product.guid,
            TranslationUnit.language == language, TranslationUnit.state == state).exists())
    return list(session.execute(statement.order_by(Product.id).limit(size)).all())


def next_product(session: Session, shop, language: str, state: str, after_id: int) -> int | None:
    rows = products_waiting(session, shop, language, state, after_id=after_id, size=1)
    return rows[0].id if rows else None


def counts_by_shop(session: Session, shops) -> dict[tuple[int, str], dict[str, int]]:
    """Units per state for each shop and target language (one statement)."""
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for shop in shops:
        for language in shop.languages.split(","):
            if language and language != shop.default_language:
                counts[(shop.id, language)] = dict.fromkeys(UnitState.ALL, 0)
    if not counts:
        return counts
    for shop_id, language, state, count in session.execute(
            select(TranslationUnit.shop_id, TranslationUnit.language, TranslationUnit.state, func.count())
            .where(TranslationUnit.shop_id.in_({shop_id for shop_id, _ in counts}))
            .group_by(TranslationUnit.shop_id, TranslationUnit.language, TranslationUnit.state)):
        if (shop_id, language) in counts:
            counts[(shop_id, language)][state] = count
    return counts
