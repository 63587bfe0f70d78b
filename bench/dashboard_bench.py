"""The dashboard, the search and what the sales rollups cost the import, at size, in one run.

    python -m bench.dashboard_bench                    # full size: 1.4 M orders over 3 shops (the tables bench's data)
    python -m bench.dashboard_bench --orders 30000     # make bench-dashboard ORDERS=30000

1. Data: the tables bench's per-shop customers and orders snapshots (bench/out/, cached) and each shop's
   products, loaded into `<name>_dashboard_bench` through the hub's importer (rollups kept by its hook), then
   VACUUM ANALYZE. The loaded sizes are remembered; a second run at the same size reuses the database.
2. Dashboard: server time (app + database, in process) of the home page for a two-year range over all shops
   (the range's end moved by a day per sample, VAT with and without), p50/p95 against the 50 ms target.
3. Search: 200 realistic queries drawn from the data (order codes whole and begun, e-mails whole and begun,
   surnames with and without accents, a full name with a typo, product names and codes), as the header box
   asks for them (htmx partial), p50/p95 against the 100 ms target; EXPLAIN of one of each kind.
4. Import cost of the rollups: the same orders file imported into two fresh databases, once with the rollup
   hook and once without it (everything else the same), each in its own process: the ratio with/without
   against the 1.1 target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from bench import tables_bench
from bench.databases import bench_database_url, recreate_database

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_TARGET_MS, SEARCH_TARGET_MS, IMPORT_TARGET = 50.0, 100.0, 1.1
ROLLUP_HOOK = "app.dashboard.rollups:orders_changed"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _products_file(shop: int, orders: int, customers: int) -> Path:
    count = max(30, min(6000, round((orders ** 0.5) * 2.2)))
    path = tables_bench.OUT / f"dashboard-products-seed{tables_bench.SEED}-shop{shop}-{count}-o{orders}.jsonl.gz"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "sandbox.generate", "--kind", "products", "--count", str(count),
                        "--seed", str(tables_bench.SEED), "--shop", str(shop), "--orders", str(orders),
                        "--customers", str(customers), "--level", "1", "--out", str(path.with_suffix(".part"))],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(path.with_suffix(".part"), path)
    return path


def load_data(args) -> object:
    share = tables_bench.FULL_CUSTOMERS / tables_bench.FULL_ORDERS
    customers = max(tables_bench.SHOPS * 20, round(args.orders * share))
    sizes = {"orders": args.orders, "customers": customers, "shops": tables_bench.SHOPS, "seed": tables_bench.SEED,
             "products": True}
    files = tables_bench.snapshot_files(args.orders, customers)
    database = bench_database_url("dashboard_bench")
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("HUB_ENV", "development")
    from app import create_app

    app = create_app()
    if args.reload or tables_bench.loaded_sizes(app) != sizes:
        from sqlalchemy import select, text

        from app.extensions import db
        from app.shops.models import Shop
        from app.sync.runner import run_file_import

        with app.app_context():
            db.engine.dispose()
        recreate_database(database)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=dict(os.environ),
                       check=True, capture_output=True, cwd=str(ROOT))
        started = time.monotonic()
        tables_bench.load(app, files, sizes)
        with app.app_context():
            for shop_index, _, _ in files:
                shop = db.session.execute(select(Shop).where(Shop.external_id == 900000 + shop_index)).scalar_one()
                shop_orders = args.orders // tables_bench.SHOPS
                path = _products_file(shop_index, shop_orders, customers // tables_bench.SHOPS)
                run_file_import(db.session, shop, "products", str(path))
            db.session.commit()
        with app.app_context(), db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(
                "VACUUM (ANALYZE) products, product_variants, sales_days, sales_months, sales_method_days, "
                "sales_method_months, sales_product_days, sales_product_months, sales_product_years"))
        print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
    else:
        print("  data already loaded at this size (use --reload to load again)", flush=True)
    return app


def dashboard_urls(app, samples: int) -> list[str]:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        last = db.session.execute(text("SELECT max(day) FROM sales_days")).scalar()
    urls = []
    for n in range(samples):
        end = last - timedelta(days=n % 10)
        start = end - timedelta(days=2 * 365 - 1)
        urls.append(f"/?range=custom&from={start}&to={end}&vat={'incl' if n % 2 else 'excl'}")
    return urls


def search_terms(app, count: int = 200) -> list[tuple[str, str]]:
    """(kind, term): the mix people type into the box."""
    from sqlalchemy import text

    from app.extensions import db

    rng = random.Random(16)
    with app.app_context():
        orders = db.session.execute(text("SELECT code FROM orders TABLESAMPLE SYSTEM (1) REPEATABLE (16) "
                                         "LIMIT 200")).scalars().all()
        customers = db.session.execute(text("SELECT email, full_name FROM customers TABLESAMPLE SYSTEM (2) "
                                            "REPEATABLE (16) WHERE full_name IS NOT NULL LIMIT 300")).all()
        products = db.session.execute(text("SELECT p.name, v.code FROM products p JOIN product_variants v "
                                           "ON v.shop_id = p.shop_id AND v.product_guid = p.guid "
                                           "WHERE p.name IS NOT NULL LIMIT 500")).all()
        plain = {name: db.session.execute(text("SELECT hub_fold(:n)"), {"n": name}).scalar()
                 for _, name in customers}
    terms = []
    makers = [
        ("order code", lambda: rng.choice(orders)),
        ("order code begun", lambda: rng.choice(orders)[:-3]),
        ("e-mail", lambda: rng.choice(customers).email or "x@x.cz"),
        ("e-mail begun", lambda: (rng.choice(customers).email or "xxxxx")[:6]),
        ("surname", lambda: rng.choice(customers).full_name.split()[-1]),
        ("surname without accents", lambda: plain[rng.choice(customers).full_name].split()[-1].lower()),
        ("full name with a typo", lambda: _typo(rng, plain[rng.choice(customers).full_name].lower())),
        ("product name", lambda: " ".join(rng.choice(products).name.split()[:2])),
        ("product code", lambda: rng.choice(products).code),
    ]
    for n in range(count):
        kind, make = makers[n % len(makers)]
        terms.append((kind, make()))
    return terms


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 4:
        return name
    at = rng.choice(letters[1:-1])
    return name[:at] + name[at + 1] + name[at] + name[at + 2:] if at + 1 < len(name) else name


def timed(app, urls: list[str], headers: dict | None = None) -> list[float]:
    client = app.test_client()
    _login(client)
    for url in urls[:3]:
        client.get(url, headers=headers or {})
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return times


def _login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": tables_bench.USER, "password": tables_bench.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code


def explain_search(app, terms: list[tuple[str, str]]) -> None:
    """EXPLAIN the search's statements for one term of each kind: every table read through an index?"""
    from sqlalchemy import event

    from app.extensions import db
    from app.search.queries import search
    from app.shops.models import Shop

    seen = set()
    with app.app_context():
        shop_ids = list(db.session.execute(db.select(Shop.id)).scalars())
        for kind, term in terms:
            if kind in seen:
                continue
            seen.add(kind)
            statements = []

            def remember(conn, cursor, statement, parameters, context, executemany, statements=statements):
                statements.append((statement, parameters))

            engine = db.engine
            event.listen(engine, "before_cursor_execute", remember)
            try:
                search(db.session, shop_ids, term)
            finally:
                event.remove(engine, "before_cursor_execute", remember)
            sequential = []
            for statement, parameters in statements[1:]:
                plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql(
                    "EXPLAIN " + statement, parameters).all())
                sequential += re.findall(r"Seq Scan on (\w+)", plan)
            print(f"  {kind:26s} {term[:30]!r:34s} seq scans: {', '.join(sequential) or 'none'}")
            db.session.rollback()


