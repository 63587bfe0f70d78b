"""One box, every kind: orders by code; customers by e-mail, name, phone, company; products by code, EAN and
name in any of the shop's languages.

Names compare folded, `hub_fold(...)` (products' texts: its stored value `name_folded`; migration
catalog_search), so case and accents never matter; a name matches when it contains the term or, for one typo,
when a word of it is similar (pg_trgm's word similarity, `<%`). Every condition is written as its index's
expression (the tables' folded indexes, the catalogue's code and EAN indexes, app/search/models.py), so a rare
term costs a few index probes per kind. Ranks: an exact code or e-mail first, then prefixes, then names
(exact, containing, similar); each kind's group is as good as its best hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.tables.declaration import like_escape

LIMIT = 8
MIN_LENGTH = 2
WORD_SIMILARITY = 0.55
PHONE = re.compile(r"^\+?[\d\s\-()/.]{4,}$")
KINDS = ("orders", "customers", "products")

ORDERS = """
SELECT id, shop_id, code, full_name, email, total_with_vat, currency,
       CASE WHEN upper(code) = :upper THEN 0 ELSE 2 END AS rank
FROM orders
WHERE shop_id = ANY(:shops) AND deleted_at IS NULL AND upper(code) LIKE :upper_prefix
ORDER BY rank, code DESC LIMIT :limit
"""

CUSTOMERS = """
SELECT id, shop_id, full_name, email, company, phone,
       CASE WHEN email = :lower THEN 1
            WHEN email LIKE :lower_prefix THEN 2
            WHEN hub_fold(full_name) = :plain THEN 3
            WHEN hub_fold(full_name) LIKE :contains OR hub_fold(company) LIKE :contains
                 __PHONE_RANK__ THEN 4
            ELSE 5 + 1 - word_similarity(:plain, hub_fold(full_name)) END AS rank
FROM customers
WHERE shop_id = ANY(:shops) AND deleted_at IS NULL
  AND (email LIKE :lower_prefix
       OR hub_fold(full_name) LIKE :contains
       OR hub_fold(company) LIKE :contains
       __FUZZY_NAME__
       __PHONE__)
ORDER BY rank, full_name LIMIT :limit
"""

PRODUCTS = """
WITH matched AS (
    SELECT shop_id, product_guid AS guid, code,
           CASE WHEN lower(code) = :lower OR ean = :term THEN 1 ELSE 2 END AS rank
    FROM product_variants
    WHERE shop_id = ANY(:shops) AND (lower(code) LIKE :lower_prefix OR ean = :term)
    UNION ALL
    SELECT shop_id, guid, NULL,
           CASE WHEN hub_fold(name) = :plain THEN 3 WHEN hub_fold(name) LIKE :contains THEN 4
                ELSE 5 + 1 - word_similarity(:plain, hub_fold(name)) END
    FROM products
    WHERE shop_id = ANY(:shops) AND (hub_fold(name) LIKE :contains __FUZZY_NAME__)
    UNION ALL
    SELECT shop_id, product_guid, NULL,
           CASE WHEN name_folded = :plain THEN 3 WHEN name_folded LIKE :contains THEN 4
                ELSE 5 + 1 - word_similarity(:plain, name_folded) END
    FROM product_texts  -- its shop is checked on the product (so the planner takes the name's index)
    WHERE name_folded LIKE :contains __FUZZY_TEXT__
)
SELECT id, shop_id, name, code, rank FROM (
    SELECT DISTINCT ON (p.id) p.id, p.shop_id, p.name, m.code, m.rank
    FROM matched m JOIN products p ON p.shop_id = m.shop_id AND p.guid = m.guid AND p.deleted_at IS NULL
    WHERE p.shop_id = ANY(:shops)
    ORDER BY p.id, m.rank, m.code
) best
ORDER BY rank, name LIMIT :limit
"""


@dataclass
class Hit:
    kind: str
    id: int
    shop_id: int
    title: str
    detail: str
    code: str | None
    rank: float


@dataclass
class Group:
    kind: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(hit.rank for hit in self.hits)


def _rows(session: Session, sql: str, params: dict, fuzzy: dict[str, str], limit: int) -> list:
    """Exact, prefix and substring hits; only when they do not fill the group, similar names too (a typo):
    a common name's hundreds of similar rows are never fetched and ranked when it is found as typed.
    `fuzzy`: placeholder → the similarity condition put there."""
    def filled(conditions: dict[str, str]) -> str:
        statement = sql
        for placeholder, condition in conditions.items():
            statement = statement.replace(placeholder, condition)
        return statement

    rows = session.execute(text(filled(dict.fromkeys(fuzzy, ""))), params).all()
    if len(rows) < limit and len(params["plain"]) >= 3:
        rows = session.execute(text(filled(fuzzy)), params).all()
    return rows


def search(session: Session, shop_ids: list[int], term: str, limit: int = LIMIT) -> list[Group]:
    """The organization's hits for `term`, grouped by kind, the group with the best hit first."""
    term = " ".join(term.split())[:100]
    if len(term) < MIN_LENGTH or not shop_ids:
        return []
    # One typo (a swapped pair of letters too) keeps a word's trigram similarity above 0.55; pg_trgm's
    # default 0.6 misses transpositions. Local to this transaction (a read-only request).
    plain = session.execute(text("SELECT hub_fold(:term), "
                                 "set_config('pg_trgm.word_similarity_threshold', :threshold, true)"),
                            {"term": term, "threshold": str(WORD_SIMILARITY)}).scalar_one()
    params = {"shops": shop_ids, "limit": limit, "term": term, "upper": term.upper(),
              "upper_prefix": like_escape(term.upper()) + "%", "lower": term.lower(),
              "lower_prefix": like_escape(term.lower()) + "%", "plain": plain,
              "contains": f"%{like_escape(plain)}%"}
    groups = {kind: Group(kind) for kind in KINDS}
    if " " not in term:
        for row in session.execute(text(ORDERS), params):
            groups["orders"].hits.append(Hit("orders", row.id, row.shop_id, row.code,
                                             " · ".join(filter(None, (row.full_name, row.email))), row.code,
                                             float(row.rank)))
    customers = CUSTOMERS
    if PHONE.match(term):
        params["phone"] = f"%{like_escape(re.sub(r'[^0-9+]', '', term).lstrip('+'))}%"
        customers = customers.replace("__PHONE_RANK__", "OR phone LIKE :phone").replace(
            "__PHONE__", "OR phone LIKE :phone")
    customers = customers.replace("__PHONE_RANK__", "").replace("__PHONE__", "")
    for row in _rows(session, customers, params, {"__FUZZY_NAME__": "OR :plain <% hub_fold(full_name)"}, limit):
        groups["customers"].hits.append(Hit("customers", row.id, row.shop_id, row.full_name or row.email or "",
                                            " · ".join(filter(None, (row.email, row.company, row.phone))), None,
                                            float(row.rank)))
    for row in _rows(session, PRODUCTS, params, {"__FUZZY_NAME__": "OR :plain <% hub_fold(name)",
                                                 "__FUZZY_TEXT__": "OR :plain <% name_folded"}, limit):
        groups["products"].hits.append(Hit("products", row.id, row.shop_id, row.name or row.code or "",
                                           row.code or "", row.code, float(row.rank)))
    found = [group for group in groups.values() if group.hits]
    return sorted(found, key=lambda group: (group.best, KINDS.index(group.kind)))
