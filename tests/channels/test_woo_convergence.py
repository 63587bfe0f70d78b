"""Convergence with two channels at once: a WooCommerce store and a Shoptet shop churn while the hub syncs
through faults (the store: PHP 500s, the host's 429s, a third of its webhooks dropped and a fifth delivered
twice; the shop: 500s, a tight leaky bucket, dropped webhooks). Real worker processes, the webhook endpoint
on a live server and a scheduler thread keep the hub current. Afterwards every row of every kind equals
its platform's: 0 missing, 0 extra, 0 different; the lag from each WooCommerce order change to the hub is
printed (median, p95).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.channels.shoptet.api import client_for_shop as shoptet_client
from app.extensions import db as _db
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from app.shops.connect import connect_shop
from app.shops.models import Shop
from app.shops.services import channel_and_credentials
from app.sync.models import ACTIVE_STATUSES
from app.sync.services import start_import
from sandbox.testing import run_sandbox
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.channels.woo_helpers import store_client
from tests.convergence import (
    OrderLagProbe,
    compare_shoptet,
    connect_sandbox_shop,
    differences,
    equal,
    print_report,
    request_final_syncs,
    running_hub,
)
from tests.factories import make_org
from workers.scheduler import tick

CHURN_SECONDS = float(os.environ.get("HUB_CONVERGENCE_SECONDS", "45"))
STREAMS = ("orders", "customers", "products", "stock")


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def compare_woo(app, shop_id: int, store) -> dict:
    """Missing, extra and different rows per kind, hub against the store."""
    with store_client(store) as client:
        orders = {str(o["id"]): o for o in client.iter_items("/orders", {"orderby": "id"})}
        customers = {str(c["id"]): c for c in client.iter_items("/customers", {"orderby": "id"})}
        products = {str(p["id"]): p for p in client.iter_items("/products", {"orderby": "id"})}
        stock = {}
        for product in products.values():
            items = (client.iter_items(f"/products/{product['id']}/variations") if product["type"] == "variable"
                     else [product])
            for item in items:
                if item.get("manage_stock"):
                    stock[item.get("sku") or f"woo-{item['id']}"] = Decimal(item["stock_quantity"])
    with app.app_context():
        hub_orders = {row.code: row for row in _db.session.execute(text(
            "SELECT code, status_name, change_time, total_with_vat, item_count FROM orders "
            "WHERE shop_id = :s AND deleted_at IS NULL"), {"s": shop_id})}
        hub_customers = {row.guid: row for row in _db.session.execute(text(
            "SELECT guid, email, change_time, phone FROM customers WHERE shop_id = :s AND deleted_at IS NULL "
            "AND guid NOT LIKE 'guest:%'"), {"s": shop_id})}
        hub_products = {row.guid: row for row in _db.session.execute(text(
            "SELECT guid, name, change_time FROM products WHERE shop_id = :s AND deleted_at IS NULL"), {"s": shop_id})}
        hub_stock = {row.code: row.stock for row in _db.session.execute(text(
            "SELECT v.code, v.stock FROM product_variants v JOIN products p ON p.shop_id = v.shop_id "
            "AND p.guid = v.product_guid WHERE v.shop_id = :s AND p.deleted_at IS NULL AND v.stock IS NOT NULL"),
            {"s": shop_id})}
    return {
        "orders": differences(hub_orders, orders, lambda o, u: (
            o.status_name == u["status"] and o.change_time == _utc(u["date_modified_gmt"])
            and o.total_with_vat == Decimal(u["total"])
            and o.item_count == len(u["line_items"]) + len(u["shipping_lines"]) + len(u["fee_lines"]))),
        "customers": differences(hub_customers, customers, lambda c, u: (
            c.email == u["email"].lower() and c.change_time == _utc(u["date_modified_gmt"])
            and c.phone == (u["billing"]["phone"] or None))),
        "products": differences(hub_products, products, lambda p, u: (
            p.name == u["name"] and p.change_time == _utc(u["date_modified_gmt"]))),
        "stock": differences(hub_stock, stock, lambda ours, theirs: ours == theirs),
    }


@pytest.mark.timeout(900)
def test_the_hub_converges_on_a_woocommerce_store_and_a_shoptet_shop_with_faults(app, test_config, live_db,
                                                                                  live_server):
    with run_woo_sandbox(seed=41, orders=600, webhook_delay=0.2) as store, \
            run_sandbox(seed=43, shops=1, orders=200, customers=80, products=20, job_delay=0.3,
                        webhook_retry_seconds=0.5, bucket_size=60, bucket_leak=30) as sandbox:
        info = sandbox.shops[0]
        app.config["HUB_PUBLIC_URL"] = live_server  # where the store's webhooks go
        try:
            with app.app_context():
                org = make_org(live_db.session, "Two Channels Co")
                _channel, credentials = channel_and_credentials("woocommerce", {
                    "url": store.base_url, "consumer_key": store.consumer_key,
                    "consumer_secret": store.consumer_secret})
                woo = connect_shop(live_db.session, org.id, "woocommerce", credentials, name="Woo").shop
                shoptet = connect_sandbox_shop(live_db.session, org.id, sandbox, info, live_server,
                                               interval_minutes=None)
                for kind in ("products", "customers", "orders"):
                    start_import(live_db.session, shoptet, kind, actor_id=None)
                for shop in (woo, shoptet):
                    update_settings(live_db.session, settings_cache(), org.id, {"sync_interval_minutes": "1"},
                                    shop_id=shop.id)
                live_db.session.commit()
                woo_id, shoptet_id = woo.id, shoptet.id
        finally:
            app.config["HUB_PUBLIC_URL"] = test_config.HUB_PUBLIC_URL

        ids = [woo_id, shoptet_id]
        with running_hub(app, test_config) as hub:
            hub.waiting(lambda: hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = ANY(:s) "
                                           "AND mode = 'snapshot' AND status = 'succeeded'", s=ids) == 6,
                        timeout=180, what="the first full imports")
            store.set_faults(error_500_rate=0.03, throttle_rate=0.03, throttle_retry_after=1,
                             webhook_drop_rate=0.33, webhook_duplicate_rate=0.2)
            sandbox.set_faults(error_500_rate=0.05, webhook_drop_rate=0.33)
            probe = hub.watching(OrderLagProbe(test_config.DATABASE_URL, woo_id))
            deadline = time.monotonic() + CHURN_SECONDS
            call = 0
            while time.monotonic() < deadline:
                changed_at = time.time()
                changes = store.mutate(orders_created=1, orders_updated=2, orders_touched=1,
                                       orders_trashed=1 if call % 6 == 0 else 0,
                                       orders_deleted=1 if call % 7 == 3 else 0,
                                       orders_restored=1 if call % 9 == 4 else 0, customers_updated=1,
                                       customers_created=1 if call % 4 == 0 else 0,
                                       customers_deleted=1 if call % 10 == 5 else 0,
                                       products_updated=1 if call % 3 == 0 else 0, stock_changes=2)
                probe.expect([str(i) for i in changes["orders_created"] + changes["orders_updated"]], changed_at)
                # an order trashed or deleted for good before the hub read its last change reaches the hub as a
                # deletion (which the comparison checks), never as that change: not waited for
                probe.forget([str(i) for i in changes["orders_trashed"] + changes["orders_deleted"]])
                sandbox.mutate(shop=info["eshop_id"], orders_created=1, orders_updated=1, customers_updated=1,
                               stock_moves=1)
                call += 1
                time.sleep(0.5)
            store.reset_faults()
            sandbox.reset_faults()
            hub.waiting(lambda: hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = ANY(:s) "
                                           "AND status = ANY(:a) AND mode <> 'job'",
                                           s=ids, a=list(ACTIVE_STATUSES)) == 0,
                        timeout=180, what="the syncs to settle")
            hub.stop_scheduler()
            after = request_final_syncs(app, ids, STREAMS)

            def final_syncs_done():
                tick(app)  # the scheduler thread is stopped: this test ticks
                finished = hub.scalar("SELECT count(DISTINCT (shop_id, kind)) FROM sync_runs WHERE shop_id = ANY(:s) "
                                      "AND mode = 'changes' AND created_at >= :t AND status = 'succeeded'",
                                      s=ids, t=after)
                pending = hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = ANY(:s) AND created_at >= :t "
                                     "AND status = ANY(:a) AND mode <> 'job'", s=ids, t=after,
                                     a=list(ACTIVE_STATUSES))
                return finished == 2 * len(STREAMS) and pending == 0

            hub.waiting(final_syncs_done, timeout=240, every=0.5, what="the final syncs")
            probe.finish()
            woo_report = compare_woo(app, woo_id, store)
            with app.app_context():
                with shoptet_client(_db.session.get(Shop, shoptet_id)) as client:
                    shoptet_report = compare_shoptet(app, shoptet_id, client)
            failed = hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = ANY(:s) AND status = 'failed'", s=ids)
        print(f"\nconvergence (WooCommerce + Shoptet): {call} churn calls over {CHURN_SECONDS:.0f} s; WooCommerce "
              f"order changes seen {len(probe.lags)}, never seen {len(probe.pending)}; {probe.summary()}")
        print_report("woocommerce ", woo_report)
        print_report("shoptet ", shoptet_report)
        assert equal(woo_report), woo_report
        assert equal(shoptet_report), shoptet_report
        assert failed == 0 and not probe.pending
