"""Change feeds bring the hub up to date; the watermark never skips a change; old watermarks fall back."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from app.catalog.models import Product, VariantStock
from app.channels.shoptet import feeds
from app.customers.models import Customer
from app.orders.models import Order
from app.sync import incremental
from app.sync.models import SyncCursor, SyncRun
from tests.sync.conftest import run_now


def _sandbox_order(sandbox, code):
    response = httpx.get(sandbox.url(f"/api/orders/{code}"), headers=sandbox.private_headers())
    return response.json()["data"]["order"] if response.status_code == 200 else None


def _hub_order(db, shop, code):
    return db.session.execute(select(Order).where(Order.shop_id == shop.id, Order.code == code)).scalar_one_or_none()


def test_changed_created_and_deleted_orders_arrive_by_the_change_feed(db, sandbox, imported_shop):
    shop = imported_shop
    changed = sandbox.mutate(shop=shop.external_id, orders_created=3, orders_updated=4, orders_deleted=2)
    outcome, run_id = run_now(db, shop, "orders", mode="changes")
    assert outcome.status == "succeeded", outcome.error
    db.session.expire_all()
    for code in changed["orders_created"] + changed["orders_updated"]:
        upstream, ours = _sandbox_order(sandbox, code), _hub_order(db, shop, code)
        assert ours is not None and ours.deleted_at is None
        assert (ours.status_id, ours.change_time) == (upstream["status"]["id"],
                                                      datetime.fromisoformat(upstream["changeTime"]))
    for code in changed["orders_deleted"]:
        assert _hub_order(db, shop, code).deleted_at is not None
    stats = db.session.get(SyncRun, run_id).stats
    assert stats["inserted"] == 3 and stats["updated"] == 4 and stats["deleted"] == 2


def test_customers_and_products_follow_their_feeds(db, sandbox, imported_shop):
    shop = imported_shop
    changed = sandbox.mutate(shop=shop.external_id, customers_updated=3, products_updated=2)
    for kind in ("customers", "products"):
        outcome, _ = run_now(db, shop, kind, mode="changes")
        assert outcome.status == "succeeded", outcome.error
    db.session.expire_all()
    for guid in changed["customers_updated"]:
        upstream = httpx.get(sandbox.url(f"/api/customers/{guid}"), headers=sandbox.private_headers()).json()
        customer = db.session.execute(select(Customer).where(Customer.shop_id == shop.id, Customer.guid == guid)
                                      ).scalar_one()
        assert customer.raw["accounts"] == upstream["data"]["customer"]["accounts"]
    for guid in changed["products_updated"]:
        upstream = httpx.get(sandbox.url(f"/api/products/{guid}"), headers=sandbox.private_headers()).json()
        name = db.session.execute(select(Product.name).where(Product.shop_id == shop.id, Product.guid == guid)
                                  ).scalar_one()
        assert name == upstream["data"]["name"] and "(rev." in name


def test_stock_follows_the_movement_log(db, sandbox, imported_shop):
    shop = imported_shop
    outcome, _ = run_now(db, shop, "stock", mode="changes")  # first pass: supplies, then movements
    assert outcome.status == "succeeded", outcome.error
    moves = sandbox.mutate(shop=shop.external_id, stock_moves=6)["stock_moves"]
    outcome, _ = run_now(db, shop, "stock", mode="changes")
    assert outcome.status == "succeeded", outcome.error
    db.session.expire_all()
    for move in moves:
        supplies = httpx.get(sandbox.url(f"/api/stocks/{move['stockId']}/supplies"),
                             params={"code": move["productCode"]}, headers=sandbox.private_headers()).json()
        upstream = supplies["data"]["supplies"][0]["amount"]
        ours = db.session.execute(select(VariantStock.amount).where(
            VariantStock.shop_id == shop.id, VariantStock.stock_id == move["stockId"],
            VariantStock.variant_code == move["productCode"])).scalar_one()
        assert float(ours) == float(upstream)


def test_orders_changed_while_a_sync_runs_are_not_missed(db, sandbox, imported_shop, monkeypatch):
    """Changes made while the hub is between reading the feed and committing land after the watermark."""
    shop = imported_shop
    first = sandbox.mutate(shop=shop.external_id, orders_updated=3)
    real_detail = feeds._detail
    during = {}

    def detail_with_churn(client, kind, identifier):
        if not during:
            during.update(sandbox.mutate(shop=shop.external_id, orders_updated=4, orders_created=2))
        return real_detail(client, kind, identifier)

    monkeypatch.setattr(feeds, "_detail", detail_with_churn)
    assert run_now(db, shop, "orders", mode="changes")[0].status == "succeeded"
    monkeypatch.setattr(feeds, "_detail", real_detail)
    assert run_now(db, shop, "orders", mode="changes")[0].status == "succeeded"
    db.session.expire_all()
    for code in first["orders_updated"] + during["orders_updated"] + during["orders_created"]:
        upstream, ours = _sandbox_order(sandbox, code), _hub_order(db, shop, code)
        assert ours.change_time == datetime.fromisoformat(upstream["changeTime"]), code
        assert ours.status_id == upstream["status"]["id"], code


def test_a_31_day_old_watermark_falls_back_to_a_snapshot_and_says_why(db, sandbox, imported_shop):
    shop = imported_shop
    cursor = db.session.get(SyncCursor, (shop.id, "orders"))
    cursor.watermark = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    outcome, _ = run_now(db, shop, "orders", mode="changes")
    assert outcome.status == "fallback" and "30 days" in outcome.error
    db.session.expire_all()
    assert "30 days" in db.session.get(SyncCursor, (shop.id, "orders")).fallback_reason
    snapshot = db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id, SyncRun.kind == "orders",
                                                        SyncRun.status == "queued")).scalar_one()
    assert snapshot.mode == "snapshot"
    from app.sync.runner import execute_run

    assert execute_run(db.session, snapshot.id).status == "succeeded"
    db.session.expire_all()
    cursor = db.session.get(SyncCursor, (shop.id, "orders"))
    assert cursor.fallback_reason is None and cursor.watermark > datetime.now(UTC) - timedelta(hours=1)


def test_webhooks_dropped_by_the_sandbox_are_caught_by_the_reconcile_pass(db, sandbox, imported_shop):
    shop = imported_shop
    sandbox.set_faults(shop=shop.external_id, webhooks_disabled=True)
    changed = sandbox.mutate(shop=shop.external_id, orders_updated=3)
    settings = {"sync_enabled": True, "sync_interval_minutes": 15}
    later = datetime.now(UTC) + timedelta(minutes=16)
    started = incremental.schedule_due_syncs(db.session, lambda _shop: settings, now=later)
    db.session.commit()
    assert (shop.id, "orders") in started
    from app.sync.runner import execute_run

    for run in db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id, SyncRun.status == "queued")
                                  ).scalars().all():
        assert execute_run(db.session, run.id).status == "succeeded"
    db.session.expire_all()
    for code in changed["orders_updated"]:
        assert _hub_order(db, shop, code).status_id == _sandbox_order(sandbox, code)["status"]["id"]


def test_the_scheduler_skips_disabled_and_disconnected_shops(db, sandbox, imported_shop):
    from app.shops.services import disconnect

    later = datetime.now(UTC) + timedelta(days=1)
    assert incremental.schedule_due_syncs(db.session, lambda _s: {"sync_enabled": False,
                                                                   "sync_interval_minutes": 1}, now=later) == []
    disconnect(db.session, imported_shop, reason="test")
    assert incremental.schedule_due_syncs(db.session, lambda _s: {"sync_enabled": True,
                                                                   "sync_interval_minutes": 1}, now=later) == []
    count = db.session.execute(select(func.count()).select_from(SyncRun).where(
        SyncRun.shop_id == imported_shop.id, SyncRun.mode == "changes")).scalar_one()
    assert count == 0
