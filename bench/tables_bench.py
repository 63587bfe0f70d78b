"""Orders and customers tables at size: server time per page, index use, and an HTTP load run.

    python -m bench.tables_bench                      # full size: 1.4 M orders, ~661 k customers, 3 shops
    python -m bench.tables_bench --orders 60000       # make bench-tables ORDERS=60000

1. Generates per-shop snapshot files with the sandbox's generator (cached in bench/out/): customers first,
   then orders that reference them (the same seed and shop index give the same customer guids).
2. Loads them into `<name>_tables_bench` through the hub's own importer (`run_file_import`, the path of
   `flask hub import-snapshot`), then VACUUM ANALYZE. The loaded sizes are remembered in the database, so a
   second run at the same size reuses it (`--reload` forces a new load).
3. Server time (the app and the database, in process, no network), p50/p95 over many samples of: the first
   orders page, a page after 1 M rows (a cursor positioned there), a filtered + searched page, an order
   detail, a customer detail and a customer search. Paging, filtering and searching are requested as htmx
   asks for them in the browser (the table alone, `HX-Target`); first pages and details as whole pages.
   Prints EXPLAIN of every query a sample page runs on orders/customers/order_items and whether each uses
   an index.
4. The CSV export of one shop and of all three (bench/export_bench.py): time against a raw COPY of the same
   rows, and memory growth against the row count.
5. HTTP: gunicorn on loopback with the VPS's settings (deploy/gunicorn.conf.py), 20 users driven by wrk (each a
   wrk thread with one connection and its own login; the users shared out over the page kinds) requesting
   the same pages: once pausing between requests as people do (--think-ms), once without pauses (the
   machine's saturation point); p50/p95 per page kind and overall, and requests/s.
Targets: each page p95 < 100 ms server time, < 200 ms over HTTP under load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

from app.config import Config
from bench.databases import bench_database_url, recreate_database
from bench.export_bench import export_figures

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
FULL_ORDERS, FULL_CUSTOMERS, SHOPS = 1_400_000, 661_000, 3
SEED = 3
PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway user of the bench database)
USER = "tables-bench@example.com"
SERVER_TARGET_MS, HTTP_TARGET_MS = 100.0, 200.0
BIG_TABLES = re.compile(r"\b(orders|customers|order_items(_p\d+)?)\b")


# --- data ------------------------------------------------------------------------------------------------------

def _generate(kind: str, shop: int, count: int, customers: int | None) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = f"-c{customers}" if customers is not None else ""
    path = OUT / f"tables-{kind}-seed{SEED}-shop{shop}-{count}{suffix}.jsonl.gz"
    if not path.exists():
        started = time.monotonic()
        command = [sys.executable, "-m", "sandbox.generate", "--kind", kind, "--count", str(count), "--seed",
                   str(SEED), "--shop", str(shop), "--level", "1", "--out", str(path.with_suffix(".part"))]
        if customers is not None:
            command += ["--customers", str(customers)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        os.replace(path.with_suffix(".part"), path)
        print(f"  generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s",
              flush=True)
    return path


def snapshot_files(orders: int, customers: int) -> list[tuple[int, Path, Path]]:
    """(shop index, customers file, orders file) per shop."""
    files = []
    for shop in range(SHOPS):
        shop_orders = orders // SHOPS + (1 if shop < orders % SHOPS else 0)
        shop_customers = customers // SHOPS + (1 if shop < customers % SHOPS else 0)
        files.append((shop, _generate("customers", shop, shop_customers, None),
                      _generate("orders", shop, shop_orders, shop_customers)))
    return files


def loaded_sizes(app) -> dict | None:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        exists = db.session.execute(text("SELECT to_regclass('bench_tables_loaded')")).scalar()
        if not exists:
            return None
        row = db.session.execute(text("SELECT sizes FROM bench_tables_loaded")).scalar()
        return row


def load(app, files, sizes: dict) -> None:
    """Customers, then orders, shop by shop, through the hub's importer; then fresh statistics."""
    from sqlalchemy import select, text

    from app.auth.services import create_user
    from app.extensions import db
    from app.orgs.services import create_organization
    from app.shops.models import Shop
    from app.shops.services import add_shop
    from app.sync.runner import run_file_import

    with app.app_context():
        user = create_user(db.session, USER, PASSWORD)
        org = create_organization(db.session, "Tables bench", owner=user)
        for shop_index, _, _ in files:
            add_shop(db.session, org.id, name=f"Bench shop {shop_index + 1}", eshop_id=900000 + shop_index)
        db.session.commit()
        for shop_index, customers_file, orders_file in files:
            shop = db.session.execute(select(Shop).where(Shop.external_id == 900000 + shop_index)).scalar_one()
            for kind, path in (("customers", customers_file), ("orders", orders_file)):
                started = time.monotonic()
                progress = run_file_import(db.session, shop, kind, str(path))
                seconds = time.monotonic() - started
                print(f"  loaded {kind} of shop {shop_index + 1}: {progress.as_stats().get('inserted', 0):,} rows "
                      f"in {seconds:.0f} s", flush=True)
        db.session.execute(text("CREATE TABLE bench_tables_loaded (sizes jsonb)"))
        db.session.execute(text("INSERT INTO bench_tables_loaded VALUES (CAST(:sizes AS jsonb))"),
                           {"sizes": json.dumps(sizes)})
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM (ANALYZE) orders, customers, order_items"))


