"""Products table and machine suggestions at size.

    python -m bench.catalog_bench                        # 50 000 products × 4 languages, 10 000 fields suggested
    python -m bench.catalog_bench --products 5000 --fields 1000    # make bench-catalog PRODUCTS=5000 FIELDS=1000

1. Data, generated in SQL into `<hub database>_catalog_bench` (kept for the next run at the same size): one
   shop in cs (default), sk, en, hu; products with 1–3 variants, stock per warehouse, names with Czech
   accents; texts in cs for all, in sk / en / hu for 85 %; translation units in every state for a few %.
2. Server time (app + database, in process, as htmx asks for the table): p50 / p95 of the first page, the
   "missing in sk" filter (first page and following pages by cursor), "outdated in sk", "in review in sk", a
   brand filter, an accent-free name search and a code prefix search. Target p95 < 100 ms: printed as a ratio to it.
3. Bulk suggestion: the texts_suggest job for FIELDS fields against the sandbox's DeepL API (over HTTP, at
   most MAX_IN_FLIGHT requests in flight): fields per second against the limit measured in the same run (the
   same texts sent straight to the sandbox with the same concurrency, no database: the job's overhead is the
   ratio), and Python memory (tracemalloc peak) of the job at FIELDS against FIELDS / 5 (flat: ratio ≈ 1).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.databases import bench_database_url, recreate_database

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0
USER = "catalog-bench@example.com"
PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway user of the bench database)
LANGUAGES = ("cs", "sk", "en", "hu")
NOUNS = ["Konev", "Hadice", "Lopata", "Hrábě", "Květináč", "Nůžky", "Rukavice", "Zástěra", "Sekačka", "Postřikovač",
         "Taška", "Lavice", "Židle", "Stůl", "Lampa", "Hrnek", "Talíř", "Víno", "Míč", "Stavebnice"]
ADJECTIVES = ["žlutý", "červený", "zelený", "modrý", "velký", "malý", "zahradní", "dětský", "kovový", "dřevěný",
              "plastový", "skládací", "Nováková", "Dvořák", "luxusní"]
BRANDS = ["Gardena", "Fiskars", "Tescoma", "Lego", "Bosch", "Kärcher", "Ikea", "Hama"]

LOAD_SQL = """
INSERT INTO products (shop_id, guid, name, type, visibility, brand, default_category, creation_time, change_time,
                      content_hash, raw)
SELECT :shop, 'g-' || n, (ARRAY[{nouns}])[1 + n % {n_nouns}] || ' ' || (ARRAY[{adjectives}])[1 + (n / 7) % {n_adj}]
       || ' ' || n, 'product', CASE WHEN n % 20 = 0 THEN 'hidden' ELSE 'visible' END,
       (ARRAY[{brands}])[1 + n % {n_brands}], 'Kategorie ' || (n % 40),
       now() - n * interval '13 minutes', now(), '\\x00', jsonb_build_object('guid', 'g-' || n)
FROM generate_series(1, :n) AS n;
INSERT INTO product_variants (shop_id, product_guid, code, ean, name, price, currency, stock, visible, raw)
SELECT :shop, 'g-' || n, (1000 + n) || '/' || v, (8590000000000 + n * 3 + v)::text, 'V' || v, 100 + n % 900,
       'CZK', n % 17, true, '{{}}'
FROM generate_series(1, :n) AS n, generate_series(1, 1 + n % 3) AS v;
INSERT INTO variant_stocks (shop_id, stock_id, variant_code, amount)
SELECT :shop, s, code, 3 FROM product_variants, generate_series(1, 2) AS s WHERE shop_id = :shop;
INSERT INTO product_texts (shop_id, product_guid, language, name, short_description, description, meta_title,
                           meta_description, additional_name, content_hash)
SELECT :shop, p.guid, l.language,
       CASE WHEN l.language = 'cs' THEN p.name ELSE '[' || l.language || '] ' || p.name END,
       '<p>Krátký popis ' || p.name || '</p>', '<p>Popis <b>' || p.name || '</b>, objem 10 l</p>',
       p.name, 'Kupte ' || p.name, 'Doprava zdarma', '\\x00'
FROM products p, unnest(CAST(:languages AS text[])) AS l(language)
WHERE p.shop_id = :shop AND (l.language = 'cs' OR abs(hashtext(p.guid || l.language)) % 100 >= 15);
INSERT INTO translation_units (organization_id, shop_id, product_guid, language, field, state, text)
SELECT :org, :shop, p.guid, 'sk', 'name',
       (ARRAY['draft', 'in_review', 'approved', 'synced', 'outdated', 'conflict'])[1 + abs(hashtext(p.guid)) % 6],
       'x'
