"""After product texts arrive from a shop (an import or sync batch): what they mean for the translation units.

- Texts in the shop's default language are the source: an approved or synced translation whose source text
  changed becomes **outdated** (its `source_text` still shows what it was made from).
- Texts in a target language are the shop's own: a synced or approved unit whose shop text no longer hashes
  to what the hub last pushed or saw (`shop_hash`) becomes a **conflict**; nothing is overwritten.

One statement per batch, in the batch's transaction (the writer calls `texts_changed` with the changed
products' guids); each change of state is audited like a person's.
"""

from __future__ import annotations

import psycopg

from app.catalog.texts import field_sql, hash_sql

_FIELD = field_sql("t", "u.field")

_MARK = """
WITH changed AS (
    UPDATE translation_units u SET state = CAST(%(to)s AS text), version = u.version + 1, updated_at = now()
    FROM product_texts t, shops s
    WHERE u.shop_id = %(shop_id)s AND u.product_guid = ANY(CAST(%(guids)s AS text[]))
      AND u.state = ANY(CAST(%(from)s AS text[]))
      AND s.id = u.shop_id AND t.shop_id = u.shop_id AND t.product_guid = u.product_guid
      AND t.language = %(language)s AND {match}
    RETURNING u.id, u.organization_id, u.product_guid, u.language, u.field,
              (SELECT state FROM translation_units o WHERE o.id = u.id) AS before
)
INSERT INTO audit_events (organization_id, actor_id, action, target_type, target_id, details, created_at)
SELECT organization_id, NULL, 'translation.' || CAST(%(to)s AS text), 'translation_unit', id,
       jsonb_build_object('product', product_guid, 'language', language, 'field', field, 'state_from', before,
                          'state_to', CAST(%(to)s AS text), 'reason', CAST(%(reason)s AS text)), now()
FROM changed
"""  # noqa: S608 (constant SQL pieces only)

OUTDATED = _MARK.replace("{match}", f"s.default_language = t.language "
                                    f"AND u.source_hash IS DISTINCT FROM {hash_sql(_FIELD)}")
CONFLICT = _MARK.replace("{match}", f"u.language = t.language AND u.shop_hash IS NOT NULL "
                                    f"AND u.shop_hash <> {hash_sql(_FIELD)}")


def texts_changed(cursor: psycopg.Cursor, shop_id: int, language: str, guids: list[str]) -> None:
    """The units of these products after their texts in `language` changed (see the module docstring)."""
    if not guids:
        return
    params = {"shop_id": shop_id, "guids": guids, "language": language}
    cursor.execute(OUTDATED, {**params, "to": "outdated", "from": ["approved", "synced"],
                              "reason": "the source text changed"})
    cursor.execute(CONFLICT, {**params, "to": "conflict", "from": ["approved", "synced"],
                              "reason": "the shop's text changed outside the hub"})
