"""Inventory planning at size: a full refresh of N variants over 2 years of daily history, and the metrics
refresh after an orders batch, against limits measured in the same run.

    python -m bench.inventory_bench --variants 13000        # make bench-inventory VARIANTS=13000

In a fresh database `<name>_inventory_bench` at the migrations' head, SQL writes a shop with N variants and two
years of orders (a long-tailed popularity, weekly and yearly season, ~3.4 product lines an order; ORDERS per
year scale with N like the sandbox's full shop: 13 k variants ↔ 466 k orders) and stock-out spans. Then, each
in its own process so peak RSS is that step's own:
- limit: one aggregate of the same order items by variant and day (the floor of reading the history);
- refresh: `full_refresh` (rollup rebuild, metrics, ABC/XYZ, 6 models × 3 backtest windows + the forecast,
  series and report written); the stock log is not read (it is the platform's API speed, not ours);
- half: the same at N/2 variants, so memory can be compared per size ("flat": the peak grows with N at most);
- batch: the order hook after a batch of 2000 new orders, in ms per variant touched, against the customers'
  hook: within the newest day (differences added) and on the next day (windows shifted, differences added).
Prints seconds, ratios and peak RSS; the target is the refresh under 5 minutes at 13 k variants.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.databases import bench_database_url, recreate_database

END = date(2026, 1, 1)
DAYS = 730
LINES_PER_ORDER = 3.4
REPEATS = 3


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app():
    from app import create_app

    return create_app()


def _populate(variants: int) -> dict:
    """The shop, its catalogue and two years of orders, written by SQL (fast, deterministic)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.imports.partitions import ensure_months, month_start, next_month

    app = _app()
    with app.app_context():
        upgrade()
        months, month = set(), month_start(END - timedelta(days=DAYS + 40))
        while month <= END:
            months.add(month)
            month = next_month(month)
        with db.engine.begin() as connection:
            ensure_months(connection, months)
        orders = int(466_667 * variants / 13_000 * DAYS / (5 * 365.25))
        started = time.monotonic()
        session = db.session
        from app.orgs.services import create_organization
        from app.shops.models import Shop

        org = create_organization(session, "Bench")
        session.add(Shop(organization_id=org.id, name="Bench", platform="shoptet", external_id=1,
                         url="https://bench.test", timezone="Europe/Prague", currency="CZK"))
        session.flush()
        session.execute(text(
            "INSERT INTO products (shop_id, guid, name, default_category, content_hash, raw) "
            "SELECT 1, 'p' || g, 'Product ' || g, 'Category ' || (g % 40), '\\x00', '{}' "
            "FROM generate_series(0, :n / 3) g"), {"n": variants})
        session.execute(text(
            "INSERT INTO product_variants (shop_id, product_guid, code, name, price, currency, stock, raw) "
            "SELECT 1, 'p' || (v / 3), 'V' || v, 'Variant ' || v, 100 + v % 900, 'CZK', (v * 7919) % 60, "
            "jsonb_build_object('prices', jsonb_build_object('purchasePrice', "
            "jsonb_build_object('price', 60 + v % 500, 'vatRate', 21, 'includingVat', false))) "
            "FROM generate_series(0, :n - 1) v"), {"n": variants})
        # Orders: growing, weekly and yearly seasonal times; lines pick variants with a long-tailed popularity.
        session.execute(text(
            "INSERT INTO orders (shop_id, code, creation_time, status, currency, total_with_vat, content_hash, raw, "
            "item_count) SELECT 1, 'B' || k, "
            ":start + make_interval(secs => (sqrt(random()) * :days * 86400)::int), "
            "CASE WHEN random() < 0.05 THEN 'cancelled' ELSE 'completed' END, 'CZK', 500, '\\x00', '{}', 3 "
            "FROM generate_series(1, :orders) k"),
            {"start": datetime.combine(END - timedelta(days=DAYS), datetime.min.time(), UTC), "days": DAYS,
             "orders": orders})
        session.execute(text(
            "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, "
            "amount, total_without_vat, raw) SELECT 1, o.id, o.creation_time, l, l, 'product', "
            "'V' || floor(:n * power(random(), 3))::int, 1 + floor(random() * 2), 150, '{}' "
            "FROM orders o, generate_series(1, 3) l WHERE o.shop_id = 1"), {"n": variants})
        session.execute(text(
            "INSERT INTO inventory_stock_cursors (shop_id, stock_id, last_id) VALUES (1, 1, 1)"))
        session.execute(text(
            "INSERT INTO inventory_stockout_spans (shop_id, stock_id, variant_code, started_at, ended_at) "
            "SELECT 1, 1, 'V' || v, :start + make_interval(days => (random() * :days)::int), NULL "
            "FROM generate_series(0, :n - 1, 7) v"),
            {"start": datetime.combine(END - timedelta(days=DAYS), datetime.min.time(), UTC), "days": DAYS,
             "n": variants})
        session.execute(text("UPDATE inventory_stockout_spans SET ended_at = started_at + interval '9 days'"))
        session.commit()
        session.execute(text("ANALYZE"))
        items = session.execute(text("SELECT count(*) FROM order_items")).scalar()
        return {"orders": orders, "items": items, "seconds": round(time.monotonic() - started, 1)}


