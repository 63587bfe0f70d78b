"""Planning over a master shop's pool: the master's refresh plans a variant on its own sales plus its paired
followers' sales, against its own stock; a follower's paired variants get no suggestion of their own."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.catalog.models import ProductVariant
from app.imports.partitions import ensure_months
from app.inventory import metrics
from app.inventory.models import DailySales, VariantMetrics, VariantSeries
from app.inventory.purchase import supplier_drafts
from app.inventory.refresh import full_refresh
from app.master.models import VariantPair
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from tests.factories import make_org, make_shop
from tests.orders.tables import add_order

LAST = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WEEKS = 30


@pytest.fixture(scope="module")
def partitions(app):
    from app.extensions import db as _db

    first = (LAST - timedelta(weeks=WEEKS + 1)).date().replace(day=1)
    months = {date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(9)}
    with app.app_context(), _db.engine.begin() as connection:
        ensure_months(connection, months)


def _sell(db, shop, code: str, when: datetime, amount: int) -> None:
    order = add_order(db.session, shop, created=when, status="completed")
    db.session.execute(text(
        "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, amount, "
        "total_without_vat, raw) VALUES (:shop, :order, :at, 1, 1, 'product', :code, :amount, :net, '{}')"),
        {"shop": shop.id, "order": order.id, "at": when, "code": code, "amount": amount, "net": 100 * amount})


def test_the_master_plans_on_the_pools_demand_and_followers_leave_paired_variants_to_it(partitions, db,
                                                                                         monkeypatch):
    monkeypatch.setattr("app.inventory.refresh.read_stock_log", lambda *args, **kwargs: {})
    org = make_org(db.session)
    master, follower = make_shop(db.session, org, "Master"), make_shop(db.session, org, "Follower")
    for shop, codes in ((master, ("X", "Y")), (follower, ("FX", "Z"))):
        for code in codes:
            db.session.add(ProductVariant(shop_id=shop.id, product_guid="g", code=code, name=code,
                                          stock=Decimal(2), raw={}))
    db.session.add_all([
        VariantPair(organization_id=org.id, follower_shop_id=follower.id, follower_code="FX",
                    master_shop_id=master.id, master_code="X", how="hand"),
        VariantPair(organization_id=org.id, follower_shop_id=follower.id, follower_code="Z",
                    master_shop_id=master.id, master_code=None, how="not_sold"),
    ])
    for week in range(WEEKS):
        when = LAST - timedelta(weeks=week)
        _sell(db, master, "X", when, 2)
        _sell(db, master, "Y", when, 1)
        _sell(db, follower, "FX", when - timedelta(hours=3), 5)
        _sell(db, follower, "Z", when - timedelta(hours=3), 4)
    cursor = db.session.connection().connection.cursor()
    metrics.orders_changed(cursor, follower.id, "SELECT id AS order_id, customer_guid, creation_time FROM orders "
                           "WHERE shop_id = %(shop_id)s", {})
    assert db.session.query(DailySales).filter_by(shop_id=follower.id).count() == 2 * WEEKS
    update_settings(db.session, settings_cache(), org.id, {"master_shop": master.id})

    stats = full_refresh(db.session, master, lambda **kwargs: db.session.flush())
    assert stats["pool_followers"] == 1
    series = {s.variant_code: s for s in db.session.query(VariantSeries).filter_by(shop_id=master.id)}
    assert sum(series["Y"].sold) == WEEKS - 1  # full weeks only; Y has no follower, Z is "not sold here"
    assert sum(series["X"].sold) == (2 + 5) * (WEEKS - 1)  # the follower's FX is the master's X
    assert series["X"].p50[0] == pytest.approx(7, abs=1.5)
    x = db.session.query(VariantMetrics).filter_by(shop_id=master.id, variant_code="X").one()
    assert x.on_hand == 2 and x.units_365 == 2 * WEEKS  # the master's stock; its own sales columns

    lines = {line.variant_code: line for draft in supplier_drafts(db.session, master.id) for line in draft.lines}
    assert lines["X"].plan.demand_lead == pytest.approx(7 * 2, rel=0.25)  # two weeks of the pool's demand

    full_refresh(db.session, follower, lambda **kwargs: db.session.flush())
    followed = {line.variant_code for draft in supplier_drafts(db.session, follower.id) for line in draft.lines}
    assert followed == {"Z"}  # FX is bought by the master; Z is the follower's own
    db.session.execute(text("DELETE FROM master_variant_pairs WHERE follower_code = 'FX'"))
    followed = {line.variant_code for draft in supplier_drafts(db.session, follower.id) for line in draft.lines}
    assert followed == {"FX", "Z"}  # unpaired, it is the follower's to buy again
