"""Returns netted from demand (issue #18): credit notes written by their writer take their product lines off the
variant's sales on the credit note's local day, never below zero, for orders that still count; the metrics and
ABC read the net figures; the order hook keeps a credit note's day right when its order changes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import text

from app.catalog.models import ProductVariant
from app.channels.base import Deletion
from app.channels.shoptet.mapping import map_credit_note
from app.imports.hooks import orders_changed
from app.imports.partitions import ensure_months
from app.imports.writers import writer_for
from app.inventory import metrics
from app.inventory.history import load_daily
from app.inventory.models import DailySales, VariantMetrics
from app.inventory.refresh import abc_classes
from app.sync.incremental import _mark_deleted
from tests.factories import make_org, make_shop
from tests.orders.tables import add_order

DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # a Tuesday; Prague is UTC+1 then
TOUCHED = "SELECT id AS order_id, customer_guid, creation_time FROM orders WHERE shop_id = %(shop_id)s"


@pytest.fixture(scope="module")
def partitions(app):
    from app.extensions import db as _db

    with app.app_context(), _db.engine.begin() as connection:
        ensure_months(connection, {date(2026, 10, 1), date(2026, 11, 1)})


def _shop(db, org=None):
    shop = make_shop(db.session, org or make_org(db.session))
    shop.timezone = "Europe/Prague"
    for code in ("A", "B", "K"):
        db.session.add(ProductVariant(shop_id=shop.id, product_guid="g", code=code, name=code,
                                      stock=Decimal(10), raw={}))
    db.session.flush()
    return shop


@pytest.fixture
def shop(partitions, db):
    return _shop(db)


def _cursor(db):
    return db.session.connection().connection.driver_connection.cursor()


def _sell(db, shop, created, lines, status="completed", code=None):
    """An order of (variant code, units) at 100 net a unit, with the hooks an import batch runs."""
    order = add_order(db.session, shop, created=created, status=status, **({"code": code} if code else {}))
    for k, (variant, units) in enumerate(lines, start=1):
        db.session.execute(text(
            "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, "
            "amount, total_without_vat, raw) VALUES (:shop, :order, :at, :item, :item, 'product', :code, :amount, "
            ":net, '{}')"), {"shop": shop.id, "order": order.id, "at": created, "item": k, "code": variant,
                             "amount": units, "net": 100 * units})
    orders_changed(_cursor(db), shop.id, TOUCHED + " AND id = %(order)s", {"order": order.id})
    return order


def _credit_note(code, order_code, created, lines, changed=None, **fields) -> dict:
    """A credit note as Shoptet's API gives it: returned amounts and prices negative."""
    return {
        "code": code, "orderCode": order_code, "isValid": True, "creationTime": created.isoformat(),
        "changeTime": (changed or created).isoformat(),
        "price": {"currencyCode": "CZK", "exchangeRate": "1.00000000", "withVat": "-1.00"},
        "items": [{"itemId": 100 + k, "code": variant, "itemType": item_type, "name": variant,
                   "amount": f"-{units}.000", "unitPrice": {"withVat": "121.00"},
                   "itemPrice": {"withVat": f"-{121 * units}.00", "withoutVat": f"-{100 * units}.00"}}
                  for k, (variant, units, item_type) in enumerate(
                      [(line + ("product",))[:3] for line in lines], start=1)],
        **fields,
    }


def _write_notes(db, shop, *notes):
    return writer_for("credit_notes", shop).write(_cursor(db), [map_credit_note(dict(note)) for note in notes])


def _sales(db, shop) -> dict:
    db.session.expire_all()
    rows = db.session.query(DailySales).filter_by(shop_id=shop.id).all()
    return {(r.variant_code, r.day): (float(r.units), float(r.revenue)) for r in rows}


def _metrics(db, shop, code):
    db.session.expire_all()
    return db.session.query(VariantMetrics).filter_by(shop_id=shop.id, variant_code=code).one()


def test_five_sold_two_returned_is_three(db, shop):
    order = _sell(db, shop, DAY, [("A", 5)])
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (5, 500)}
    counts = _write_notes(db, shop, _credit_note("CN1", order.code, DAY + timedelta(hours=6), [("A", 2)]))
    assert (counts.inserted, counts.updated) == (1, 0)
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (3, 300)}
    a = _metrics(db, shop, "A")
    assert (a.units_7, a.units_30, a.units_90, a.units_365, a.revenue_365) == (3, 3, 3, 3, 300)
    assert a.velocity == pytest.approx(3 / 90)
    line = db.session.execute(text("SELECT amount, total_with_vat, total_without_vat FROM credit_note_items "
                                   "WHERE shop_id = :shop"), {"shop": shop.id}).one()
    assert line == (Decimal("-2.000"), Decimal("-242.00"), Decimal("-200.00"))  # kept as Shoptet signs them


def test_a_return_comes_off_its_own_day_and_never_below_zero(db, shop):
    order = _sell(db, shop, DAY, [("A", 5), ("B", 1)])
    _sell(db, shop, DAY + timedelta(days=2), [("A", 1)])
    # 23:30 UTC on 11 Nov is 00:30 on 12 Nov in Prague: the shop's day counts.
    _write_notes(db, shop, _credit_note("CN1", order.code, datetime(2026, 11, 11, 23, 30, tzinfo=UTC),
                                        [("A", 2), ("B", 1), ("SHIP", 1, "shipping")]))
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (5, 500), ("B", date(2026, 11, 10)): (1, 100)}
    a = _metrics(db, shop, "A")
    assert (a.units_30, a.last_sale_on) == (5, date(2026, 11, 10))