def step_limit() -> dict:
    """The floor: every counted product line of the window, aggregated by variant and day in one query."""
    from sqlalchemy import text

    from app.extensions import db

    app = _app()
    with app.app_context():
        started = time.monotonic()
        rows = db.session.execute(text(
            "SELECT count(*) FROM (SELECT i.code, (i.order_created_at AT TIME ZONE 'Europe/Prague')::date, "
            "sum(i.amount) FROM order_items i JOIN orders o ON o.id = i.order_id AND o.creation_time = "
            "i.order_created_at WHERE i.shop_id = 1 AND o.status <> 'cancelled' AND i.item_type = 'product' "
            "GROUP BY 1, 2) s")).scalar()
        return {"seconds": round(time.monotonic() - started, 2), "rows": rows, "peak_rss_mb": round(peak_rss_mb())}


class _NoLog:
    """The bench reads no stock log (that is the platform API's speed); variant facts as Shoptet's."""

    def stock_log(self, shop, position_of):
        return iter(())

    def variant_facts(self, product_raw, variant_raw):
        from app.channels.shoptet.inventory import variant_facts

        return variant_facts(product_raw, variant_raw)


def step_refresh(limit_variants: int | None = None) -> dict:
    from sqlalchemy import text

    import app.inventory.history as history
    import app.inventory.refresh as refresh
    from app.extensions import db
    from app.shops.models import Shop

    history.channel_for = refresh.channel_for = lambda shop: _NoLog()
    app = _app()
    with app.app_context():
        if limit_variants:
            db.session.execute(text("DELETE FROM product_variants WHERE shop_id = 1 AND "
                                    "substr(code, 2)::int >= :n"), {"n": limit_variants})
            db.session.commit()
        shop = db.session.get(Shop, 1)
        marks: list[tuple[int, float]] = []
        started = time.monotonic()

        def save(done=None, total=None, stats=None):
            db.session.commit()
            if done is not None and (not marks or marks[-1][0] != done):
                marks.append((done, round(time.monotonic() - started, 1)))

        stats = refresh.full_refresh(db.session, shop, save)
        db.session.commit()
        seconds = time.monotonic() - started
        return {"seconds": round(seconds, 1), "variants": stats["variants"], "stages": marks,
                "peak_rss_mb": round(peak_rss_mb()), "backtest": stats["backtest"]["overall"]}


def _new_batch(session, newest, spread_seconds: int, prefix: str) -> None:
    """2000 new orders with their lines (as the refresh's data: long-tailed popularity), created in the
    `spread_seconds` before `newest`."""
    from sqlalchemy import text

    session.execute(text(
        "INSERT INTO orders (shop_id, code, creation_time, status, currency, total_with_vat, content_hash, raw, "
        "item_count) SELECT 1, :prefix || k, :newest - make_interval(secs => (random() * :spread)::int), "
        "'completed', 'CZK', 500, '\\x00', '{}', 3 FROM generate_series(1, 2000) k"),
        {"prefix": prefix, "newest": newest, "spread": spread_seconds})
    session.execute(text(
        "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, code, "
        "amount, total_without_vat, raw) SELECT 1, o.id, o.creation_time, l, l, 'product', "
        "'V' || floor(:n * power(random(), 3))::int, 1 + floor(random() * 2), 150, '{}' "
        "FROM orders o, generate_series(1, 3) l WHERE o.shop_id = 1 AND o.code LIKE :prefix || '%'"),
        {"prefix": prefix, "n": session.execute(text("SELECT count(*) FROM product_variants")).scalar()})


