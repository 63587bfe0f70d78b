"""What the convergence tests share: the hub kept current by real workers and a scheduler thread, waits on the
ledger that print what kept the hub busy when they time out, lag probes, phase times and row comparisons.

Used by tests/sync/test_convergence.py (Shoptet), tests/channels/test_woo_convergence.py (WooCommerce and
Shoptet) and tests/master/test_convergence.py (the master shop).
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, text

from app.extensions import db as _db
from app.shops.models import Shop
from app.sync.incremental import request_sync
from tests.imports.processes import start_worker, stop_worker, wait_for, worker_env
from workers.scheduler import tick

QUEUES = ("snapshots", "orders", "customers", "catalog", "default")
POLL_SECONDS = 0.2  # how often a wait looks at the ledger: a query on an index, cheap beside a sync
TICK_SECONDS = 1.0  # the scheduler thread's pass (production: 5 s)


class Hub:
    """Worker processes and a scheduler thread keeping the hub current; a connection of its own to watch it."""

    def __init__(self, app, database_url: str):
        self.app = app
        self.watch = create_engine(database_url)
        self.workers: list = []
        self.probes: list[LagProbe] = []
        self.scheduling = threading.Event()
        self.ticker = threading.Thread(target=self._schedule, daemon=True)

    def _schedule(self) -> None:
        while not self.scheduling.is_set():
            tick(self.app)
            self.scheduling.wait(TICK_SECONDS)

    def scalar(self, sql: str, **params):
        with self.watch.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def waiting(self, predicate: Callable[[], object], timeout: float, what: str, every: float = POLL_SECONDS):
        """wait_for, and on a timeout the latest runs, to see what kept the hub busy."""
        try:
            return wait_for(predicate, timeout=timeout, every=every, what=what)
        except AssertionError:
            with self.watch.connect() as conn:
                for row in conn.execute(text("SELECT id, shop_id, kind, mode, status, attempt, created_at, "
                                             "error, stats FROM sync_runs ORDER BY id DESC LIMIT 40")):
                    print(row)
            raise

    def watching(self, probe: LagProbe) -> LagProbe:
        """Start a lag probe; it is stopped with the hub if the test does not stop it first."""
        self.probes.append(probe)
        probe.start()
        return probe

    def stop_scheduler(self) -> None:
        self.scheduling.set()
        if self.ticker.is_alive():
            self.ticker.join()

    def close(self) -> None:
        self.scheduling.set()
        for probe in self.probes:
            probe.stop.set()
        for worker in self.workers:
            stop_worker(worker)
        if self.ticker.is_alive():
            self.ticker.join()
        for probe in self.probes:
            probe.join()
        self.watch.dispose()


@contextlib.contextmanager
def running_hub(app, test_config, queues: Iterable[str] = QUEUES, workers: int = 2) -> Iterator[Hub]:
    """Two worker processes (200-row batches, 10 s leases) and the scheduler thread, all stopped on exit."""
    hub = Hub(app, test_config.DATABASE_URL)
    try:
        env = worker_env(test_config, HUB_IMPORT_BATCH_SIZE=200, HUB_LEASE_SECONDS=10)
        hub.workers = [start_worker(env, *queues) for _ in range(workers)]
        hub.ticker.start()
        yield hub
    finally:
        hub.close()


def connect_sandbox_shop(session, org_id: int, sandbox, info: dict, live_server: str,
                         interval_minutes: int | None = 1) -> Shop:
    """A sandbox Shoptet shop connected by its private token, its webhooks pointing at the live server, and
    (unless None) a short sync interval, so the scheduler's reconcile takes part."""
    from app.channels.shoptet.api import client_for_shop
    from app.channels.shoptet.webhooks import register
    from app.settings.cache import settings_cache
    from app.settings.services import update_settings
    from app.shops.services import add_shop

    shop = add_shop(session, org_id, name=info["name"], eshop_id=info["eshop_id"],
                    private_token=info["private_token"], api_url=sandbox.base_url,
                    languages=info["default_language"])
    session.commit()
    with client_for_shop(shop) as client:
        register(client, shop, f"{live_server}/webhooks/shoptet/{shop.id}")
    if interval_minutes is not None:
        update_settings(session, settings_cache(), org_id, {"sync_interval_minutes": str(interval_minutes)},
                        shop_id=shop.id)
    return shop


def request_final_syncs(app, shop_ids: Iterable[int], streams: Iterable[str]) -> datetime:
    """One more sync of every stream of the shops, after the churn; returns a time before the runs it starts."""
    after = datetime.now(UTC) - timedelta(seconds=1)
    with app.app_context():
        for shop_id in shop_ids:
            shop = _db.session.get(Shop, shop_id)
            for stream in streams:
                request_sync(_db.session, shop, stream)
                _db.session.commit()  # one mark per transaction, as webhooks do: workers lock these rows too
        _db.session.commit()
    return after