def years_ratio(app, samples: int) -> None:
    """Top products' read with the year rollup against the months-only read it replaced, interleaved in the same
    run over the same two-year ranges (so the machine's load falls on both alike); both must give the same
    rankings and sums."""
    from datetime import date

    from app.dashboard.queries import top_products
    from app.extensions import db
    from app.shops.models import Shop

    times: dict[bool, list[float]] = {True: [], False: []}
    with app.app_context():
        shop_ids = list(db.session.execute(db.select(Shop.id)).scalars())
        for n, url in enumerate(dashboard_urls(app, samples)):
            start, end = (date.fromisoformat(re.search(rf"{key}=([0-9-]+)", url).group(1)) for key in ("from", "to"))
            results = {}
            for whole_years in ((True, False) if n % 2 else (False, True)):
                started = time.perf_counter()
                found = top_products(db.session, shop_ids, start, end, "revenue_with_vat", whole_years=whole_years)
                times[whole_years].append((time.perf_counter() - started) * 1000)
                results[whole_years] = [(r.currency, r.code, r.category, r.quantity, r.revenue) for rows in found
                                        for r in rows]  # the names are labels: the latest seen, not summed
            if results[True] != results[False]:
                raise RuntimeError(f"{start}..{end}: the year rollup ranks differently from the months")
            db.session.rollback()
    new, old = _percentile(times[True], 0.5), _percentile(times[False], 0.5)
    print(f"top products' read, same run, interleaved: with whole years p50 {new:.1f} ms, months only p50 "
          f"{old:.1f} ms: ratio {new / old:.2f} (p95 {_percentile(times[True], 0.95):.1f} vs "
          f"{_percentile(times[False], 0.95):.1f} ms)")


