"""Convergence: the sandbox keeps changing while the hub syncs through faults; afterwards they are equal.

A sandbox shop churns (orders created, changed and deleted, customers, products, stock) with 5xx errors, a
tight leaky bucket (429s) and a third of its webhooks dropped, while real worker processes, the webhook
endpoint on a live server and a scheduler thread keep the hub current. After the churn stops and one more
sync of every stream runs, every row of every kind must equal the sandbox's: 0 missing, 0 extra, 0 different.
The lag from each order change in the sandbox to the hub is measured and printed (median, worst).
"""

import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.webhooks import register as register_webhooks
from app.extensions import db as _db
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from app.shops.models import Shop
from app.shops.services import add_shop
from app.sync.incremental import request_sync
from app.sync.models import ACTIVE_STATUSES, SyncRun
from app.sync.services import start_import
from sandbox.testing import run_sandbox
from tests.factories import make_org
from tests.imports.processes import start_worker, stop_worker, wait_for, worker_env
from workers.scheduler import tick

CHURN_SECONDS = float(os.environ.get("HUB_CONVERGENCE_SECONDS", "60"))


class LagProbe(threading.Thread):
    """Watches the hub for each changed order and records how long after the change it arrived."""

    def __init__(self, database_url: str, shop_id: int):
        super().__init__(daemon=True)
        self.engine = create_engine(database_url)
        self.shop_id = shop_id
        self.pending: dict[str, float] = {}
        self.lags: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def expect(self, codes, changed_at: float) -> None:
        with self.lock:
            for code in codes:
                self.pending[code] = changed_at

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                waiting = dict(self.pending)
            if waiting:
                with self.engine.connect() as conn:
                    rows = conn.execute(text(
                        "SELECT code, extract(epoch FROM coalesce(change_time, creation_time)) FROM orders "
                        "WHERE shop_id = :s AND code = ANY(:codes)"), {"s": self.shop_id, "codes": list(waiting)}).all()
                now = time.time()
                with self.lock:
                    for code, changed in rows:
                        started = self.pending.get(code)
                        if started is not None and float(changed) >= int(started) - 1:
                            self.lags.append(now - started)
                            del self.pending[code]
            time.sleep(0.1)
        self.engine.dispose()


def _sandbox_snapshot(client, kind, **options):
    return {line.data["code" if kind == "orders" else "guid"]: line.data
            for line in client.snapshot(kind, wait={"first_poll_after": 0.3, "timeout": 60}, **options)}


def _compare(app, shop_id, client) -> dict:
    """Missing, extra and different rows per kind, hub against the sandbox."""
    report = {}
    with app.app_context():
        orders = {row.code: row for row in _db.session.execute(text(
            "SELECT code, status_id, paid, change_time, total_with_vat, item_count FROM orders "
            "WHERE shop_id = :s AND deleted_at IS NULL"), {"s": shop_id})}
        customers = {row.guid: row for row in _db.session.execute(text(
            "SELECT guid, change_time, raw FROM customers WHERE shop_id = :s AND deleted_at IS NULL"), {"s": shop_id})}
        products = {row.guid: row for row in _db.session.execute(text(
            "SELECT guid, name, change_time FROM products WHERE shop_id = :s AND deleted_at IS NULL"), {"s": shop_id})}
        stock = {(row.stock_id, row.variant_code): row.amount for row in _db.session.execute(text(
            "SELECT stock_id, variant_code, amount FROM variant_stocks WHERE shop_id = :s"), {"s": shop_id})}

    def diff(kind, ours, theirs, same):
        different = [key for key in set(ours) & set(theirs) if not same(ours[key], theirs[key])]
        report[kind] = {"missing": sorted(set(theirs) - set(ours)), "extra": sorted(set(ours) - set(theirs)),
                        "different": sorted(different)}

    upstream = _sandbox_snapshot(client, "orders")
    diff("orders", orders, upstream, lambda o, u: (
        o.status_id == u["status"]["id"] and o.paid == u["paid"]
        and o.change_time == datetime.fromisoformat(u["changeTime"])
        and o.total_with_vat == Decimal(u["price"]["withVat"]) and o.item_count == len(u["items"])))
    upstream = _sandbox_snapshot(client, "customers")
    diff("customers", customers, upstream, lambda c, u: (
        c.change_time == datetime.fromisoformat(u["changeTime"]) and c.raw["accounts"] == u["accounts"]))
    upstream = _sandbox_snapshot(client, "products", include=["perStockAmounts"])
    diff("products", products, upstream, lambda p, u: (
        p.name == u["name"] and p.change_time == datetime.fromisoformat(u["changeTime"])))
    supplies = {}
    for stock_id in [s["id"] for s in client.list_stocks()]:
        for supply in client.iter_supplies(stock_id):
            supplies[(stock_id, supply["code"])] = Decimal(supply["amount"])
    diff("stock", stock, supplies, lambda ours, theirs: ours == theirs)
    return report