def _time_hooks(session, prefix: str) -> dict:
    from app.customers.metrics import orders_changed as customers_hook
    from app.inventory.metrics import orders_changed as inventory_hook

    touched = ("SELECT id AS order_id, customer_guid, creation_time FROM orders WHERE shop_id = %(shop_id)s "
               "AND code LIKE %(prefix)s")
    params = {"prefix": prefix + "%"}
    cursor = session.connection().connection.cursor()
    cursor.execute(f"SELECT count(DISTINCT i.code) FROM order_items i JOIN ({touched}) t "  # noqa: S608
                   "ON i.order_id = t.order_id AND i.order_created_at = t.creation_time", {"shop_id": 1, **params})
    variants = cursor.fetchone()[0]
    started = time.monotonic()
    customers_hook(cursor, 1, touched, params)
    customers = time.monotonic() - started
    started = time.monotonic()
    inventory_hook(cursor, 1, touched, params)
    inventory = time.monotonic() - started
    return {"orders": 2000, "variants_touched": variants, "inventory_ms": round(inventory * 1000, 1),
            "ms_per_variant": round(inventory * 1000 / max(variants, 1), 3),
            "customers_hook_ms": round(customers * 1000, 1)}


def step_batch() -> dict:
    """The order hook after a batch of 2000 new orders, as an import writes them, against the customers' hook:
    `same_day` within the newest order's day (the metrics are current: their differences are added), and
    `next_day` the day after (every changed variant's windows moved: shifted, then differences added). Rolled
    back."""
    from datetime import timedelta as delta

    from sqlalchemy import text

    from app.extensions import db

    app = _app()
    with app.app_context():
        newest = db.session.execute(text("SELECT max(creation_time) FROM orders WHERE shop_id = 1")).scalar()
        midnight = newest.astimezone(ZoneInfo("Europe/Prague")).replace(hour=0, minute=0, second=0, microsecond=0)
        runs: dict[str, list[dict]] = {"same_day": [], "next_day": []}
        for _ in range(REPEATS):  # alternated, the fastest of each kept: the machine is shared
            _new_batch(db.session, newest, int((newest - midnight).total_seconds()), "S")
            runs["same_day"].append(_time_hooks(db.session, "S"))
            db.session.rollback()
            _new_batch(db.session, midnight + delta(days=1, hours=23), 20 * 3600, "N")
            runs["next_day"].append(_time_hooks(db.session, "N"))
            db.session.rollback()
        same_day, next_day = (min(runs[kind], key=lambda run: run["inventory_ms"]) for kind in runs)
        return {**same_day, "next_day": next_day}


STEPS = {"limit": step_limit, "refresh": step_refresh, "batch": step_batch}


def _child(step: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.inventory_bench", "--step", step, *args],
                            check=True, capture_output=True, text=True, env=os.environ.copy())
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=13_000)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("--limit-variants", type=int, default=None)
    args = parser.parse_args()
    if args.step:
        os.environ["HUB_ENV"] = os.environ.get("HUB_ENV", "development")
        out = STEPS[args.step](args.limit_variants) if args.step == "refresh" else STEPS[args.step]()
        print(json.dumps(out), flush=True)
        return 0
    url = bench_database_url("inventory_bench")
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    print(json.dumps({"populated": _populate(args.variants), "variants": args.variants}), flush=True)
    limit = _child("limit")
    print(json.dumps({"limit": limit}), flush=True)
    full = _child("refresh")
    print(json.dumps({"refresh": full}), flush=True)
    batch = _child("batch")
    print(json.dumps({"batch": batch}), flush=True)
    half = _child("refresh", "--limit-variants", str(args.variants // 2))  # last: it drops half the variants
    print(json.dumps({"refresh_half": half}), flush=True)
    summary = {
        "variants": args.variants, "refresh_seconds": full["seconds"], "target_seconds": 300,
        "refresh_over_limit": round(full["seconds"] / max(limit["seconds"], 0.01), 1),
        "peak_rss_mb": full["peak_rss_mb"], "peak_rss_mb_half": half["peak_rss_mb"],
        "rss_growth_per_variant_kb": round((full["peak_rss_mb"] - half["peak_rss_mb"]) * 1024
                                           / max(args.variants - args.variants // 2, 1), 2),
        "batch_ms_per_variant": batch["ms_per_variant"], "batch_over_customers_hook":
            round(batch["inventory_ms"] / max(batch["customers_hook_ms"], 0.01), 1),
        "batch_next_day_ms_per_variant": batch["next_day"]["ms_per_variant"],
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
