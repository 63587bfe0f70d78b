"""Stock writes: absolute amounts per variant and warehouse, and each variant's total across warehouses.

Amounts are absolute (a warehouse's supplies, or a movement's resulting amount), so writing one twice is
harmless. The caller fences and commits (app/sync/incremental.py).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.imports.records import Counts


def write_stock(session: Session, shop_id: int, stock_id: int, amounts: dict[str, tuple]) -> Counts:
    """`amounts`: variant code → (amount, location or None: keep the one stored). Counts rows inserted
    (a variant new to the warehouse) and updated."""
    if not amounts:
        return Counts()
    codes = list(amounts)
    inserted = session.execute(text(
        "INSERT INTO variant_stocks (shop_id, stock_id, variant_code, amount, location, change_time) "
        "SELECT :shop_id, :stock_id, code, amount, location, now() "
        "FROM unnest(CAST(:codes AS text[]), CAST(:amounts AS numeric[]), CAST(:locations AS text[])) "
        "AS s(code, amount, location) "
        "ON CONFLICT (shop_id, stock_id, variant_code) DO UPDATE SET amount = EXCLUDED.amount, "
        "location = coalesce(EXCLUDED.location, variant_stocks.location), change_time = now() "
        "RETURNING (xmax = 0)"
    ), {"shop_id": shop_id, "stock_id": stock_id, "codes": codes,
        "amounts": [amounts[c][0] for c in codes], "locations": [amounts[c][1] for c in codes]}).scalars().all()
    session.execute(text(
        "UPDATE product_variants v SET stock = s.total FROM (SELECT variant_code, sum(amount) AS total "
        "FROM variant_stocks WHERE shop_id = :shop AND variant_code = ANY(:codes) GROUP BY variant_code) s "
        "WHERE v.shop_id = :shop AND v.code = s.variant_code"
    ), {"shop": shop_id, "codes": codes})
    return Counts(inserted=sum(inserted), updated=len(inserted) - sum(inserted))
