"""Import speed and memory against the raw limit of the same machine, in one run.

    python -m bench.import_bench --orders 1400000      # make bench-import ORDERS=1400000

1. Generates an orders snapshot (gzip JSON Lines) with the sandbox's generator (cached in bench/out/).
2. In a fresh database `<name>_bench` upgraded to the migrations' head, measures, each in its own process
   (so peak RSS is that step's alone):
   - limit: read + parse every line and COPY it as one jsonb row into an unindexed table (the floor:
     "parse + plain COPY of the same file");
   - hub: `flask hub import-snapshot`'s pipeline (run ledger, staging, upsert, partitions, metrics);
   - reimport: the same file again, which must change no row.
3. Prints orders/s, rows/s (orders + items), the ratio hub/limit and peak RSS per step.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.databases import bench_database_url, recreate_database

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def snapshot_file(orders: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"orders-{orders}.jsonl.gz"
    if not path.exists():
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "sandbox.generate", "--kind", "orders", "--count", str(orders),
                        "--seed", "1", "--level", "1", "--out", str(path.with_suffix(".part"))], check=True,
                       stdout=subprocess.DEVNULL)
        os.replace(path.with_suffix(".part"), path)
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s",
              flush=True)
    return path


# --- steps, each run in a child process ----------------------------------------------------------

def step_limit(path: str) -> dict:
    """The floor: parse each line and COPY it, whole, into one unindexed jsonb table."""
    import orjson
    import psycopg

    from app.channels.shoptet.reader import SnapshotFile

    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    started = time.monotonic()
    lines = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_limit_lines (doc jsonb)")
        batch = []

        def flush():
            with cursor.copy("COPY bench_limit_lines (doc) FROM STDIN") as copy:
                for doc in batch:
                    copy.write_row((doc,))
            conn.commit()
            batch.clear()

        for _line_no, raw in SnapshotFile(path).lines():
            orjson.loads(raw)  # the parse every importer must pay
            batch.append(raw.decode())
            lines += 1
            if len(batch) >= 2000:
                flush()
        flush()
    return {"seconds": time.monotonic() - started, "orders": lines, "peak_rss_mb": peak_rss_mb()}


def step_hub(path: str) -> dict:
    from sqlalchemy import func, select, text

    from app import create_app
    from app.extensions import db
    from app.orders.models import OrderItem
    from app.shops.models import Shop
    from app.shops.services import add_shop
    from app.sync.runner import run_file_import

    app = create_app()
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.external_id == 1)).scalar_one_or_none()
        if shop is None:
            from app.orgs.services import create_organization

            shop = add_shop(db.session, create_organization(db.session, "Bench").id, name="Bench", eshop_id=1)
            db.session.commit()
        before = db.session.execute(text("SELECT coalesce(sum(xmin::text::bigint), 0) FROM orders")).scalar()
        started = time.monotonic()
        progress = run_file_import(db.session, shop, "orders", path)
        seconds = time.monotonic() - started
        items = db.session.execute(select(func.count()).select_from(OrderItem)).scalar_one()
        after = db.session.execute(text("SELECT coalesce(sum(xmin::text::bigint), 0) FROM orders")).scalar()
    return {"seconds": seconds, **progress.as_stats(), "items": items, "orders_rows_touched": before != after,
            "peak_rss_mb": peak_rss_mb()}


STEPS = {"limit": step_limit, "hub": step_hub}


def run_step(name: str, path: Path, database_url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, HUB_ENV="development")
    done = subprocess.run([sys.executable, "-m", "bench.import_bench", "--step", name, str(path)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  step {name}: {json.dumps(result)}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("path", nargs="?")
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step](args.path)))
        return 0

    path = snapshot_file(args.orders)
    database_url = bench_database_url("bench")
    recreate_database(database_url)
    env = dict(os.environ, DATABASE_URL=database_url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    limit = run_step("limit", path, database_url)
    hub = run_step("hub", path, database_url)
    again = run_step("hub", path, database_url)

    rows = hub["inserted"] + hub["items"]
    ratio = hub["seconds"] / limit["seconds"]
    print(f"\nimport of {args.orders:,} orders ({hub['items']:,} items), file {path.stat().st_size / 1e6:.0f} MB")
    print(f"  limit  (parse + COPY lines, unindexed): {limit['seconds']:8.1f} s  "
          f"{limit['orders'] / limit['seconds']:9,.0f} orders/s  peak RSS {limit['peak_rss_mb']:6.0f} MB")
    print(f"  hub    (full pipeline)                : {hub['seconds']:8.1f} s  "
          f"{hub['inserted'] / hub['seconds']:9,.0f} orders/s  {rows / hub['seconds']:9,.0f} rows/s  "
          f"peak RSS {hub['peak_rss_mb']:6.0f} MB")
    print(f"  re-import of the same file            : {again['seconds']:8.1f} s  "
          f"{again['unchanged'] / again['seconds']:9,.0f} orders/s  changed rows: "
          f"{'yes' if again['orders_rows_touched'] else 'none'} "
          f"(inserted {again['inserted']}, updated {again['updated']})  peak RSS {again['peak_rss_mb']:6.0f} MB")
    print(f"  ratio hub/limit {ratio:.2f} (target <= 2.0); re-import/first {again['seconds'] / hub['seconds']:.2f} "
          f"(target <= 1.0); peak RSS {max(hub['peak_rss_mb'], again['peak_rss_mb']):.0f} MB (target < 400)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
