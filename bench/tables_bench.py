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
   detail, a customer detail and a customer search. Prints EXPLAIN of every query a sample page runs on
   orders/customers/order_items and whether each uses an index.
4. HTTP: gunicorn on loopback (the Procfile's 2 workers × 4 threads), 20 users (threads with their own
   login, 5 to a process) requesting the same mix: once pausing between requests as people do (--think-ms), once without
   pauses (the machine's saturation point); p50/p95 and requests/s of each.
Targets: each page p95 < 100 ms server time, < 200 ms over HTTP under load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

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


def database_url() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.embedded import ensure_services

    urls = ensure_services(os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL"))
    os.environ.setdefault("REDIS_URL", urls.redis_url)
    url = make_url(urls.database_url).set(drivername="postgresql+psycopg")
    url = url.set(database=f"{url.database or 'hub'}_tables_bench")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}).scalar():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


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
    from app.imports.runner import run_file_import
    from app.orgs.services import create_organization
    from app.shops.models import Shop
    from app.shops.services import add_shop

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
    from app.orders import queries
    from app.orders.keyset import Cursor, encode_cursor

    rng = random.Random(7)
    with app.app_context(), app.test_request_context():
        session = db.session
        # Rows of the table at about `deep_offset` in its newest-first order (found once, with OFFSET).
        deep = session.execute(text(
            "SELECT creation_time, id FROM orders WHERE deleted_at IS NULL "
            "ORDER BY creation_time DESC, id DESC OFFSET :offset LIMIT 2000"), {"offset": deep_offset}).all()
        sort = queries.SORTS["newest"]
        deep_urls = [f"/orders?cursor={encode_cursor(queries.TABLE, sort, Cursor(False, when, row_id))}"
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
    customer_search = []
    for n, customer in enumerate(customers[:per_kind]):
        surname = (customer.full_name or "x").split()[-1]
        term = [surname, (customer.email or "a")[:7], (customer.phone or "")[-6:]][n % 3]
        customer_search.append(f"/customers?q={quote(term)}")
    return {
        "first page": ["/orders"] * per_kind,
        f"page after {deep_offset:,} rows": deep_urls,
        "filtered + searched page": filtered,
        "order detail": [f"/orders/{order.id}" for order in orders[per_kind:per_kind * 2]],
        "customer detail": [f"/customers/{customer.id}" for customer in customers[per_kind:per_kind * 2]],
        "customer search": customer_search,
        "customers first page": ["/customers"] * per_kind,
    }


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
    for urls in requests_by_kind.values():  # one warm-up pass: connections, templates, caches
        for url in urls[:3]:
            client.get(url)
    times: dict[str, list[float]] = {}
    for kind, urls in requests_by_kind.items():
        times[kind] = []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
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
            client.get(urls[len(urls) // 2])
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


USERS_PER_PROCESS = 5  # the load generator's own GIL must not be what is measured


def _users(base: str, requests_by_kind: dict[str, list[str]], first_user: int, users: int, start_at: float,
           stop_at: float, think_ms: float) -> tuple[dict[str, list[float]], list[str]]:
    """A few users in one process (threads, each with its own login), measuring requests made in the window.

    With `think_ms` > 0 each user pauses 0.5–1.5 × that between requests, as people do.
    """
    import httpx

    mix = [(kind, url) for kind, urls in requests_by_kind.items() for url in urls]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as http:
            html = http.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
            http.post("/login", data={"email": USER, "password": PASSWORD, "csrf_token": token})
            for _kind, url in rng.sample(mix, 5):  # warm-up, not measured: connections, caches, templates
                http.get(url)
            time.sleep(max(0.0, start_at - time.time()))
            while time.time() < stop_at:
                kind, url = rng.choice(mix)
                started = time.perf_counter()
                response = http.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {url}")
                if think_ms:
                    time.sleep(think_ms * rng.uniform(0.5, 1.5) / 1000)

    threads = [threading.Thread(target=user, args=(first_user + n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(latencies), errors


def http_load(database: str, requests_by_kind: dict[str, list[str]], users: int, seconds: float,
              think_ms: float) -> dict:
    """gunicorn as the Procfile runs it, and `users` users in processes of USERS_PER_PROCESS threads."""
    from concurrent.futures import ProcessPoolExecutor

    import httpx

    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database, HUB_ENV="development")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "4", "wsgi:app"], env=env, cwd=str(ROOT),
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
        start_at = time.time() + 5 + users * 0.3  # every user logged in and warmed up by then
        stop_at = start_at + seconds
        processes = -(-users // USERS_PER_PROCESS)
        with ProcessPoolExecutor(processes) as pool:
            futures = [pool.submit(_users, base, requests_by_kind, n * USERS_PER_PROCESS,
                                   min(USERS_PER_PROCESS, users - n * USERS_PER_PROCESS), start_at, stop_at,
                                   think_ms) for n in range(processes)]
            results = [future.result() for future in futures]
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        for part, part_errors in results:
            for kind, values in part.items():
                latencies[kind] += values
            errors += part_errors
        every = [value for values in latencies.values() for value in values]
        return {"latencies": latencies, "all": every, "seconds": seconds, "errors": errors}
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
    args = parser.parse_args(argv)
    customers = args.customers or max(SHOPS * 20, round(args.orders * FULL_CUSTOMERS / FULL_ORDERS))
    sizes = {"orders": args.orders, "customers": customers, "shops": SHOPS, "seed": SEED}

    print(f"tables bench: {args.orders:,} orders, {customers:,} customers over {SHOPS} shops", flush=True)
    files = snapshot_files(args.orders, customers)
    database = database_url()
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("HUB_ENV", "development")
    from app import create_app

    app = create_app()
    if args.reload or loaded_sizes(app) != sizes:
        from app.extensions import db

        with app.app_context():
            db.engine.dispose()
        _drop_database(database)
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

    http_p95 = {}
    for think_ms in (args.think_ms, 0.0) if not args.no_http else ():
        load_run = http_load(database, requests_by_kind, args.users, args.seconds, think_ms)
        every = load_run["all"]
        rate = len(every) / load_run["seconds"]
        how = f"think time {think_ms:.0f} ms" if think_ms else "no think time (saturation)"
        print(f"\nHTTP under load: {args.users} users, {how}, {load_run['seconds']:.0f} s, gunicorn 2 workers x 4 "
              f"threads on loopback; target p95 < {HTTP_TARGET_MS:.0f} ms")
        for kind, values in load_run["latencies"].items():
            print(f"  {kind:34s} n {len(values):5d}   p50 {_percentile(values, 0.5):7.1f} ms   "
                  f"p95 {_percentile(values, 0.95):7.1f} ms")
        http_p95[how] = _percentile(every, 0.95)
        print(f"  {'all':34s} n {len(every):5d}   p50 {statistics.median(every):7.1f} ms   "
              f"p95 {http_p95[how]:7.1f} ms   {rate:.0f} requests/s   errors {len(load_run['errors'])}   "
              f"{'ok' if http_p95[how] < HTTP_TARGET_MS else 'OVER'}")
    print(f"\nverdict: server p95 worst {worst:.1f} ms ({worst / SERVER_TARGET_MS:.2f} of the limit); HTTP p95: "
          + "; ".join(f"{how} {p95:.1f} ms ({p95 / HTTP_TARGET_MS:.2f} of the limit)" for how, p95 in http_p95.items()))
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
