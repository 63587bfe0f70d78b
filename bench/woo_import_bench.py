"""A full import of a WooCommerce store's orders into the hub, against a client that only parses the same pages.

    python -m bench.woo_import_bench --orders 200000        # make bench-woo WOO_ORDERS=200000

1. Starts `python -m sandbox.woocommerce` with N orders (HTTPS, Basic auth: as a production store) and waits
   until its order index is built.
2. In a fresh database `<hub database>_woobench` at the migrations' head, each in its own process (peak RSS
   is that step's alone):
   - limit: a bare `httpx.Client` asks every page of `/orders` by modification date (`per_page=100`, pages
     1..ceil(total/100)) and parses each with orjson, nothing else: the floor for fetching the store's
     orders on this machine (the store's own time included, as for the hub);
   - hub: `flask hub sync --kind orders --full`'s path (`sync_now`): the run ledger, the channel's walk by
     modification date with its checkpoint, mapping, staging COPY, upsert, items, partitions, metrics.
3. Prints orders/s of both, the ratio hub/limit, the requests the hub's import made against the minimum
   ceil(total/100) (paging is the API's cost), and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

from bench.databases import bench_database_url, recreate_database
from sandbox.woocommerce.testing import run_woo_sandbox

ORDERS_ROUTE = "GET /wp-json/wc/v3/orders 200"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_limit(store: dict) -> dict:
    import ssl

    import httpx
    import orjson

    context = ssl.create_default_context(cafile=store["ca_file"])
    started = time.monotonic()
    orders = pages = 0
    with httpx.Client(verify=context, timeout=600.0, trust_env=False,
                      auth=(store["consumer_key"], store["consumer_secret"])) as http:
        url = store["https_url"] + store["api_path"] + "/orders"
        page, last = 1, 1
        while page <= last:
            response = http.get(url, params={"orderby": "modified", "order": "asc", "dates_are_gmt": "true",
                                             "per_page": 100, "page": page})
            response.raise_for_status()
            orders += len(orjson.loads(response.content))
            last = int(response.headers["X-WP-TotalPages"])
            pages += 1
            page += 1
    return {"seconds": time.monotonic() - started, "orders": orders, "requests": pages, "peak_rss_mb": peak_rss_mb()}


def step_hub(store: dict) -> dict:
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.orders.models import OrderItem
    from app.orgs.services import create_organization
    from app.shops.services import add_shop
    from app.sync.runner import sync_now

    app = create_app()
    with app.app_context():
        shop = add_shop(db.session, create_organization(db.session, "Woo bench").id, name="Woo bench",
                        platform="woocommerce", url=store["https_url"], consumer_key=store["consumer_key"],
                        consumer_secret=store["consumer_secret"], currency=store["currency"])
        db.session.commit()
        started = time.monotonic()
        counts = sync_now(db.session, shop, "orders", full=True)
        seconds = time.monotonic() - started
        items = db.session.execute(select(func.count()).select_from(OrderItem)).scalar_one()
    return {"seconds": seconds, **counts, "items": items, "peak_rss_mb": peak_rss_mb()}


STEPS = {"limit": step_limit, "hub": step_hub}


def run_step(name: str, store, database_url: str) -> dict:
    before = store.state()["requests"].get(ORDERS_ROUTE, 0)
    env = dict(os.environ, DATABASE_URL=database_url, HUB_ENV="development", WOOCOMMERCE_CA_FILE=store.ca_file)
    done = subprocess.run([sys.executable, "-m", "bench.woo_import_bench", "--step", name,
                           json.dumps(store.description)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["store_requests"] = store.state()["requests"].get(ORDERS_ROUTE, 0) - before
    print(f"  step {name}: {json.dumps(result)}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("store", nargs="?", help="(a step's) the store's JSON description")
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step](json.loads(args.store))))
        return 0
    database_url = bench_database_url("woobench")
    recreate_database(database_url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   env=dict(os.environ, DATABASE_URL=database_url), check=True, capture_output=True)
    with run_woo_sandbox(seed=args.seed, orders=args.orders) as store:
        started = time.monotonic()
        import httpx

        with httpx.Client(verify=store.tls_context(), timeout=600.0, trust_env=False,
                          auth=(store.consumer_key, store.consumer_secret)) as warm:
            total = int(warm.get(store.api_url("/orders", tls=True), params={"per_page": 1}).headers["X-WP-Total"])
        print(f"store: {args.orders:,} orders ({total:,} listed by status=any), index ready in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        limit = run_step("limit", store, database_url)
        hub = run_step("hub", store, database_url)
    minimum = math.ceil(total / 100)
    ratio = hub["seconds"] / limit["seconds"]
    print(f"\nfull import of {total:,} WooCommerce orders ({hub['items']:,} items)")
    print(f"  limit (GET + parse every page)   : {limit['seconds']:8.1f} s  {limit['orders'] / limit['seconds']:9,.0f} "
          f"orders/s  {limit['store_requests']} requests  peak RSS {limit['peak_rss_mb']:6.0f} MB")
    print(f"  hub   (sync --kind orders --full): {hub['seconds']:8.1f} s  {hub['inserted'] / hub['seconds']:9,.0f} "
          f"orders/s  {hub['store_requests']} requests  peak RSS {hub['peak_rss_mb']:6.0f} MB")
    print(f"  ratio hub/limit {ratio:.2f}; requests {hub['store_requests']} against the minimum {minimum} "
          f"(ceil(total/100)): {hub['store_requests'] / minimum:.3f}; orders imported {hub['inserted']:,} of "
          f"{total:,}")
    return 0 if hub["inserted"] == total and limit["orders"] == total else 1


if __name__ == "__main__":
    sys.exit(main())
