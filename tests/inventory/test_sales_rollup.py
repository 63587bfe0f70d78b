"""What counts as demand: product lines of orders that count (cancellations, refunds and deleted orders out),
kept current by the order hook for exactly the days touched; out-of-stock days from stock-out spans."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.catalog.models import ProductVariant
from app.imports.partitions import ensure_months
from app.inventory import metrics
from app.inventory.history import stockout_days
from app.inventory.models import DailySales, StockLogCursor, StockoutSpan, VariantMetrics
from tests.factories import make_org, make_shop
from tests.orders.tables import add_order

DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # a Tuesday; Prague is UTC+1 then
TOUCHED = "SELECT id AS order_id, customer_guid, creation_time FROM orders WHERE shop_id = %(shop_id)s"


@pytest.fixture(scope="module")
def partitions(app):
    from app.extensions import db as _db

    with app.app_context(), _db.engine.begin() as connection:
        ensure_months(connection, {date(2026, 10, 1), date(2026, 11, 1)})


@pytest.fixture
def shop(partitions, db):
    shop = make_shop(db.session, make_org(db.session))
    shop.timezone = "Europe/Prague"
    for code in ("A", "B"):
        db.session.add(ProductVariant(shop_id=shop.id, product_guid="g", code=code, name=code, stock=Decimal(10),
                                      raw={}))
    db.session.flush()
    return shop


def _order(db, shop, created, status, items, **fields):
    order = add_order(db.session, shop, created=created, status=status, **fields)
    for k, (item_type, code, amount, net) in enumerate(items, start=1):
        db.session.execute(text(
            "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, "
            "amount, total_without_vat, raw) VALUES (:shop, :order, :at, :item, :item, :type, :code, :amount, "
            ":net, '{}')"), {"shop": shop.id, "order": order.id, "at": created, "item": k, "type": item_type,
                             "code": code, "amount": amount, "net": net})
    return order


def _hook(db, shop, touched=TOUCHED, params=None):
    cursor = db.session.connection().connection.cursor()
    metrics.orders_changed(cursor, shop.id, touched, params or {})


def _sales(db, shop) -> dict:
    rows = db.session.query(DailySales).filter_by(shop_id=shop.id).all()
    return {(r.variant_code, r.day): (float(r.units), float(r.revenue)) for r in rows}


def test_only_product_lines_of_orders_that_count_are_sales(db, shop):
    _order(db, shop, DAY, "completed", [("product", "A", 2, 200), ("shipping", "SHIP", 1, 99),
                                        ("product", "B", 1, 50)])
    _order(db, shop, DAY, "cancelled", [("product", "A", 5, 500)])
    _order(db, shop, DAY, "refunded", [("product", "A", 3, 300)])  # returned: nets out
    _order(db, shop, DAY, "completed", [("product", "A", 4, 400)], deleted_at=DAY)
    _order(db, shop, DAY + timedelta(hours=14), "completed", [("product", "A", 1, 100)])  # 00:00 Prague next day
    _order(db, shop, DAY, "processing", [("product", "B", 2, 100)], currency="EUR", exchange_rate=Decimal(25))
    _hook(db, shop)
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (2, 200), ("B", date(2026, 11, 10)): (3, 2550),
                                ("A", date(2026, 11, 11)): (1, 100)}
    a = db.session.query(VariantMetrics).filter_by(shop_id=shop.id, variant_code="A").one()
    assert (a.units_7, a.units_365, a.last_sale_on, a.as_of) == (3, 3, date(2026, 11, 11), date(2026, 11, 12))
    assert a.velocity == pytest.approx(3 / 90)
    assert a.days_of_cover == pytest.approx(10 / (3 / 90))


def test_a_status_change_rebuilds_exactly_its_day(db, shop):
    cancelled = _order(db, shop, DAY, "cancelled", [("product", "A", 5, 500)])
    other_day = _order(db, shop, DAY - timedelta(days=3), "completed", [("product", "A", 1, 100)])
    _hook(db, shop)
    assert _sales(db, shop) == {("A", date(2026, 11, 7)): (1, 100)}
    db.session.execute(text("UPDATE orders SET status = 'completed' WHERE id = :id"), {"id": cancelled.id})
    db.session.execute(text("DELETE FROM order_items WHERE order_id = :id"), {"id": other_day.id})  # not touched
    _hook(db, shop, TOUCHED + " AND id = %(order)s", {"order": cancelled.id})
    assert _sales(db, shop) == {("A", date(2026, 11, 7)): (1, 100), ("A", date(2026, 11, 10)): (5, 500)}
    a = db.session.query(VariantMetrics).filter_by(shop_id=shop.id, variant_code="A").one()
    assert a.units_30 == 6


def test_a_day_is_out_of_stock_when_the_followed_warehouse_was_at_zero_for_over_half_of_it(db, shop):
    db.session.add(StockLogCursor(shop_id=shop.id, stock_id=1, last_id=10))
    zone_midnight = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)  # 10 Nov 00:00 in Prague
    db.session.add_all([
        StockoutSpan(shop_id=shop.id, stock_id=1, variant_code="A", started_at=zone_midnight + timedelta(hours=6),
                     ended_at=zone_midnight + timedelta(days=2, hours=10)),  # 18 h, 24 h, 10 h
        StockoutSpan(shop_id=shop.id, stock_id=1, variant_code="B", started_at=zone_midnight + timedelta(days=3),
                     ended_at=None),  # still out
    ])
    db.session.flush()
    out = stockout_days(db.session, shop, ["A", "B"], date(2026, 11, 10), 5)
    assert out[0].tolist() == [True, True, False, False, False]
    assert out[1].tolist() == [False, False, False, True, True]


def _sales_columns(db, shop) -> dict:
    db.session.expire_all()
    return {m.variant_code: (m.units_7, m.units_30, m.units_90, m.units_365, m.revenue_365, m.last_sale_on,
                             m.velocity, m.days_of_cover, m.stockout_on, m.as_of)
            for m in db.session.query(VariantMetrics).filter_by(shop_id=shop.id)}


def test_the_hooks_differences_match_a_recomputation_from_the_rollup(db, shop):
    db.session.add(ProductVariant(shop_id=shop.id, product_guid="g", code="C", name="C", stock=Decimal(4), raw={}))
    first = _order(db, shop, DAY, "completed", [("product", "A", 2, 200), ("product", "B", 1, 50)])
    _order(db, shop, DAY - timedelta(days=40), "completed", [("product", "B", 3, 150)])
    _hook(db, shop)  # rows new: recomputed
    later = _order(db, shop, DAY - timedelta(days=2), "completed",
                   [("product", "A", 1, 100), ("product", "C", 2, 80)])  # C: no metrics row yet
    db.session.execute(text("UPDATE orders SET status = 'cancelled' WHERE id = :id"), {"id": first.id})
    _hook(db, shop, TOUCHED + " AND id IN (%(a)s, %(b)s)", {"a": first.id, "b": later.id})
    by_hook = _sales_columns(db, shop)
    assert by_hook["A"][:3] == (1, 1, 1) and by_hook["A"][5] == date(2026, 11, 8)  # its last sale moved back
    assert by_hook["B"][:4] == (0, 0, 3, 3) and by_hook["C"][1] == 2
    cursor = db.session.connection().connection.cursor()
    metrics.refresh_sales(cursor, shop.id, ["A", "B", "C"], by_hook["A"][9])
    assert _sales_columns(db, shop) == by_hook


def test_an_added_order_on_a_current_day_adds_its_units_in_place(db, shop):
    _order(db, shop, DAY, "completed", [("product", "A", 2, 200)])
    _hook(db, shop)
    before = _sales_columns(db, shop)["A"]
    added = _order(db, shop, DAY - timedelta(days=10), "completed", [("product", "A", 3, 30), ("product", "B", 1, 9)])
    _hook(db, shop, TOUCHED + " AND id = %(order)s", {"order": added.id})
    after = _sales_columns(db, shop)
    assert after["A"][:5] == (2, 5, 5, 5, 230) and after["A"][5] == before[5] == date(2026, 11, 10)
    assert after["B"][:2] == (0, 1)
    cursor = db.session.connection().connection.cursor()
    metrics.refresh_sales(cursor, shop.id, ["A", "B"], after["A"][9])
    assert _sales_columns(db, shop) == after