# --- import cost of the rollups ------------------------------------------------------------------------------

def step_import(path: str) -> dict:
    """Import `path` into DATABASE_URL's fresh database; without the rollup hook if BENCH_NO_ROLLUPS is set."""
    from app.dashboard import rollups
    from app.imports import hooks

    spent = [0.0]
    hook = rollups.orders_changed

    def timed_hook(*args):  # the hook's own time, in this very import: a ratio the machine's load cannot skew
        started = time.perf_counter()
        hook(*args)
        spent[0] += time.perf_counter() - started

    rollups.orders_changed = timed_hook
    if os.environ.get("BENCH_NO_ROLLUPS"):
        hooks.ORDERS_CHANGED = tuple(h for h in hooks.ORDERS_CHANGED if h != ROLLUP_HOOK)
    hooks._hooks.cache_clear()
    from bench.import_bench import step_hub

    result = step_hub(path)
    result["hooks"] = list(hooks.ORDERS_CHANGED)
    result["rollup_seconds"] = spent[0]
    return result


def import_file(orders: int, years: int) -> Path:
    """One shop's orders over `years`: the production shop's density (~255 orders a day over 5 years) is what
    decides how many rollup rows a batch writes per order, so the file keeps it at a smaller size."""
    tables_bench.OUT.mkdir(parents=True, exist_ok=True)
    path = tables_bench.OUT / f"dashboard-import-orders-{orders}-y{years}.jsonl.gz"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "sandbox.generate", "--kind", "orders", "--count", str(orders),
                        "--seed", "1", "--years", str(years), "--level", "1", "--out", str(path.with_suffix(".part"))],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(path.with_suffix(".part"), path)
    return path