FROM products p WHERE p.shop_id = :shop AND abs(hashtext(p.guid || 'u')) % 100 < 4;
"""


def _array(values) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def load(app, products: int) -> None:
    from sqlalchemy import text

    from app.auth.services import create_user
    from app.extensions import db
    from app.orgs.services import create_organization
    from app.shops.services import add_shop

    with app.app_context():
        user = create_user(db.session, USER, PASSWORD)
        org = create_organization(db.session, "Catalog bench", owner=user)
        shop = add_shop(db.session, org.id, name="Bench katalog", eshop_id=910000, languages=",".join(LANGUAGES))
        db.session.commit()
        sql = LOAD_SQL.format(nouns=_array(NOUNS), n_nouns=len(NOUNS), adjectives=_array(ADJECTIVES),
                              n_adj=len(ADJECTIVES), brands=_array(BRANDS), n_brands=len(BRANDS))
        for statement in filter(str.strip, sql.split(";\n")):
            db.session.execute(text(statement), {"shop": shop.id, "org": org.id, "n": products,
                                                 "languages": list(LANGUAGES)})
        db.session.execute(text("CREATE TABLE bench_catalog_loaded (products int)"))
        db.session.execute(text("INSERT INTO bench_catalog_loaded VALUES (:n)"), {"n": products})
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM (ANALYZE) products, product_variants, product_texts, translation_units, variant_stocks"))


def _forget_cached(app) -> None:
    """Drop the Redis keys of the database just recreated: its settings versions start again from 1, and the
    previous database's cached settings under the same versions (a dead sandbox's URL) would be read back."""
    import redis

    from app.core.namespace import database_prefix

    with app.app_context():
        prefix = database_prefix(app)
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)


def loaded_products(app) -> int | None:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if not db.session.execute(text("SELECT to_regclass('bench_catalog_loaded')")).scalar():
            return None
        return db.session.execute(text("SELECT products FROM bench_catalog_loaded")).scalar()


def _login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": USER, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


NEXT = re.compile(r'href="([^"]*cursor=[^"]+)"[^>]*rel="next"')


def page_times(app, samples: int) -> dict[str, list[float]]:
    rng = random.Random(5)
    client = app.test_client()
    _login(client)
    partial = {"HX-Request": "true", "HX-Target": "products-table"}
    kinds = {
        "first page": lambda n: "/products",
        "missing in sk": lambda n: "/products?missing=sk",
        "outdated in sk": lambda n: "/products?outdated=sk",
        "in review in sk": lambda n: "/products?review=sk",
        "brand filter": lambda n: f"/products?brand={BRANDS[n % len(BRANDS)]}",
        "name search, no accents": lambda n: "/products?q=" + rng.choice(
            ["zluty", "cerveny", "novakova", "hrabe", "kvetinac", "dvorak", "skladaci"]),
        "code prefix search": lambda n: f"/products?q={1000 + rng.randrange(1, 999)}",
    }
    times: dict[str, list[float]] = {}
    for kind, url_of in kinds.items():
        for n in range(3):  # warm-up
            client.get(url_of(n), headers=partial)
        times[kind] = []
        for n in range(samples):
            started = time.perf_counter()
            response = client.get(url_of(n), headers=partial)
            times[kind].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url_of(n)}: {response.status_code}")
    # "missing in sk", paging on: the next pages by their cursors.
    times["missing in sk, next pages"] = []
    url = "/products?missing=sk"
    for _ in range(samples):
        html = client.get(url, headers=partial).get_data(as_text=True)
        found = NEXT.search(html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
        started = time.perf_counter()
        response = client.get(url, headers=partial)
        times["missing in sk, next pages"].append((time.perf_counter() - started) * 1000)
    return times


def suggestion_figures(app, fields: int) -> None:
    """The texts_suggest job against the sandbox's DeepL: fields/s against the sandbox alone, memory flat."""
    import httpx
    from sqlalchemy import text

    from app.catalog import suggest
    from app.extensions import db
    from app.settings.services import update_settings
    from app.shops.models import Shop
    from app.shops.services import add_shop
    from app.sync.runner import job_now
    from sandbox.testing import run_sandbox

    products = fields // 5
    with run_sandbox(seed=5, shops=1, orders=5, customers=5, products=5) as sandbox, app.app_context():
        session = db.session
        org_id = session.execute(text("SELECT id FROM organizations WHERE name = 'Catalog bench'")).scalar_one()
        update_settings(session, app.extensions["settings_cache"], org_id, {
            "translation_provider": "deepl", "translation_api_url": sandbox.url("/deepl"),
            "translation_api_key": "bench", "translation_monthly_characters": 1_000_000_000})
        session.commit()

        def fresh_shop(name: str, count: int) -> Shop:
            shop = add_shop(session, org_id, name=name, eshop_id=920000 + random.randrange(10**5),
                            languages="cs,sk")
            session.flush()
            session.execute(text(
                "INSERT INTO products (shop_id, guid, name, content_hash, raw) "
                "SELECT :shop, 'g-' || n, 'Konev ' || n, '\\x00', '{}' FROM generate_series(1, :n) n"),
                {"shop": shop.id, "n": count})
            session.execute(text(
                "INSERT INTO product_texts (shop_id, product_guid, language, name, short_description, description,"
                " meta_title, meta_description, content_hash) SELECT :shop, 'g-' || n, 'cs', 'Žlutá konev ' || n,"
                " '<p>Krátký popis ' || n || '</p>', '<p>Konev <b>' || n || '</b> na 10 l</p>', 'Konev ' || n,"
                " 'Kupte konev ' || n, '\\x00' FROM generate_series(1, :n) n"), {"shop": shop.id, "n": count})
            session.commit()
            return shop

        # The limit: the same texts straight to the sandbox, same request size and concurrency, no database.
        texts = [f"Žlutá konev {n}" for n in range(fields)]
        batches = [texts[i:i + suggest.REQUEST_TEXTS] for i in range(0, len(texts), suggest.REQUEST_TEXTS)]
        with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=suggest.MAX_IN_FLIGHT)) as client, \
                ThreadPoolExecutor(suggest.MAX_IN_FLIGHT) as pool:
            started = time.perf_counter()
            list(pool.map(lambda batch: client.post(sandbox.url("/deepl/v2/translate"),
                                                    headers={"Authorization": "DeepL-Auth-Key bench"},
                                                    json={"text": batch, "target_lang": "SK"}).raise_for_status(),
                          batches))
            raw_rate = fields / (time.perf_counter() - started)

        peaks = {}
        for count in (products // 5, products):
            shop = fresh_shop(f"Bench suggest {count}", count)
            tracemalloc.start()
            started = time.perf_counter()
            stats = job_now(session, shop, "texts_suggest", {"language": "sk"})
            seconds = time.perf_counter() - started
            peaks[count] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  {stats['suggested']:,} fields suggested in {seconds:.1f} s: {stats['suggested'] / seconds:,.0f} "
                  f"fields/s; characters {stats['characters']:,}; peak Python memory {peaks[count] / 2**20:.1f} MB")
        rate = stats["suggested"] / seconds
        print(f"  the sandbox alone (HTTP, {suggest.MAX_IN_FLIGHT} in flight, {suggest.REQUEST_TEXTS} texts a request):"
              f" {raw_rate:,.0f} fields/s")
        print(f"verdict: bulk suggestion {rate:,.0f} fields/s = {rate / raw_rate:.2f} of the sandbox's own rate; "
              f"memory at {products * 5:,} fields / at {products:,} fields: "
              f"{peaks[products] / peaks[products // 5]:.2f} (flat ≈ 1)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--fields", type=int, default=10_000, help="fields the bulk suggestion translates")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--no-suggest", action="store_true", help="the products table only")
    args = parser.parse_args(argv)
    print(f"catalog bench: {args.products:,} products × {len(LANGUAGES)} languages; bulk suggestion of "
          f"{args.fields:,} fields", flush=True)
    database = bench_database_url("catalog_bench")
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("HUB_ENV", "development")
    from app import create_app
    from app.extensions import db

    app = create_app()
    if args.reload or loaded_products(app) != args.products:
        with app.app_context():
            db.engine.dispose()
        recreate_database(database)
        _forget_cached(app)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=dict(os.environ),
                       check=True, capture_output=True, cwd=str(ROOT))
        started = time.monotonic()
        load(app, args.products)
        print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
    else:
        print("  data already loaded at this size (use --reload to load again)")

    times = page_times(app, args.samples)
    print(f"\nserver time (app + database, in process, htmx partial), {args.samples} samples each; "
          f"target p95 < {TARGET_MS:.0f} ms")
    worst = 0.0
    for kind, values in times.items():
        if not values:
            continue
        p50, p95 = _percentile(values, 0.5), _percentile(values, 0.95)
        worst = max(worst, p95)
        print(f"  {kind:28s} n {len(values):3d}   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
              f"{p95 / TARGET_MS:.2f} of the limit {'ok' if p95 < TARGET_MS else 'OVER'}")
    print(f"verdict: products table p95 worst {worst:.1f} ms ({worst / TARGET_MS:.2f} of the limit)\n", flush=True)
    if not args.no_suggest:
        print("bulk suggestion (texts_suggest job, sandbox DeepL over HTTP):")
        suggestion_figures(app, args.fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