class LagProbe(threading.Thread):
    """Watches the hub for awaited keys and records how long after its change each one arrived.

    A subclass says where a key arrives (`arrivals`: key and epoch seconds of what the hub holds) and whether
    that is the awaited change (`arrived`).
    """

    keep_first = False  # a key changed again before it arrived: measure from the first change, or the last

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(database_url)
        self.pending: dict[str, float] = {}
        self.lags: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def expect(self, keys: Iterable[str], changed_at: float) -> None:
        with self.lock:
            for key in keys:
                if self.keep_first:
                    self.pending.setdefault(key, changed_at)
                else:
                    self.pending[key] = changed_at

    def forget(self, keys: Iterable[str]) -> None:
        """Keys whose awaited change can no longer arrive (the record was deleted for good before the hub read
        it): not waited for."""
        with self.lock:
            for key in keys:
                self.pending.pop(key, None)

    def arrivals(self, conn, keys: list[str]) -> list:
        raise NotImplementedError

    def arrived(self, at: float, changed_at: float) -> bool:
        raise NotImplementedError

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                waiting = dict(self.pending)
            if waiting:
                with self.engine.connect() as conn:
                    rows = self.arrivals(conn, list(waiting))
                now = time.time()
                with self.lock:
                    for key, at in rows:
                        started = self.pending.get(key)
                        if started is not None and self.arrived(float(at), started):
                            self.lags.append(now - started)
                            del self.pending[key]
            time.sleep(0.1)
        self.engine.dispose()

    def finish(self) -> None:
        self.stop.set()
        self.join()

    def summary(self) -> str:
        lags = sorted(self.lags) or [float("nan")]
        return (f"lag p50 {statistics.median(lags):.2f} s, p95 {lags[max(0, int(len(lags) * 0.95) - 1)]:.2f} s, "
                f"worst {lags[-1]:.2f} s")


class OrderLagProbe(LagProbe):
    """From an order's change in the shop to the hub holding that change (its change time, to the second)."""

    def __init__(self, database_url: str, shop_id: int):
        super().__init__(database_url)
        self.shop_id = shop_id

    def arrivals(self, conn, keys):
        return conn.execute(text(
            "SELECT code, extract(epoch FROM coalesce(change_time, creation_time)) FROM orders "
            "WHERE shop_id = :s AND code = ANY(:codes)"), {"s": self.shop_id, "codes": keys}).all()

    def arrived(self, at, changed_at):
        return at >= int(changed_at) - 1


class Phases:
    """Seconds each phase of a long test took, printed as it goes (where the time goes, on any machine)."""

    def __init__(self, name: str):
        self.name = name
        self.started = self.last = time.monotonic()
        self.times: list[tuple[str, float]] = []

    def done(self, phase: str) -> None:
        now = time.monotonic()
        self.times.append((phase, now - self.last))
        self.last = now

    def summary(self) -> str:
        return (f"{self.name} phases: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.times)
                + f"; total {self.last - self.started:.1f} s")


def differences(ours: dict, theirs: dict, same: Callable[[object, object], bool]) -> dict:
    """Keys missing from the hub, extra in it, and present in both but different."""
    different = [key for key in set(ours) & set(theirs) if not same(ours[key], theirs[key])]
    return {"missing": sorted(set(theirs) - set(ours)), "extra": sorted(set(ours) - set(theirs)),
            "different": sorted(different)}


def print_report(name: str, report: dict) -> None:
    for kind, result in report.items():
        print(f"  {name}{kind}: missing {len(result['missing'])}, extra {len(result['extra'])}, "
              f"different {len(result['different'])}")


def equal(report: dict) -> bool:
    return report == {kind: {"missing": [], "extra": [], "different": []} for kind in report}


def _sandbox_snapshot(client, kind, **options):
    return {line.data["code" if kind == "orders" else "guid"]: line.data
            for line in client.snapshot(kind, wait={"first_poll_after": 0.3, "timeout": 60}, **options)}


def compare_shoptet(app, shop_id, client) -> dict:
    """Missing, extra and different rows per kind, hub against the Shoptet sandbox shop."""
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
    report = {}
    report["orders"] = differences(orders, _sandbox_snapshot(client, "orders"), lambda o, u: (
        o.status_id == u["status"]["id"] and o.paid == u["paid"]
        and o.change_time == datetime.fromisoformat(u["changeTime"])
        and o.total_with_vat == Decimal(u["price"]["withVat"]) and o.item_count == len(u["items"])))
    report["customers"] = differences(customers, _sandbox_snapshot(client, "customers"), lambda c, u: (
        c.change_time == datetime.fromisoformat(u["changeTime"]) and c.raw["accounts"] == u["accounts"]))
    report["products"] = differences(
        products, _sandbox_snapshot(client, "products", include=["perStockAmounts"]), lambda p, u: (
            p.name == u["name"] and p.change_time == datetime.fromisoformat(u["changeTime"])))
    supplies = {}
    for stock_id in [s["id"] for s in client.list_stocks()]:
        for supply in client.iter_supplies(stock_id):
            supplies[(stock_id, supply["code"])] = Decimal(supply["amount"])
    report["stock"] = differences(stock, supplies, lambda ours, theirs: ours == theirs)
    return report