# --- samples ---------------------------------------------------------------------------------------------------

def sample_requests(app, per_kind: int, deep_offset: int) -> dict[str, list[str]]:
    """URLs per page kind, drawn from the loaded data (search terms and ids that exist)."""
    from sqlalchemy import text

    from app.extensions import db
    from app.orders.table import ORDERS
    from app.tables.keyset import Cursor, encode_cursor

    rng = random.Random(7)
    with app.app_context(), app.test_request_context():
        session = db.session
        # Rows of the table at about `deep_offset` in its newest-first order (found once, with OFFSET).
        deep = session.execute(text(
            "SELECT creation_time, id FROM orders WHERE deleted_at IS NULL "
            "ORDER BY creation_time DESC, id DESC OFFSET :offset LIMIT 2000"), {"offset": deep_offset}).all()
        sort = ORDERS.sorts_by_key["newest"]
        deep_urls = [f"/orders?cursor={encode_cursor(ORDERS.name, sort, Cursor(False, when, row_id))}"
                     for when, row_id in rng.sample(deep, min(per_kind, len(deep)))]
        orders = session.execute(text(
            "SELECT id, code, email, full_name, phone, status_id, shop_id FROM orders "
            "TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT :n"), {"n": per_kind * 3}).all()
        customers = session.execute(text(
            "SELECT id, email, full_name, phone FROM customers TABLESAMPLE SYSTEM (2) REPEATABLE (7) "
            "WHERE orders_count > 0 LIMIT :n"), {"n": per_kind * 3}).all()
    filtered = []
    for n, order in enumerate(orders[:per_kind]):
        surname = (order.full_name or "x").split()[-1]
        terms = [surname, (order.email or "a")[:6], order.code[:7], (order.phone or "")[-6:] or surname]
        filters = [f"status={order.status_id}", "paid=yes", f"shop={order.shop_id}&created_from=2023-01-01",
                   "sort=total&total_min=500"]
        filtered.append(f"/orders?q={quote(terms[n % 4])}&{filters[(n // 4) % 4]}")
    customer_search, unaccented = [], []
    for n, customer in enumerate(customers[:per_kind]):
        surname = (customer.full_name or "x").split()[-1]
        term = [surname, (customer.email or "a")[:7], (customer.phone or "")[-6:]][n % 3]
        customer_search.append(f"/customers?q={quote(term)}")
        # As Czech users type: without accents, lower case ("svobodova" for "Svobodová"), or a part of the e-mail.
        plain = "".join(c for c in unicodedata.normalize("NFKD", surname) if not unicodedata.combining(c)).lower()
        unaccented.append(f"/customers?q={quote([plain, (customer.email or 'abc@x')[2:9]][n % 2])}")
    by_domain = [f"/orders?q={quote((order.email or 'a@seznam.cz').split('@')[-1])}" for order in orders[:per_kind]]
    return {
        "first page": ["/orders"] * per_kind,
        f"page after {deep_offset:,} rows (htmx)": deep_urls,
        "filtered + searched (htmx)": filtered,
        "order detail": [f"/orders/{order.id}" for order in orders[per_kind:per_kind * 2]],
        "customer detail": [f"/customers/{customer.id}" for customer in customers[per_kind:per_kind * 2]],
        "customer search (htmx)": customer_search,
        "customers first page": ["/customers"] * per_kind,
        "customer search, no accents (htmx)": unaccented,
        "order search, e-mail domain (htmx)": by_domain,
    }


