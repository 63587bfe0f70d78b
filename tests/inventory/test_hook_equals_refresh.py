"""The order hook's sales columns and rollup equal what a full refresh computes for the variants it touched:
on the same day (differences added), on later days (windows shifted: days leaving the 7/30/90/365-day
windows subtracted), after a gap longer than the shift (recomputed), with a status change on an older day."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.catalog.models import ProductVariant
from app.imports.partitions import ensure_months, month_start, next_month
from app.inventory import metrics
from app.inventory.models import DailySales, VariantMetrics
from app.inventory.refresh import _rebuild_rollup
from tests.factories import make_org, make_shop
from tests.orders.tables import add_order

DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TOUCHED = "SELECT id AS order_id, customer_guid, creation_time FROM orders WHERE shop_id = %(shop_id)s"
CODES = ("A", "B", "C")  # C sells only later


@pytest.fixture(scope="module")
def partitions(app):
    from app.extensions import db as _db

    months, month = set(), month_start(date(2024, 10, 1))
    while month <= date(2027, 2, 1):
        months.add(month)
        month = next_month(month)
    with app.app_context(), _db.engine.begin() as connection:
        ensure_months(connection, months)


@pytest.fixture
def shop(partitions, db):
    shop = make_shop(db.session, make_org(db.session))
    shop.timezone = "Europe/Prague"
    for code, stock in zip(CODES, (10, 0, 25), strict=True):
        db.session.add(ProductVariant(shop_id=shop.id, product_guid="g", code=code, name=code,
                                      stock=Decimal(stock), raw={}))
    db.session.flush()
    return shop


def _order(db, shop, created, lines, status="completed"):
    order = add_order(db.session, shop, created=created, status=status)
    for k, (code, amount, net) in enumerate(lines, start=1):
        db.session.execute(text(
            "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, "
            "amount, total_without_vat, raw) VALUES (:shop, :order, :at, :item, :item, 'product', :code, :amount, "
            ":net, '{}')"), {"shop": shop.id, "order": order.id, "at": created, "item": k, "code": code,
                             "amount": amount, "net": net})
    return order


def _hook(db, shop, ids):
    cursor = db.session.connection().connection.cursor()
    metrics.orders_changed(cursor, shop.id, TOUCHED + " AND id = ANY(%(ids)s)", {"ids": [o.id for o in ids]})


def _columns(db, shop, codes) -> dict:
    db.session.expire_all()
    return {m.variant_code: (m.units_7, m.units_30, m.units_90, m.units_365, m.revenue_365, m.last_sale_on,
                             m.velocity, m.days_of_cover, m.stockout_on, m.as_of)
            for m in db.session.query(VariantMetrics).filter(VariantMetrics.shop_id == shop.id,
                                                             VariantMetrics.variant_code.in_(codes))}


def _rollup(db, shop) -> dict:
    return {(r.variant_code, r.day): (r.units, r.revenue)
            for r in db.session.query(DailySales).filter_by(shop_id=shop.id)}


def _as_full_refresh(db, shop, codes) -> tuple[dict, dict]:
    """The full refresh's rollup (rebuilt from the order items) and sales columns of `codes`, rolled back."""
    savepoint = db.session.begin_nested()
    cursor = db.session.connection().connection.cursor()
    zone = metrics.shop_zone_name(cursor, shop.id)
    end = metrics.history_end_day(cursor, shop.id, zone)
    _rebuild_rollup(db.session, shop, zone, end, lambda: None)
    metrics.refresh_sales(db.session.connection().connection.cursor(), shop.id, list(codes), end)
    result = _rollup(db, shop), _columns(db, shop, codes)
    savepoint.rollback()
    return result


def _check(db, shop, codes):
    rollup, columns = _as_full_refresh(db, shop, codes)
    assert _rollup(db, shop) == rollup
    assert _columns(db, shop, codes) == columns
    return columns


def test_the_hooks_sales_columns_equal_a_full_refresh_for_the_variants_it_touched(db, shop):
    # A history whose days leave each window the next day (364, 89, 29 and 6 days before DAY), each beside a day
    # that stays in it one day longer.
    backs = (400, 364, 363, 89, 88, 29, 28, 6, 5, 0)
    history = [_order(db, shop, DAY - timedelta(days=back), [("A", n, 10 * n), ("B", 1, 7)])
               for n, back in enumerate(backs, start=1)]
    _hook(db, shop, history)  # no metrics rows yet: recomputed
    first = _check(db, shop, ("A", "B"))
    assert first["A"][0] == 8 + 9 + 10 and first["A"][9] == date(2026, 11, 11)

    same_day = _order(db, shop, DAY + timedelta(hours=1), [("A", 2, 20), ("C", 1, 5)])  # C: no row yet
    _hook(db, shop, [same_day])
    before = _check(db, shop, ("A", "C"))["A"]

    # The next day: the 364/89/29/6-day sales leave their windows.
    next_day = _order(db, shop, DAY + timedelta(days=1), [("A", 1, 10), ("B", 2, 14)])
    _hook(db, shop, [next_day])
    shifted = _check(db, shop, ("A", "B"))["A"]
    assert shifted[3] == before[3] - 2 + 1 and shifted[9] == date(2026, 11, 12)

    # Three days on (the 5-day sale leaves 7 days, the 88-day one 90), and an old order cancelled in the same batch.
    later = _order(db, shop, DAY + timedelta(days=4), [("A", 1, 10)])
    db.session.execute(text("UPDATE orders SET status = 'cancelled' WHERE id = :id"), {"id": history[5].id})
    _hook(db, shop, [later, history[5]])
    moved = _check(db, shop, ("A", "B"))["A"]
    assert moved[0] == shifted[0] - 9 + 1 and moved[2] == shifted[2] - 5 - 6 + 1

    # Past the shift: B's row is 40 days old and recomputed from the rollup.
    gap = _order(db, shop, DAY + timedelta(days=44), [("B", 3, 21), ("C", 1, 5)])
    _hook(db, shop, [gap])
    _check(db, shop, ("B", "C"))
