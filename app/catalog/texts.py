"""Texts as the workflow compares them: a field's value in a product's texts, and its hash.

The hash is the same in Python and SQL (`sha256(convert_to(coalesce(value, ''), 'UTF8'))`), so the import
hook (app/catalog/texts_hook.py) can compare in one statement what the workflow stored.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalog.models import TEXT_FIELDS, ProductText


def text_hash(value: str | None) -> bytes:
    return hashlib.sha256((value or "").encode()).digest()


def field_sql(alias: str = "t", field_column: str = "u.field") -> str:
    """The value of the unit's field in a product_texts row, in SQL."""
    cases = " ".join(f"WHEN '{name}' THEN {alias}.{name}" for name in TEXT_FIELDS)
    return f"(CASE {field_column} {cases} END)"


def hash_sql(value_sql: str) -> str:
    return f"sha256(convert_to(coalesce({value_sql}, ''), 'UTF8'))"


def product_texts(session: Session, shop_id: int, guids: list[str], language: str) -> dict[str, ProductText]:
    return {text.product_guid: text for text in session.execute(
        select(ProductText).where(ProductText.shop_id == shop_id, ProductText.product_guid.in_(guids),
                                  ProductText.language == language)).scalars()}


def field_of(text: ProductText | None, field: str) -> str | None:
    return getattr(text, field) if text is not None else None