def test_cancelled_orders_stay_out_and_their_credit_notes_are_not_netted_twice(db, shop):
    cancelled = _sell(db, shop, DAY, [("A", 4)], status="cancelled")
    refunded = _sell(db, shop, DAY, [("B", 2)], status="refunded")
    _sell(db, shop, DAY + timedelta(days=1), [("A", 4), ("B", 2)])
    later = DAY + timedelta(days=1, hours=2)
    _write_notes(db, shop, _credit_note("CN1", cancelled.code, later, [("A", 4)]),
                 _credit_note("CN2", refunded.code, later, [("B", 2)]),
                 _credit_note("CN3", "NOT-IMPORTED", later, [("A", 1)]),  # an order the hub never counted
                 _credit_note("CN4", refunded.code, later, [("A", 1)], isValid=False))
    assert _sales(db, shop) == {("A", date(2026, 11, 11)): (4, 400), ("B", date(2026, 11, 11)): (2, 200)}


def test_an_order_that_changes_after_its_credit_note_moves_the_credit_notes_day(db, shop):
    note_day = DAY + timedelta(days=1)
    _sell(db, shop, note_day, [("A", 3)])
    # The credit note arrives before its order: nothing the hub counted is returned yet.
    _write_notes(db, shop, _credit_note("CN1", "O-LATE", note_day + timedelta(hours=1), [("A", 2)]))
    assert _sales(db, shop) == {("A", date(2026, 11, 11)): (3, 300)}
    order = _sell(db, shop, DAY, [("A", 5)], status="processing", code="O-LATE")
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (5, 500), ("A", date(2026, 11, 11)): (1, 100)}
    assert _metrics(db, shop, "A").units_30 == 6
    db.session.execute(text("UPDATE orders SET status = 'cancelled' WHERE id = :id"), {"id": order.id})
    orders_changed(_cursor(db), shop.id, TOUCHED + " AND id = %(order)s", {"order": order.id})
    assert _sales(db, shop) == {("A", date(2026, 11, 11)): (3, 300)}
    assert _metrics(db, shop, "A").units_30 == 3


def test_rewriting_changes_nothing_and_a_deleted_credit_note_gives_its_units_back(db, shop):
    order = _sell(db, shop, DAY, [("A", 5)])
    note = _credit_note("CN1", order.code, DAY + timedelta(hours=1), [("A", 2)])
    _write_notes(db, shop, note)
    before = _sales(db, shop)
    again = _write_notes(db, shop, note)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert _sales(db, shop) == before == {("A", date(2026, 11, 10)): (3, 300)}
    changed = _write_notes(db, shop, _credit_note("CN1", order.code, DAY + timedelta(hours=1), [("A", 1)],
                                                  changed=DAY + timedelta(hours=2)))
    assert changed.updated == 1 and _sales(db, shop) == {("A", date(2026, 11, 10)): (4, 400)}
    assert _mark_deleted(db.session, "credit_notes", shop.id, [Deletion("CN1", DAY + timedelta(hours=3))]) == 1
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (5, 500)}
    assert _metrics(db, shop, "A").units_7 == 5


def test_credit_notes_stay_in_their_shop(db, shop):
    other = _shop(db)  # another organization's shop with the same codes
    mine = _sell(db, shop, DAY, [("A", 5)], code="O-1")
    _sell(db, other, DAY, [("A", 5)], code="O-1")
    _write_notes(db, other, _credit_note("CN1", "O-1", DAY + timedelta(hours=1), [("A", 2)]))
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (5, 500)}
    assert _sales(db, other) == {("A", date(2026, 11, 10)): (3, 300)}
    assert _metrics(db, shop, "A").units_7 == 5 and _metrics(db, other, "A").units_7 == 3
    _write_notes(db, shop, _credit_note("CN1", mine.code, DAY + timedelta(hours=1), [("A", 1)]))
    assert _sales(db, shop) == {("A", date(2026, 11, 10)): (4, 400)}
    assert _sales(db, other) == {("A", date(2026, 11, 10)): (3, 300)}


def test_the_full_refresh_and_abc_read_net_figures(db, shop):
    order = _sell(db, shop, DAY, [("A", 10), ("B", 3), ("K", 6)])
    _write_notes(db, shop, _credit_note("CN1", order.code, DAY + timedelta(hours=1), [("A", 9)]),
                 _credit_note("CN2", order.code, DAY + timedelta(days=1), [("B", 3)]))
    _sell(db, shop, DAY + timedelta(days=1), [("B", 3)])  # the second return's day sold as many again
    hooked = _sales(db, shop)
    assert hooked == {("A", date(2026, 11, 10)): (1, 100), ("B", date(2026, 11, 10)): (3, 300),
                      ("K", date(2026, 11, 10)): (6, 600)}
    metrics.rebuild_range(_cursor(db), shop.id, "Europe/Prague", date(2026, 11, 1), date(2026, 12, 1))
    assert _sales(db, shop) == hooked  # the full refresh's rollup is the hook's

    daily = load_daily(db.session, shop, date(2026, 11, 12), ["A", "B", "K"], days=30)
    assert daily.units.sum(axis=1).tolist() == [1, 3, 6]
    assert daily.revenue_365.tolist() == [100, 300, 600]
    assert abc_classes(daily.revenue_365) == ["B", "A", "A"]
    assert abc_classes(np.array([1000.0, 300, 600])) == ["A", "B", "A"]  # what gross figures would have made
