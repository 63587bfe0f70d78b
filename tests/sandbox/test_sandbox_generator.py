"""Generator: determinism, referential integrity, formats, scale without memory growth, CLI."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
import tracemalloc
from collections import Counter

import pytest
from sandbox_contract import assert_schema

from sandbox.config import SCALES, ShopSizes
from sandbox.formats import ean13, money, parse_decimal, parse_dt
from sandbox.generate import main as generate_main
from sandbox.generator import ShopData
from sandbox.testing import REPO_ROOT

MONEY = re.compile(r"^-?\d+\.\d{2}$")
AMOUNT = re.compile(r"^-?\d+\.\d{3}$")
DT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0100$")
FULL = ShopSizes.derive(SCALES["full"]["orders"], SCALES["full"]["customers"], SCALES["full"]["products"])


@pytest.fixture(scope="module")
def full_shop():
    return ShopData(1, 0, FULL)


def test_same_seed_same_records_other_seed_differs():
    a, b, c = ShopData(4, 1, ShopSizes.derive(500)), ShopData(4, 1, ShopSizes.derive(500)), \
        ShopData(5, 1, ShopSizes.derive(500))
    assert list(a.iter_orders(0, 50)) == list(b.iter_orders(0, 50))
    assert list(a.iter_customers())[:30] == list(b.iter_customers())[:30]
    assert list(a.iter_products()) == list(b.iter_products())
    assert a.order_record(7) != c.order_record(7)
    assert a.private_token == b.private_token != c.private_token


def test_record_is_independent_of_iteration_order(full_shop):
    picks = random.Random(0).sample(range(FULL.orders), 25)
    forward = {i: full_shop.order_record(i) for i in sorted(picks)}
    fresh = ShopData(1, 0, FULL)
    for i in reversed(picks):
        assert fresh.order_record(i) == forward[i]
    j = FULL.customers - 1
    assert fresh.customers.detail(j) == full_shop.customers.detail(j)


def test_full_scale_shape(full_shop):
    shops = SCALES["full"]["shops"]
    variants = sum(len(p.variants) for p in full_shop.catalog.products)
    assert 1_390_000 <= FULL.orders * shops <= 1_410_000
    assert 655_000 <= FULL.customers * shops <= 665_000
    assert 11_000 <= variants * shops <= 15_000
    sample = [full_shop.order_record(i) for i in range(0, FULL.orders, FULL.orders // 3000)]
    items = sum(len(o["items"]) for o in sample) / len(sample)
    assert 5.3 <= items <= 6.1  # ~8 M items / 1.4 M orders
    years = Counter(o["creationTime"][:4] for o in sample)
    assert len(years) >= 5 and years["2025"] > years["2021"]  # several years, growing
    statuses = Counter(o["status"]["id"] for o in sample)
    assert statuses[-2] > statuses[-4] > 0
    assert Counter(o["price"]["currencyCode"] for o in sample)["EUR"] > 0


def test_orders_reference_existing_customers_and_variants(full_shop):
    catalog = full_shop.catalog
    for i in range(0, FULL.orders, FULL.orders // 400):
        order = full_shop.order_record(i)
        created = parse_dt(order["creationTime"])
        assert parse_dt(order["changeTime"]) >= created
        if order["customerGuid"]:
            j = full_shop.customers.index_of(order["customerGuid"])
            assert j is not None
            customer = full_shop.customers.detail(j)
            assert parse_dt(customer["creationTime"]) <= created
            assert order["email"] == customer["accounts"][0]["email"]
        for item in order["items"]:
            if item["itemType"] in ("product", "bazar", "service", "gift"):
                product, variant = catalog.variant(item["code"])
                assert product.guid == item["productGuid"] and variant.ean == item["ean"]
                assert product.created <= created
                assert ean13(int(item["ean"][:12])) == item["ean"]
        assert full_shop.order_index(order["code"]) == i


def test_value_formats(full_shop):
    order = full_shop.order_record(123_456, frozenset({"notes", "paymentTransactions"}))
    assert DT.match(order["creationTime"]) and DT.match(order["changeTime"])
    for key in ("vat", "toPay", "withoutVat", "withVat"):
        assert MONEY.match(order["price"][key])
    for item in order["items"]:
        assert AMOUNT.match(item["amount"]) and MONEY.match(item["unitPrice"]["withVat"])
        assert MONEY.match(item["itemPrice"]["vatRate"])
    total = sum(parse_decimal(i["itemPrice"]["withVat"], 2) for i in order["items"])
    assert money(total) == order["price"]["withVat"]
    customer = full_shop.customers.detail(42)
    assert "email" not in customer and isinstance(customer["deliveryAddress"], list)
    assert customer["accounts"][0]["email"] and customer["accounts"][0]["mainAccount"]
    assert_schema(order, "orderSnapshot")
    assert_schema(customer, "customerSnapshot")
    assert_schema(full_shop.product_detail(3, "sk", frozenset({"images", "variantParameters"})), "productSnapshot")


ALL_ORDER_INCLUDES = frozenset({"notes", "images", "shippingDetails", "stockLocation", "surchargeParameters",
                                "paymentTransactions", "productFlags"})
ALL_PRODUCT_INCLUDES = frozenset({"images", "variantParameters", "allCategories", "flags", "descriptiveParameters",
                                  "measureUnit", "setItems", "filteringParameters", "recyclingFee", "warranty",
                                  "gifts", "alternativeProducts", "relatedProducts", "relatedVideos", "relatedFiles",
                                  "perStockAmounts", "perPricelistPrices", "surchargeParameters"})


@pytest.mark.parametrize("shop_index", [0, 1, 2, 3, 4])
def test_every_shop_profile_matches_snapshot_schemas(shop_index):
    shop = ShopData(8, shop_index, ShopSizes.derive(3000))
    for i in range(0, 3000, 97):
        assert_schema(shop.order_record(i, ALL_ORDER_INCLUDES), "orderSnapshot")
    for j in range(0, shop.sizes.customers, 53):
        assert_schema(shop.customers.detail(j), "customerSnapshot")
    for p in range(shop.sizes.products):
        lang = shop.profile.languages[p % len(shop.profile.languages)]
        assert_schema(shop.product_detail(p, lang, ALL_PRODUCT_INCLUDES), "productSnapshot")


def test_products_have_texts_per_language():
    shop = ShopData(1, 1, ShopSizes.derive(300))
    product = shop.catalog.products[0]
    texts = {lang: shop.catalog.texts(product, lang)["description"] for lang in shop.profile.languages}
    assert len(set(texts.values())) == len(shop.profile.languages)
    stock = shop.product_detail(0, include=frozenset({"perStockAmounts"}))["variants"][0]["perStockAmounts"]
    assert [s["stockId"] for s in stock] == list(shop.stock_ids)


def test_iterating_200k_orders_keeps_memory_flat(full_shop):
    blocks = []
    for i, _order in enumerate(full_shop.iter_orders(0, 200_000)):
        if i % 20_000 == 19_999:
            blocks.append(sys.getallocatedblocks())
    # Caches are capped (line templates, customers): allocation stays flat.
    assert max(blocks) - blocks[0] < 60_000, blocks
    tracemalloc.start()
    try:
        for _order in full_shop.iter_orders(300_000, 305_000):
            pass
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000 and current < 6_000_000, (current, peak)


@pytest.mark.parametrize(("kind", "count", "schema"), [("orders", 400, "orderSnapshot"),
                                                     ("customers", 300, "customerSnapshot"),
                                                     ("products", 40, "productSnapshot")])
def test_generate_cli(tmp_path, capsys, kind, count, schema):
    out = tmp_path / f"{kind}.jsonl.gz"
    assert generate_main(["--kind", kind, "--seed", "9", "--shop", "1", "--count", str(count), "--level", "1",
                          "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip())
    assert summary["count"] == count and summary["kind"] == kind and summary["gzip_bytes"] == out.stat().st_size
    lines = gzip.decompress(out.read_bytes()).splitlines()
    assert len(lines) == count
    for line in lines[:: max(1, count // 25)]:
        assert_schema(json.loads(line), schema)
    shop = ShopData(9, 1, ShopSizes.derive(count) if kind == "orders" else
                    ShopSizes(0, count, 30) if kind == "customers" else ShopSizes(0, 0, count))
    expected = {"orders": lambda: shop.order_record(count - 1), "customers": lambda: shop.customers.detail(count - 1),
                "products": lambda: shop.product_detail(count - 1)}[kind]()
    assert json.loads(lines[-1]) == expected


def test_generate_with_worker_processes_is_byte_identical(tmp_path, capsys):
    single, parallel = tmp_path / "one.jsonl.gz", tmp_path / "many.jsonl.gz"
    assert generate_main(["--kind", "orders", "--seed", "2", "--count", "2500", "--workers", "1",
                          "--out", str(single)]) == 0
    capsys.readouterr()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "sandbox.generate", "--kind", "orders", "--seed", "2", "--count",
                           "2500", "--workers", "2", "--out", str(parallel)], capture_output=True, env=env,
                          timeout=120, check=True)
    assert json.loads(done.stdout)["workers"] == 2
    assert parallel.read_bytes() == single.read_bytes()