# Paging, filtering and searching swap the table in place: htmx asks for the table alone, as the browser does.
# First pages and details are whole pages.
TABLE_PARTIALS = {"page after": "orders-table", "filtered + searched": "orders-table",
                  "customer search": "customers-table", "order search": "orders-table"}


def headers_for(kind: str) -> dict[str, str]:
    for prefix, target in TABLE_PARTIALS.items():
        if kind.startswith(prefix):
            return {"HX-Request": "true", "HX-Target": target}
    return {}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": USER, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code


def server_times(app, requests_by_kind: dict[str, list[str]]) -> dict[str, list[tuple[float, str]]]:
    client = app.test_client()
    _login(client)
    for kind, urls in requests_by_kind.items():  # one warm-up pass: connections, templates, caches
        for url in urls[:3]:
            client.get(url, headers=headers_for(kind))
    times: dict[str, list[float]] = {}
    for kind, urls in requests_by_kind.items():
        times[kind] = []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url, headers=headers_for(kind))
            times[kind].append(((time.perf_counter() - started) * 1000, url))
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
    return times


def explain_pages(app, requests_by_kind: dict[str, list[str]]) -> None:
    """EXPLAIN every statement a sample page sends to the big tables; flag any that reads without an index.

    The page's statements are replayed in order in one transaction, planner settings included (a searched
    page plans its search-index statement with bitmap scans only), so each plan is the one the page got.
    """
    from sqlalchemy import event

    from app.extensions import db

    client = app.test_client()
    _login(client)
    for kind, urls in requests_by_kind.items():
        captured: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany, captured=captured):
            captured.append((statement, parameters))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            client.get(urls[len(urls) // 2], headers=headers_for(kind))
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        print(f"\n  {kind}: {urls[len(urls) // 2][:100]}")
        with app.app_context(), db.engine.connect() as conn, conn.begin():
            for statement, parameters in captured:
                if "set_config(" in statement:
                    conn.exec_driver_sql(statement, parameters)
                    continue
                if not BIG_TABLES.search(statement) or statement.lstrip().upper().startswith("EXPLAIN"):
                    continue
                plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
                scans = sorted({re.sub(r"\s+\(cost.*", "", line.strip().lstrip("-> ").strip())
                                for line in plan if "Scan" in line and "Subquery Scan" not in line})
                sequential = [scan for scan in scans if scan.startswith("Seq Scan") and BIG_TABLES.search(scan)]
                first_line = " ".join(statement.split())[:90]
                print(f"    [{'SEQUENTIAL SCAN' if sequential else 'index'}] {first_line}…")
                for scan in scans:
                    print(f"        {scan}")


# --- HTTP ------------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"  # what the VPS runs: 3 workers x 4 threads unless set


def _login_cookies(base: str, users: int) -> list[str]:
    """One login (its own session) per simulated user: the Cookie header each user's requests carry."""
    import httpx

    cookies = []
    for _ in range(users):
        with httpx.Client(base_url=base, timeout=30) as http:
            html = http.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
            response = http.post("/login", data={"email": USER, "password": PASSWORD, "csrf_token": token})
            assert response.status_code in (302, 303), response.status_code
            cookies.append("; ".join(f"{name}={value}" for name, value in http.cookies.items()))
    return cookies


def _wrk(base: str, urls_file: Path, cookies_file: Path, users: int, seconds: float, think_ms: float,
         headers: dict[str, str] | None = None):
    command = ["wrk", "-t", str(users), "-c", str(users), "-d", f"{seconds:.0f}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "http_load.lua"), base]
    env = dict(os.environ, HUB_LOAD_URLS=str(urls_file), HUB_LOAD_COOKIES=str(cookies_file),
               HUB_LOAD_THINK_MS=str(think_ms),
               HUB_LOAD_HEADERS="\n".join(f"{name}: {value}" for name, value in (headers or {}).items()))
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _merged_percentile(parts: list[dict], share: float) -> float:
    """A percentile (ms) over several wrk runs, from each run's 200 quantiles weighted by its request count."""
    points = sorted((value, part["requests"] / len(part["quantiles_us"]))
                    for part in parts for value in part["quantiles_us"])
    total, seen = sum(weight for _, weight in points), 0.0
    for value, weight in points:
        seen += weight
        if seen >= share * total - 1e-9:
            return value / 1000
    return points[-1][0] / 1000


def _gunicorn_shape() -> str:
    return (f"{Config.env_value('WEB_WORKERS')} workers x {Config.env_value('WEB_THREADS')} threads, "
            "deploy/gunicorn.conf.py")


def http_load(database: str, requests_by_kind: dict[str, list[str]], users: int, seconds: float,
              think_ms: float) -> dict:
    """gunicorn as the VPS runs it; `users` users, each a wrk thread with one connection and its own login.

    The users are shared out over the page kinds (one wrk per kind, all at once), so each kind's latency
    under the mixed load is measured directly. wrk is C: the load generator takes little of the CPU the
    server is measured on (a Python generator took about a third of it on this 2-core machine).
    """
    import tempfile

    import httpx

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the HTTP load run: apt-get install wrk (or run with --no-http)")
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database, HUB_ENV="development")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--config", str(GUNICORN_CONFIG),
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], env=env, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        kinds = list(requests_by_kind)
        share = {kind: users // len(kinds) + (1 if n < users % len(kinds) else 0) for n, kind in enumerate(kinds)}
        with tempfile.TemporaryDirectory() as folder:
            cookies_file = Path(folder) / "cookies"
            cookies_file.write_text("\n".join(_login_cookies(base, users)) + "\n")
            urls_files = {}
            for n, kind in enumerate(kinds):
                urls_files[kind] = Path(folder) / f"urls-{n}"
                urls_files[kind].write_text("\n".join(requests_by_kind[kind]) + "\n")
            every_url = Path(folder) / "urls-all"
            every_url.write_text("\n".join(url for urls in requests_by_kind.values() for url in urls) + "\n")
            _wrk(base, every_url, cookies_file, users, 5, think_ms).communicate()  # warm-up, not measured
            runs = {kind: _wrk(base, urls_files[kind], cookies_file, share[kind], seconds, think_ms,
                               headers_for(kind)) for kind in kinds if share[kind]}
            parts = {}
            for kind, run in runs.items():
                out, err = run.communicate()
                if run.returncode != 0:
                    raise RuntimeError(f"wrk failed: {err.strip()}")
                parts[kind] = json.loads(out.strip().splitlines()[-1])
        return {"parts": parts, "share": share, "seconds": seconds}
    finally:
        server.terminate()
        server.wait(timeout=20)


# --- report ----------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=FULL_ORDERS, help="orders over all shops")
    parser.add_argument("--customers", type=int, help="customers over all shops (default: the full ratio)")
    parser.add_argument("--samples", type=int, default=60, help="requests per page kind (server time)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each HTTP load run")
    parser.add_argument("--think-ms", type=float, default=500.0, help="users' mean pause between requests")
    parser.add_argument("--reload", action="store_true", help="load the data again even if it is there")
    parser.add_argument("--no-http", action="store_true", help="server times only (quicker)")
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export's speed and memory")
    args = parser.parse_args(argv)
    customers = args.customers or max(SHOPS * 20, round(args.orders * FULL_CUSTOMERS / FULL_ORDERS))
    sizes = {"orders": args.orders, "customers": customers, "shops": SHOPS, "seed": SEED}

    print(f"tables bench: {args.orders:,} orders, {customers:,} customers over {SHOPS} shops", flush=True)
    files = snapshot_files(args.orders, customers)
    database = bench_database_url("tables_bench")
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("HUB_ENV", "development")
    from app import create_app

    app = create_app()
    if args.reload or loaded_sizes(app) != sizes:
        from app.extensions import db

        with app.app_context():
            db.engine.dispose()
        recreate_database(database)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=dict(os.environ),
                       check=True, capture_output=True, cwd=str(ROOT))
        started = time.monotonic()
        load(app, files, sizes)
        print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
    else:
        print("  data already loaded at this size (use --reload to load again)")
    _print_table_sizes(app)

    deep_offset = min(1_000_000, int(args.orders * 0.7))
    requests_by_kind = sample_requests(app, args.samples, deep_offset)
    print("\nEXPLAIN of every query on orders / customers / order_items, one sample page each:")
    explain_pages(app, requests_by_kind)

    times = server_times(app, requests_by_kind)
    print(f"\nserver time (app + database, in process), {args.samples} samples each; target p95 < "
          f"{SERVER_TARGET_MS:.0f} ms")
    worst = 0.0
    for kind, samples in times.items():
        values = [ms for ms, _ in samples]
        p50, p95 = _percentile(values, 0.5), _percentile(values, 0.95)
        worst = max(worst, p95)
        slowest = max(samples)
        print(f"  {kind:34s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
              f"{'ok' if p95 < SERVER_TARGET_MS else 'OVER':4s}  slowest {slowest[0]:6.1f} ms {slowest[1][:70]}")

    if not args.no_export:
        export_figures(app, USER)

    http_p95 = {}
    for think_ms in (args.think_ms, 0.0) if not args.no_http else ():
        load_run = http_load(database, requests_by_kind, args.users, args.seconds, think_ms)
        parts = list(load_run["parts"].values())
        requests_done = sum(part["requests"] for part in parts)
        rate = requests_done / load_run["seconds"]
        errors = sum(part["errors"] + part["status_errors"] for part in parts)
        how = f"think time {think_ms:.0f} ms" if think_ms else "no think time (saturation)"
        print(f"\nHTTP under load: {args.users} users (wrk), {how}, {load_run['seconds']:.0f} s, gunicorn "
              f"({_gunicorn_shape()}) on loopback; target p95 < {HTTP_TARGET_MS:.0f} ms")
        worst_kind = 0.0
        for kind, part in load_run["parts"].items():
            p95 = _merged_percentile([part], 0.95)
            worst_kind = max(worst_kind, p95)
            print(f"  {kind:34s} users {load_run['share'][kind]:2d}   n {part['requests']:5d}   "
                  f"p50 {_merged_percentile([part], 0.5):7.1f} ms   p95 {p95:7.1f} ms   "
                  f"{'ok' if p95 < HTTP_TARGET_MS else 'OVER'}")
        every = _merged_percentile(parts, 0.95)
        http_p95[how] = (every, worst_kind)
        print(f"  {'all':34s} users {args.users:2d}   n {requests_done:5d}   p50 {_merged_percentile(parts, 0.5):7.1f}"
              f" ms   p95 {every:7.1f} ms   {rate:.0f} requests/s   errors {errors}   "
              f"{'ok' if every < HTTP_TARGET_MS else 'OVER'}")
    print(f"\nverdict: server p95 worst {worst:.1f} ms ({worst / SERVER_TARGET_MS:.2f} of the limit)"
          + "".join(f"; HTTP {how}: p95 {p95:.1f} ms ({p95 / HTTP_TARGET_MS:.2f} of the limit), worst page kind "
                    f"{kind_p95:.1f} ms ({kind_p95 / HTTP_TARGET_MS:.2f})"
                    for how, (p95, kind_p95) in http_p95.items()))
    return 0


def _print_table_sizes(app) -> None:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('orders', 'customers') "
            "UNION ALL SELECT 'order_items', sum(c.reltuples)::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'order_items'")).all()
    print("  rows (planner estimates): " + ", ".join(f"{name} {count or 0:,}" for name, count in rows))


if __name__ == "__main__":
    sys.exit(main())
