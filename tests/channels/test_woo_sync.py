"""Staying current with a WooCommerce store: the change feed from the watermark (ties in one second, UTC
dates whatever the store's time zone), trashed records as deletions, customers reconciled, a full import
that neither misses nor repeats records changing during its walk, and one that resumes after a crash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.sync.models import SyncCursor, SyncRun
from app.sync.runner import execute_run
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.channels.woo_helpers import connected_shop, hub_orders, run_now, run_queued, store_client, store_orders
from tests.factories import make_org


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=7, orders=400, webhook_delay=0.05) as handle:
        yield handle


@pytest.fixture
def shop(app, db, store):
    org = make_org(db.session)
    db.session.commit()
    shop = connected_shop(app, db, org.id, store)
    assert set(run_queued(db, shop).values()) == {"succeeded"}
    return shop


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def assert_same_orders(db, shop, store):
    orders, hub = store_orders(store), hub_orders(db, shop.id)
    assert set(hub) == set(orders), (set(orders) - set(hub), set(hub) - set(orders))
    different = [code for code, order in orders.items()
                 if (hub[code].status_name, hub[code].change_time) != (order["status"],
                                                                        _utc(order["date_modified_gmt"]))]
    assert different == []


def test_changes_in_one_second_are_all_read_and_dates_are_utc(db, store, shop):
    changed = store.mutate(orders_updated=30, orders_touched=20, orders_created=5)  # one second for all
    assert run_now(db, shop, "orders").status == "succeeded"
    assert_same_orders(db, shop, store)  # change_time == date_modified_gmt as UTC (the store is Europe/Prague)
    with store_client(store) as client:
        orders = [client.get(f"/orders/{order_id}") for kind in ("orders_updated", "orders_touched",
                                                                  "orders_created") for order_id in changed[kind]]
    assert all(o["date_modified"] != o["date_modified_gmt"] for o in orders)  # site time differs: the hub kept GMT
    cursor = db.session.execute(select(SyncCursor.watermark).where(
        SyncCursor.shop_id == shop.id, SyncCursor.stream == "orders")).scalar_one()
    # the latest change read (the changes may straddle a second boundary: then the later second)
    assert cursor == max(_utc(o["date_modified_gmt"]) for o in orders)


def test_trashed_orders_and_products_are_deleted_and_a_restored_order_comes_back(db, store, shop):
    changed = store.mutate(orders_trashed=3, products_trashed=1)
    assert run_now(db, shop, "orders").status == "succeeded"
    assert run_now(db, shop, "products").status == "succeeded"
    deleted = set(db.session.execute(text("SELECT code FROM orders WHERE shop_id = :s AND deleted_at IS NOT NULL"),
                                     {"s": shop.id}).scalars())
    assert deleted == {str(i) for i in changed["orders_trashed"]}
    product = db.session.execute(text("SELECT deleted_at FROM products WHERE shop_id = :s AND guid = :g"),
                                 {"s": shop.id, "g": str(changed["products_trashed"][0])}).scalar_one()
    assert product is not None
    restored = store.mutate(orders_restored=1)["orders_restored"]
    assert run_now(db, shop, "orders").status == "succeeded"
    assert_same_orders(db, shop, store)
    assert str(restored[0]) in hub_orders(db, shop.id)


def test_orders_deleted_for_good_are_found_by_the_count_and_confirmed_by_id(db, store, shop):
    before = store.state()["requests"].get("GET /wp-json/wc/v3/orders 200", 0)
    assert run_now(db, shop, "orders").status == "succeeded"
    quiet = store.state()["requests"].get("GET /wp-json/wc/v3/orders 200", 0) - before
    assert quiet <= 3  # nothing changed: the walk's page, the trash walk's, and the count
    changed = store.mutate(orders_deleted=2)  # no trash, no webhook
    outcome = run_now(db, shop, "orders")
    assert outcome.status == "succeeded" and outcome.stats["deleted"] == 2
    deleted = set(db.session.execute(text("SELECT code FROM orders WHERE shop_id = :s AND deleted_at IS NOT NULL"),
                                     {"s": shop.id}).scalars())
    assert deleted == {str(i) for i in changed["orders_deleted"]}
    assert_same_orders(db, shop, store)


def test_customers_are_reconciled_including_deletions(db, store, shop):
    changed = store.mutate(customers_updated=2, customers_deleted=1, customers_created=1)
    outcome = run_now(db, shop, "customers")
    assert outcome.status == "succeeded" and outcome.stats["deleted"] == 1
    with store_client(store) as client:
        listed = {str(c["id"]) for c in client.iter_items("/customers")}
    hub = set(db.session.execute(text("SELECT guid FROM customers WHERE shop_id = :s AND deleted_at IS NULL "
                                      "AND guid NOT LIKE 'guest:%'"), {"s": shop.id}).scalars())
    assert hub == listed and str(changed["customers_deleted"][0]) not in hub


def test_a_full_import_misses_nothing_when_orders_change_during_the_walk(app, db, store, shop, monkeypatch):
    from app.channels.woocommerce.reader import WalkSource

    monkeypatch.setattr(WalkSource, "AHEAD", 1)  # the walk at most a page ahead: the churn lands mid-walk
    calls = []

    def churn(progress):
        if len(calls) < 3:
            calls.append(store.mutate(orders_updated=15, orders_touched=15, orders_created=2))

    app.config["IMPORT_BATCH_SIZE"] = 60
    try:
        run, _ = _trigger(db, shop, "orders")
        from app.sync import ledger
        from app.sync.runner import _carry  # the runner's own path, with a hook on every committed batch

        claimed = ledger.claim(db.session, run.id)
        db.session.commit()
        assert _carry(db.session, claimed, churn).status == "succeeded"
    finally:
        app.config["IMPORT_BATCH_SIZE"] = 2000
    assert len(calls) == 3
    assert_same_orders(db, shop, store)


def _trigger(db, shop, kind):
    from app.sync import ledger

    run, created = ledger.trigger(db.session, shop, kind, mode="snapshot")
    db.session.commit()
    return run, created


def test_a_crashed_full_import_resumes_after_its_last_batch(app, db, store, shop):
    app.config["IMPORT_BATCH_SIZE"] = 100
    crashes = []

    def crash_once(progress):
        if not crashes:
            crashes.append(progress.lines_done)
            raise ConnectionResetError("the worker died")  # after the first batch committed

    try:
        run, _ = _trigger(db, shop, "orders")
        from app.sync import ledger
        from app.sync.runner import _carry

        claimed = ledger.claim(db.session, run.id)
        db.session.commit()
        assert _carry(db.session, claimed, crash_once).status == "failed"
        checkpoint = db.session.get(SyncRun, run.id).checkpoint
        assert checkpoint["woo_done"] == crashes[0] == 100 and checkpoint["woo_position"]
        db.session.execute(text("UPDATE sync_runs SET status = 'queued', next_attempt_at = NULL WHERE id = :id"),
                           {"id": run.id})
        db.session.commit()
        before = store.state()["request_total"]
        assert execute_run(db.session, run.id).status == "succeeded"
        asked = store.state()["request_total"] - before
    finally:
        app.config["IMPORT_BATCH_SIZE"] = 2000
    total = len(store_orders(store))
    assert asked <= (total - 100) // 99 + 3  # only the rest was walked (pages overlap by one record)
    assert db.session.get(SyncRun, run.id).progress_done == total
    assert_same_orders(db, shop, store)


def test_a_sale_lowering_a_variations_stock_reaches_the_hub_through_the_stock_stream(db, store, shop):
    """The sale touches the variation, not its parent: the products feed cannot see it, the stock stream must."""
    assert run_now(db, shop, "stock").status == "succeeded"  # the first pass reads everything; position set
    with store_client(store) as client:
        parent = next(p for p in client.iter_items("/products", {"type": "variable"}) if p["variations"])
        variation = next(v for v in client.iter_items(f"/products/{parent['id']}/variations") if v["manage_stock"])
        client.create("/orders", {"set_paid": True, "line_items": [
            {"product_id": parent["id"], "variation_id": variation["id"], "quantity": 2}]})
        after = client.get(f"/products/{parent['id']}/variations/{variation['id']}")
        assert after["stock_quantity"] == variation["stock_quantity"] - 2
        assert client.get(f"/products/{parent['id']}")["date_modified_gmt"] == parent["date_modified_gmt"]
    assert run_now(db, shop, "products").status == "succeeded"
    outcome = run_now(db, shop, "stock")
    assert outcome.status == "succeeded"
    stock = db.session.execute(text("SELECT stock FROM product_variants WHERE shop_id = :s AND code = :c"),
                               {"s": shop.id, "c": variation["sku"]}).scalar_one()
    assert int(stock) == after["stock_quantity"]


def test_customers_listed_by_id_skip_none_when_earlier_ones_are_deleted_meanwhile(store):
    from app.channels.woocommerce.reader import iter_by_id

    with store_client(store) as client:
        before = [c["id"] for c in client.iter_items("/customers", {"orderby": "id", "order": "asc"})]
        seen, deleted = [], []
        for customer in iter_by_id(client, "/customers", per_page=10):
            seen.append(customer["id"])
            if len(seen) == 25:  # delete customers already read: every later offset shifts
                for cid in seen[:6]:
                    client.delete(f"/customers/{cid}", force=True)
                    deleted.append(cid)
    assert len(seen) == len(set(seen)) == len(before)  # none twice, none missed
    assert set(seen) == set(before)