def import_ratio(orders: int, years: int = 1) -> dict:
    path = import_file(orders, years)
    print(f"  file {path.name}: {orders / (365 * years):.0f} orders a day", flush=True)
    results = {}
    for name, no_rollups in (("without rollups", True), ("with rollups", False), ("without rollups again", True),
                             ("with rollups again", False)):
        database = bench_database_url("dashboard_import")
        recreate_database(database)
        env = dict(os.environ, DATABASE_URL=database, HUB_ENV="development")
        if no_rollups:
            env["BENCH_NO_ROLLUPS"] = "1"
        else:
            env.pop("BENCH_NO_ROLLUPS", None)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=str(ROOT))
        done = subprocess.run([sys.executable, "-m", "bench.dashboard_bench", "--step-import", str(path)], env=env,
                              capture_output=True, text=True, cwd=str(ROOT))
        if done.returncode != 0:
            raise SystemExit(f"import step failed:\n{done.stderr[-3000:]}")
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  import {name:22s}: {results[name]['seconds']:7.1f} s  of which the rollup hook "
              f"{results[name]['rollup_seconds']:6.1f} s", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=tables_bench.FULL_ORDERS, help="orders over all shops")
    parser.add_argument("--import-orders", type=int, help="orders of the import-cost file (default: --orders / 5, "
                                                          "over a year: the production shop's orders a day)")
    parser.add_argument("--import-years", type=int, default=1)
    parser.add_argument("--samples", type=int, default=60, help="dashboard requests")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--no-import", action="store_true", help="skip the import-cost part")
    parser.add_argument("--step-import", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step_import:
        print(json.dumps(step_import(args.step_import)))
        return 0

    print(f"dashboard bench: {args.orders:,} orders over {tables_bench.SHOPS} shops", flush=True)
    app = load_data(args)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        for table in ("orders", "sales_days", "sales_months", "sales_product_days", "sales_product_months",
                      "sales_product_years", "sales_method_days", "customers", "products"):
            rows = db.session.execute(text("SELECT reltuples::bigint FROM pg_class WHERE relname = :t"),
                                      {"t": table}).scalar()
            print(f"  {table:22s} ~{rows:,} rows")

    # The floor of the same run: an authenticated htmx request that runs no query of ours (login session,
    # organization, settings, rendering a partial), on this machine at this moment.
    floor = timed(app, ["/search?q=a"] * args.samples, {"HX-Request": "true"})
    f50, f95 = _percentile(floor, 0.5), _percentile(floor, 0.95)
    print(f"\nfloor (authenticated htmx request, no query of ours): p50 {f50:.1f} ms  p95 {f95:.1f} ms")
    dashboard = timed(app, dashboard_urls(app, args.samples))
    p50, p95 = _percentile(dashboard, 0.5), _percentile(dashboard, 0.95)
    print(f"\ndashboard, 2-year range, all shops, {len(dashboard)} samples: p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
          f"({p95 / DASHBOARD_TARGET_MS:.2f} of the {DASHBOARD_TARGET_MS:.0f} ms limit) "
          f"{'ok' if p95 < DASHBOARD_TARGET_MS else 'OVER'}; above the floor: p95 {p95 - f95:.1f} ms")
    top = timed(app, [url.replace("/?", "/dashboard/products?") for url in dashboard_urls(app, args.samples)],
                {"HX-Request": "true"})
    print(f"top products and categories (its own part), 2-year range: p50 {_percentile(top, 0.5):.1f} ms  "
          f"p95 {_percentile(top, 0.95):.1f} ms")

    years_ratio(app, args.samples)

    terms = search_terms(app)
    print("\nsearch EXPLAIN, one term of each kind:")
    explain_search(app, terms)
    searched = timed(app, [f"/search?q={quote(term)}" for _, term in terms], {"HX-Request": "true"})
    by_kind: dict[str, list[float]] = {}
    for (kind, _), ms in zip(terms, searched[:len(terms)], strict=True):
        by_kind.setdefault(kind, []).append(ms)
    print(f"\nsearch, {len(terms)} queries (htmx partial):")
    for kind, values in by_kind.items():
        print(f"  {kind:26s} p50 {_percentile(values, 0.5):6.1f} ms  p95 {_percentile(values, 0.95):6.1f} ms")
    s50, s95 = _percentile(searched, 0.5), _percentile(searched, 0.95)
    print(f"  {'all':26s} p50 {s50:6.1f} ms  p95 {s95:6.1f} ms  ({s95 / SEARCH_TARGET_MS:.2f} of the "
          f"{SEARCH_TARGET_MS:.0f} ms limit) {'ok' if s95 < SEARCH_TARGET_MS else 'OVER'}; above the floor: "
          f"p95 {s95 - f95:.1f} ms")

    if not args.no_import:
        orders = args.import_orders or args.orders // 5
        print(f"\nimport cost of the rollups: {orders:,} orders, with and without the hook, fresh database each")
        results = import_ratio(orders, args.import_years)
        without = min(results["without rollups"]["seconds"], results["without rollups again"]["seconds"])
        with_ = min(results["with rollups"]["seconds"], results["with rollups again"]["seconds"])
        ratio = with_ / without
        print(f"  best of two: without {without:.1f} s, with {with_:.1f} s: ratio {ratio:.3f} "
              f"(limit {IMPORT_TARGET}) {'ok' if ratio <= IMPORT_TARGET else 'OVER'}")
        for name in ("with rollups", "with rollups again"):
            total, hook = results[name]["seconds"], results[name]["rollup_seconds"]
            print(f"  {name}: the same import without the hook's own time would take {total - hook:.1f} s: "
                  f"ratio {total / (total - hook):.3f} in the same run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
