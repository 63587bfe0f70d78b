"""Customer analytics at size: the full refresh per shop (time and peak memory), the co-purchase step, and
the customers pages with the new filters and sorts (server time p95).

    python -m bench.analytics_bench [--orders 1400000] [--customers 661000] [--shops 3]

Data is made in SQL (generate_series), not through the importer: this measures analytics, not imports.
Per shop: customers, orders of registered customers drawn with heterogeneous rates (a Gamma-like skew)
and 25 % guest orders, over five years; ~5.7 product lines per order from a skewed catalogue.

The refresh is measured twice: first (every customer row gets its values: `--reuse` clears the last run's),
then the next night's (one order a day later moves every customer's window; only the rows whose shown
values changed are rewritten).

Printed as ratios against limits: the refresh against the issue's 5 minutes (all shops) and against the
same machine's floor (one plain aggregate pass over the same orders, measured in this run); memory as peak
RSS growth per shop (flat: not growing with the shop's customers past the numpy arrays); pages against
100 ms p95.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

from bench.databases import bench_database_url, recreate_database

CUSTOMERS_SQL = """
INSERT INTO customers (shop_id, guid, email, full_name, creation_time, content_hash, raw)
SELECT :shop, md5(:shop || '-' || i), 'c' || i || '-' || :shop || '@example.com', 'Customer ' || i,
       timestamptz '2021-01-01' + (i::float8 / :n) * interval '1800 days', '\\x00', '{}'
FROM generate_series(1, :n) AS i
"""

# A registered order's customer: i^2-skewed (heterogeneous rates); a guest order has none.
ORDERS_SQL = """
INSERT INTO orders (shop_id, code, creation_time, status, customer_guid, email, currency, exchange_rate,
                    total_with_vat, item_count, content_hash, raw)
SELECT :shop, 'B' || :shop || '-' || j, t, CASE WHEN j % 29 = 0 THEN 'cancelled' ELSE 'completed' END,
       CASE WHEN g THEN NULL ELSE md5(:shop || '-' || c) END, 'c' || c || '-' || :shop || '@example.com', 'CZK', 1,
       round((200 + 1800 * random())::numeric, 2), 6, '\\x00', '{}'
FROM (SELECT j, random() < 0.25 AS g,
             1 + floor(:n * power(random(), 2))::int AS c,
             timestamptz '2021-01-01' + random() * interval '1825 days' AS t
      FROM generate_series(1, :m) AS j) s
"""

ITEMS_SQL = """
INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, product_guid, name,
                         amount, total_with_vat, raw)
