"""The master shop's full reconcile: a master of ~13 k variants and 3 followers, against the sandbox.

    python -m bench.master_bench                  # full size: 4,500 products a shop (~13 k variants)
    python -m bench.master_bench --products 100   # small, while developing (make bench-master PRODUCTS=100)

1. Data: a sandbox of 4 shops of one merchant (limits off: no rate bucket, many requests in flight), each
   shop's products imported into `<name>_master_bench` through the hub's importer (snapshots).
2. Reconcile: every follower follows the master with a reserve of 1 (so nearly every paired variant differs)
   and takes its prices × 1.1 (price_rule rate, converted and rounded its way), applied through
   `apply_follower` (pairing, plan, pushes in batches of 300, each committed). Printed: hub time (wall time
   less the time spent waiting on the sandbox's answers), its share of the wall time, and the stock and price
   API writes spent against the minimum the batch size allows (ceil(changes / 300) a follower and kind): the
   ratio's limit is 1.00 (reads besides: one `/api/eshop` a follower for its default price list).
3. A second reconcile with nothing changed: it must spend no write call.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

from bench.databases import bench_database_url, recreate_database

SHOPS = 4  # the master and 3 followers
BATCH = 300


def _write_calls(state: dict, marker: str) -> int:
    return sum(sum(counts.values()) for route, counts in state["requests"]["by_route"].items()
               if marker in route and "PATCH" in route.upper())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=4500)
    args = parser.parse_args()
    from sandbox.testing import run_sandbox

    database = bench_database_url("master_bench")
    recreate_database(database)
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("HUB_ENV", "development")
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=dict(os.environ),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from app import create_app

    app = create_app()
    with run_sandbox(seed=17, shops=SHOPS, orders=20, customers=10, products=args.products, bucket_size=1e9,
                     bucket_leak=1e9, max_in_flight=64) as sandbox, app.app_context():
        from sqlalchemy import func, select

        from app.catalog.models import ProductVariant
        from app.channels.shoptet.writes import ShoptetWriter
        from app.extensions import db
        from app.master.propagation import apply_follower
        from app.orgs.services import create_organization
        from app.settings.cache import settings_cache
        from app.settings.services import update_settings
        from app.shops.services import add_shop
        from app.sync import ledger
        from app.sync.runner import execute_run

        session = db.session
        org = create_organization(session, "Master bench")
        shops = []
        started = time.monotonic()
        for info in sandbox.shops:
            shop = add_shop(session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                            private_token=info["private_token"], api_url=sandbox.base_url,
                            languages=",".join(info["languages"]))
            run, _ = ledger.trigger(session, shop, "products", mode="snapshot")
            session.commit()
            outcome = execute_run(session, run.id)
            assert outcome.status == "succeeded", outcome.error
            shops.append(shop)
        variants = session.execute(select(func.count()).where(ProductVariant.shop_id == shops[0].id)).scalar()
        print(f"data: {len(shops)} shops imported in {time.monotonic() - started:.1f} s; "
              f"master variants: {variants}", file=sys.stderr)
        master, followers = shops[0], shops[1:]
        update_settings(session, settings_cache(), org.id, {"master_shop": master.id})
        for follower in followers:
            update_settings(session, settings_cache(), org.id, {"stock_rule": "follow", "stock_reserve": 1,
                                                                "price_rule": "rate", "price_rate": "1.1"},
                            shop_id=follower.id)
        session.commit()

        waiting = [0.0]

        def timed(original):
            def call(self, *args):
                begun = time.monotonic()
                try:
                    return original(self, *args)
                finally:
                    waiting[0] += time.monotonic() - begun
            return call

        ShoptetWriter.set_stock = timed(ShoptetWriter.set_stock)
        ShoptetWriter.set_prices = timed(ShoptetWriter.set_prices)
        summary = {"master_variants": variants, "followers": len(followers)}
        for label in ("first", "second"):
            before = sandbox.state()
            calls_before = _write_calls(before, "movements"), _write_calls(before, "pricelists")
            waiting[0] = 0.0
            begun = time.monotonic()
            results = [apply_follower(session, master, follower, committed=session.commit)
                       for follower in followers]
            session.commit()
            wall = time.monotonic() - begun
            after = sandbox.state()
            calls = (_write_calls(after, "movements") - calls_before[0]
                     + _write_calls(after, "pricelists") - calls_before[1])
            changed = [result.stock_changed for result in results]
            prices = [result.price_changed for result in results]
            minimum = sum(math.ceil(count / BATCH) for count in changed + prices)
            hub = wall - waiting[0]
            summary[label] = {"wall_s": round(wall, 2), "hub_s": round(hub, 2),
                              "hub_share": round(hub / wall, 3) if wall else 0, "stock_changed": changed,
                              "price_changed": prices,
                              "failed": [result.failed for result in results],
                              "unchanged": [result.unchanged for result in results],
                              "api_calls": calls, "api_calls_minimum": minimum,
                              "calls_ratio": round(calls / minimum, 2) if minimum else (0.0 if calls == 0 else None)}
            print(f"{label} reconcile: {sum(changed)} stock values and {sum(prices)} prices changed over "
                  f"{len(followers)} followers in {wall:.2f} s wall, {hub:.2f} s in the hub; {calls} write calls "
                  f"vs minimum {minimum} "
                  f"(ratio {summary[label]['calls_ratio']}, limit 1.00)", file=sys.stderr)
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