@pytest.mark.timeout(600)
def test_the_hub_converges_on_a_churning_shop_with_faults(app, test_config, live_db, live_server):
    with run_sandbox(seed=33, shops=1, orders=400, customers=150, products=40, job_delay=0.3,
                     webhook_retry_seconds=0.5, bucket_size=60, bucket_leak=30) as sandbox:
        info = sandbox.shops[0]
        with app.app_context():
            org = make_org(live_db.session, "Converging Co")
            shop = add_shop(live_db.session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                            private_token=info["private_token"], api_url=sandbox.base_url,
                            languages=info["default_language"])
            live_db.session.commit()
            with client_for_shop(shop) as client:
                register_webhooks(client, shop, f"{live_server}/webhooks/shoptet/{shop.id}")
            update_settings(live_db.session, settings_cache(), org.id, {"sync_interval_minutes": "1"},
                            shop_id=shop.id)
            for kind in ("products", "customers", "orders"):
                start_import(live_db.session, shop, kind, actor_id=None)
            live_db.session.commit()
            shop_id = shop.id

        env = worker_env(test_config, HUB_IMPORT_BATCH_SIZE=200, HUB_LEASE_SECONDS=10)
        workers = [start_worker(env, "snapshots", "orders", "customers", "catalog", "default") for _ in range(2)]
        scheduling = threading.Event()

        def scheduler():
            while not scheduling.is_set():
                tick(app)
                scheduling.wait(1.0)

        ticker = threading.Thread(target=scheduler, daemon=True)
        ticker.start()
        probe = LagProbe(test_config.DATABASE_URL, shop_id)
        try:
            watch = create_engine(test_config.DATABASE_URL)

            def imported():
                with watch.connect() as conn:
                    return conn.execute(text("SELECT count(*) FROM sync_runs WHERE shop_id = :s AND mode = 'snapshot' "
                                             "AND status = 'succeeded'"), {"s": shop_id}).scalar() == 3

            wait_for(imported, timeout=120, every=0.5, what="the first full imports")
            sandbox.set_faults(error_500_rate=0.05, webhook_drop_rate=0.33)
            probe.start()
            deadline = time.monotonic() + CHURN_SECONDS
            call = 0
            while time.monotonic() < deadline:
                changed_at = time.time()
                changes = sandbox.mutate(shop=info["eshop_id"], orders_created=1, orders_updated=2,
                                         orders_deleted=1 if call % 5 == 0 else 0, customers_updated=1,
                                         products_updated=1 if call % 2 == 0 else 0, stock_moves=2)
                probe.expect(changes["orders_created"] + changes["orders_updated"], changed_at)
                call += 1
                time.sleep(0.5)
            sandbox.reset_faults()

            def settled():
                with watch.connect() as conn:
                    return conn.execute(text("SELECT count(*) FROM sync_runs WHERE shop_id = :s AND status = ANY(:a) "
                                                 "AND mode <> 'job'"),  # syncs, not a feature's nightly job
                                        {"s": shop_id, "a": list(ACTIVE_STATUSES)}).scalar() == 0

            wait_for(settled, timeout=120, every=0.5, what="the syncs to settle")
            scheduling.set()
            ticker.join()
            # One more sync of every stream, after the churn.
            with app.app_context():
                shop = _db.session.get(Shop, shop_id)
                after = datetime.now(UTC) - timedelta(seconds=1)
                for stream in ("orders", "customers", "products", "stock"):
                    request_sync(_db.session, shop, stream)
                    _db.session.commit()  # one mark per transaction, as webhooks do: workers lock these rows too
                _db.session.commit()
            for _ in range(120):
                tick(app)
                with watch.connect() as conn:
                    pending = conn.execute(text(
                        "SELECT count(*) FROM sync_runs WHERE shop_id = :s AND mode = 'changes' "
                        "AND created_at >= :t AND status <> 'succeeded'"), {"s": shop_id, "t": after}).scalar()
                    finished = conn.execute(text("SELECT count(DISTINCT kind) FROM sync_runs WHERE shop_id = :s "
                                                 "AND mode = 'changes' AND created_at >= :t AND status = 'succeeded'"),
                                            {"s": shop_id, "t": after}).scalar()
                if pending == 0 and finished == 4:
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("the final syncs did not finish")
            probe.stop.set()
            probe.join()
            watch.dispose()
            with app.app_context():
                shop = _db.session.get(Shop, shop_id)
                with client_for_shop(shop) as client:
                    report = _compare(app, shop_id, client)
        finally:
            scheduling.set()
            probe.stop.set()
            for worker in workers:
                stop_worker(worker)

        lags = sorted(probe.lags)
        print(f"\nconvergence: {call} churn calls over {CHURN_SECONDS:.0f} s; order changes seen {len(lags)}, "
              f"never seen {len(probe.pending)}; lag median {statistics.median(lags):.2f} s, "
              f"p95 {lags[int(len(lags) * 0.95) - 1]:.2f} s, worst {lags[-1]:.2f} s")
        for kind, result in report.items():
            print(f"  {kind}: missing {len(result['missing'])}, extra {len(result['extra'])}, "
                  f"different {len(result['different'])}")
        assert report == {kind: {"missing": [], "extra": [], "different": []} for kind in report}, report
        with app.app_context():
            runs = _db.session.execute(select(SyncRun.status).where(SyncRun.shop_id == shop_id)).scalars().all()
        assert "failed" not in runs
        assert httpx.get(f"{live_server}/login").status_code == 200
