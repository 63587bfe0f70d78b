"""Rules on small known data: co-purchase counts, the holdout split without leakage, the inputs hook, and the
same person across shops by normalized e-mail with sums per currency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.analytics import summary
from app.analytics.copurchase import refresh_pairs
from app.analytics.models import CustomerAnalytics, ProductPair
from app.analytics.queries import person_across_shops
from app.imports.hooks import orders_changed
from app.imports.partitions import ensure_months, month_start
from app.orders.models import OrderItem
from tests.orders.tables import add_customer, add_order

DAY = datetime(2025, 3, 3, 10, tzinfo=UTC)


def basket(session, shop, created, products, status="completed"):
    order = add_order(session, shop, created=created, status=status)
    ensure_months(session.connection(), {month_start(created)})
    for position, product in enumerate(products, start=1):
        session.add(OrderItem(shop_id=shop.id, order_id=order.id, order_created_at=created, item_id=position,
                              position=position, item_type="product", product_guid=product, name=f"Product {product}",
                              raw={}))
    session.add(OrderItem(shop_id=shop.id, order_id=order.id, order_created_at=created, item_id=99, position=99,
                          item_type="shipping", product_guid=None, name="PPL", raw={}))
    session.flush()
    return order


def test_co_purchase_support_confidence_and_lift_on_known_baskets(db, tenant):
    shop = tenant.shop_a
    baskets = [("A", "B"), ("A", "B"), ("A", "B", "C"), ("A", "C"), ("B", "C"), ("D",), ("A", "A", "B")]
    for i, products in enumerate(baskets):
        basket(db.session, shop, DAY + timedelta(hours=i), products)
    basket(db.session, shop, DAY, ("A", "B"), status="cancelled")  # not a sale: not counted
    refresh_pairs(db.session, shop)
    pairs = {(p.product_guid, p.other_guid): p for p in db.session.scalars(
        select(ProductPair).where(ProductPair.shop_id == shop.id))}
    # 7 orders; A in 5, B in 5, C in 3; A&B in 4 (A twice in one order counts once), A&C 2, B&C 2 (min 2 orders)
    ab, ba = pairs[("A", "B")], pairs[("B", "A")]
    assert ab.orders_both == ba.orders_both == 4
    assert ab.support == pytest.approx(4 / 7)
    assert ab.confidence == pytest.approx(4 / 5) and ba.confidence == pytest.approx(4 / 5)
    assert ab.lift == pytest.approx((4 / 5) / (5 / 7))
    assert pairs[("C", "A")].confidence == pytest.approx(2 / 3)
    assert pairs[("A", "C")].lift == pytest.approx((2 / 5) / (3 / 7))
    assert not any("D" in key for key in pairs)
    assert len(pairs) == 6 and ab.other_name == "Product B"


def test_holdout_orders_never_reach_the_calibration_inputs(db, tenant):
    shop = tenant.shop_a
    customer = add_customer(db.session, shop)
    last = datetime(2025, 12, 31, 12, tzinfo=UTC)
    for days_before in (700, 400, 300):  # calibration
        add_order(db.session, shop, created=last - timedelta(days=days_before), customer_guid=customer.guid,
                  status="completed")
    add_order(db.session, shop, created=last, customer_guid=customer.guid, status="completed")  # the latest order
    window = summary.window_of(db.session, shop.id)
    before = summary.read_summary(db.session, shop.id, window)
    assert window.until_day == last.date() and (last.date() - window.cut_day).days == summary.HOLDOUT_DAYS - 1
    assert before.cal_days[0] == 3 and before.holdout_days[0] == 1 and before.days[0] == 4
    first_day = (last - timedelta(days=700)).date()
    assert before.cal_span[0] == 400 and before.cal_age[0] == (window.cut_day - first_day).days
    # more holdout orders change the holdout's actuals, never the calibration view
    for days_before in (100, 50, 5):
        add_order(db.session, shop, created=last - timedelta(days=days_before), customer_guid=customer.guid,
                  status="completed")
    after = summary.read_summary(db.session, shop.id, window)
    for name in ("cal_days", "cal_span", "cal_age"):
        assert after.columns[name][0] == before.columns[name][0], name
    assert after.holdout_days[0] == 4


def test_each_orders_batch_updates_the_touched_customers_inputs(db, tenant):
    shop = tenant.shop_a
    customer = add_customer(db.session, shop)
    order = add_order(db.session, shop, created=DAY, customer_guid=customer.guid, status="completed",
                      total_with_vat=Decimal("250.00"))
    touched = "SELECT id AS order_id, customer_guid, creation_time FROM orders WHERE id = %(order)s"
    cursor = db.session.connection().connection.driver_connection.cursor()
    orders_changed(cursor, shop.id, touched, {"order": order.id})
    row = db.session.get(CustomerAnalytics, (shop.id, customer.guid))
    assert (row.orders_count, row.spent, row.currency) == (1, Decimal("250.00"), shop.currency)
    second = add_order(db.session, shop, created=DAY + timedelta(days=3), customer_guid=customer.guid,
                       status="completed", total_with_vat=Decimal("100.00"))
    orders_changed(cursor, shop.id, touched, {"order": second.id})
    db.session.refresh(row)
    assert (row.orders_count, row.purchase_days, row.spent) == (2, 2, Decimal("350.00"))
    db.session.execute(text("UPDATE orders SET status = 'cancelled' WHERE customer_guid = :g"), {"g": customer.guid})
    orders_changed(cursor, shop.id, touched, {"order": second.id})
    db.session.expire_all()
    assert db.session.get(CustomerAnalytics, (shop.id, customer.guid)) is None


def test_one_person_across_shops_by_normalized_email_with_sums_per_currency(db, tenant):
    from tests.factories import make_shop

    euro = make_shop(db.session, tenant.org, "Shop EUR")
    euro.currency = "EUR"
    a = add_customer(db.session, tenant.shop_a, email="jana.novakova@example.com")
    b = add_customer(db.session, tenant.shop_b, email=" Jana.Novakova@Example.com ")
    c = add_customer(db.session, euro, email="jana.novakova@example.com")
    add_customer(db.session, tenant.shop_b, email="someone.else@example.com")
    for shop, customer, spent in ((tenant.shop_a, a, "1000"), (tenant.shop_b, b, "500"), (euro, c, "40")):
        db.session.add(CustomerAnalytics(
            shop_id=shop.id, customer_guid=customer.guid, orders_count=2, purchase_days=2, first_order_at=DAY,
            last_order_at=DAY, spent=Decimal(spent), clv=Decimal(spent) / 2, currency=shop.currency))
    db.session.flush()
    shops = [tenant.shop_a.id, tenant.shop_b.id, euro.id]
    rows, sums = person_across_shops(db.session, shops, "JANA.novakova@example.com")
    assert {customer.id for customer, _ in rows} == {a.id, b.id, c.id}
    assert sums["CZK"]["spent"] == Decimal("1500") and sums["CZK"]["shops"] == 2 and sums["CZK"]["orders"] == 4
    assert sums["EUR"]["spent"] == Decimal("40") and sums["EUR"]["clv"] == Decimal("20")
    # no record was merged or changed
    assert b.email == " Jana.Novakova@Example.com " and b.shop_id == tenant.shop_b.id


def test_the_nightly_refresh_starts_once_per_shop_and_day(db, tenant, app):
    from app.analytics.periodic import schedule_nightly_refresh
    from app.sync.models import SyncRun

    add_order(db.session, tenant.shop_a, created=DAY)
    assert schedule_nightly_refresh(app, datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) == 0  # before the hour
    noon = datetime.now(UTC).replace(hour=12)
    assert schedule_nightly_refresh(app, noon) == 1  # shop B has no orders
    assert schedule_nightly_refresh(app, noon) == 0  # today's run exists
    runs = db.session.scalars(select(SyncRun).where(SyncRun.kind == "customer_analytics")).all()
    assert [(run.shop_id, run.mode) for run in runs] == [(tenant.shop_a.id, "job")]