SELECT o.shop_id, o.id, o.creation_time, k, k, 'product', 'p' || p, 'Product ' || p, 1, 100, '{}'
FROM orders o CROSS JOIN LATERAL (
    SELECT k, 1 + floor(1500 * power(random(), 3) + o.id * 0)::int AS p FROM generate_series(1, 1 + (o.id % 10)) k
) i
WHERE o.shop_id = :shop
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_400_000)
    parser.add_argument("--customers", type=int, default=661_000)
    parser.add_argument("--shops", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run (same sizes)")
    args = parser.parse_args(argv)

    import os

    url = bench_database_url("analytics_bench")
    if not args.reuse:
        recreate_database(url)
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.imports.partitions import ensure_months, month_start

    app = create_app()
    with app.app_context():
        upgrade()
        from app.orgs.models import Role
        from app.shops.models import Shop
        from tests.factories import make_member, make_org, make_shop

        if args.reuse:
            shops = list(db.session.query(Shop).order_by(Shop.id))
            # the last run's analytics cleared: the refresh measured is a first one (every customer row changes)
            db.session.execute(text("DELETE FROM customer_analytics"))
            db.session.execute(text("DELETE FROM customer_analytics_fits"))
            db.session.execute(text("UPDATE customers SET segment = NULL, p_active = NULL, clv = NULL"))
            db.session.commit()
        else:
            org = make_org(db.session, "Bench")
            make_member(db.session, org, Role.owner, "bench@example.com")
            shops = [make_shop(db.session, org, f"Shop {k}") for k in range(args.shops)]
            db.session.commit()
            from datetime import date

            months = set()
            day = date(2021, 1, 1)
            while day <= date(2026, 2, 1):
                months.add(month_start(day))
                day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            ensure_months(db.session.connection(), months)
            db.session.commit()
            started = time.monotonic()
            n, m = args.customers // args.shops, args.orders // args.shops
            for shop in shops:
                db.session.execute(text(CUSTOMERS_SQL), {"shop": shop.id, "n": n})
                db.session.execute(text(ORDERS_SQL), {"shop": shop.id, "n": n, "m": m})
                db.session.execute(text(ITEMS_SQL), {"shop": shop.id})
                db.session.commit()
                print(f"data: shop {shop.id} made, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            # (customer metrics are not refreshed: analytics reads orders, and the pages sort by its own columns)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            items = db.session.execute(text("SELECT count(*) FROM order_items")).scalar_one()
            print(f"floor pass next; data: {args.customers} customers, {args.orders} orders, {items} items in "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr)

        # the floor: one plain aggregate pass over the same orders per shop
        floor_started = time.monotonic()
        for shop in shops:
            db.session.execute(text("""SELECT count(*) FROM (SELECT customer_guid, count(*), sum(total_with_vat),
                min(creation_time), max(creation_time) FROM orders WHERE shop_id = :s AND customer_guid IS NOT NULL
                GROUP BY customer_guid) t"""), {"s": shop.id}).scalar_one()
        floor = time.monotonic() - floor_started
        db.session.commit()

        from app.analytics import copurchase
        from app.analytics.models import AnalyticsFit
        from app.sync.runner import job_now

        refresh_seconds, rss = [], []
        phases: dict[str, float] = {}  # the refresh's phases (app/analytics/refresh.py), summed over shops
        before = rss_mb()
        for shop in shops:
            shop_started = time.monotonic()
            stats = job_now(db.session, shop, "customer_analytics")
            for name, seconds in stats.get("phases", {}).items():
                phases[name] = phases.get(name, 0.0) + seconds
            db.session.commit()
            refresh_seconds.append(time.monotonic() - shop_started)
            rss.append(rss_mb())
            print(f"refresh: shop {shop.id} in {refresh_seconds[-1]:.1f} s, peak RSS {rss[-1]:.0f} MB "
                  f"(stats {db.session.get(AnalyticsFit, shop.id).seconds:.1f} s)", flush=True)
        # the next night: one more order a day after each shop's latest moves every customer's window by a day
        nightly, nightly_phases = [], {}
        for shop in shops:
            db.session.execute(text("""
                INSERT INTO orders (shop_id, code, creation_time, status, customer_guid, email, currency,
                                    exchange_rate, total_with_vat, item_count, content_hash, raw)
                SELECT :shop, 'N' || :shop || '-' || extract(epoch FROM now())::bigint,
                       max(creation_time) + interval '1 day', 'completed', NULL, NULL, 'CZK', 1, 100, 0, '\\x00',
                       '{}' FROM orders WHERE shop_id = :shop"""), {"shop": shop.id})
            db.session.commit()
            shop_started = time.monotonic()
            stats = job_now(db.session, shop, "customer_analytics")
            for name, seconds in stats.get("phases", {}).items():
                nightly_phases[name] = nightly_phases.get(name, 0.0) + seconds
            db.session.commit()
            nightly.append(time.monotonic() - shop_started)
            print(f"nightly refresh: shop {shop.id} in {nightly[-1]:.1f} s", flush=True)
        db.session.execute(text("ANALYZE customers"))  # what autovacuum does after the refresh's updates
        db.session.commit()
        pairs_started = time.monotonic()
        pairs = copurchase.refresh_pairs(db.session, shops[0])
        db.session.rollback()
        pairs_seconds = time.monotonic() - pairs_started
        fits = [db.session.get(AnalyticsFit, shop.id) for shop in shops]

    # pages: server time of the customers table with the new filters and sorts
    client = app.test_client()
    from tests.factories import login

    login(client, "bench@example.com")
    urls = ["/customers?sort=clv", "/customers?segment=champions&sort=clv", "/customers?sort=p_active",
            "/customers?segment=at_risk&p_active_min=0.5", "/customers?clv_min=1000&sort=clv",
            # filters the sort's index does not lead with (rare rows far along it: app/tables/queries.py)
            "/customers?clv_min=1000", "/customers?segment=cant_lose&sort=last_order",
            f"/customers?shop={shops[0].id}&segment=lost&sort=clv&cols=name&cols=segment&cols=p_active&cols=clv"]
    timings: dict[str, list[float]] = {u: [] for u in urls}
    for u in urls:  # warm-up: templates compiled, filter choices cached, pages in PostgreSQL's buffers
        client.get(u)
    for _ in range(max(1, args.requests // len(urls))):
        for u in urls:
            t = time.perf_counter()
            response = client.get(u)
            timings[u].append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (u, response.status_code)
    total = sum(refresh_seconds)
    print(f"refresh: {total:.1f} s for {args.shops} shops ({', '.join(f'{s:.1f}' for s in refresh_seconds)}); "
          f"ratio to the 300 s target {total / 300:.2f}; ratio to the plain aggregate pass ({floor:.1f} s) "
          f"{total / max(floor, 0.001):.1f}")
    print(f"nightly refresh (a day later): {sum(nightly):.1f} s; ratio to the 300 s target {sum(nightly) / 300:.2f}")
    for title, measured, whole in (("first", phases, total), ("nightly", nightly_phases, sum(nightly))):
        print(f"{title} refresh phases (all shops, share of the refresh): " + ", ".join(
            f"{name} {seconds:.1f} s ({seconds / max(whole, 0.001):.0%})"
            for name, seconds in sorted(measured.items(), key=lambda item: -item[1])))
    print(f"memory: peak RSS {before:.0f} MB before, after each shop {', '.join(f'{r:.0f}' for r in rss)} MB "
          f"(growth {rss[-1] - before:.0f} MB for {args.customers // args.shops} customers per shop)")
    print(f"co-purchase: {pairs} directed pairs of shop 1 in {pairs_seconds:.1f} s "
          f"({args.orders // args.shops} orders)")
    for u, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(f"page p95 {p95:7.1f} ms (ratio to 100 ms {p95 / 100:.2f})  {u}")
    for fit in fits:
        h = fit.holdout
        print(f"shop {fit.shop_id}: {fit.customers} customers; holdout predicted {h.get('predicted_orders')} "
              f"actual {h.get('actual_orders')} (synthetic data, not BG/NBD: no accuracy claim)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
