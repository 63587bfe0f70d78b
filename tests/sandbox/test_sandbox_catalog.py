"""The merchant's shops share most of their catalogue: same codes, some goods only by EAN, some their own."""

from __future__ import annotations

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.config import ShopSizes
from sandbox.generator import ShopData
from sandbox.testing import run_sandbox


@pytest.fixture(scope="module")
def pair():
    sizes = ShopSizes.derive(5000)
    return ShopData(6, 0, sizes), ShopData(6, 1, sizes)


def test_shared_codes_ean_only_pairs_and_own_goods(pair):
    a, b = pair
    codes_a = {v.code: v for v in a.catalog.variants}
    codes_b = {v.code: v for v in b.catalog.variants}
    eans_b = {v.ean: v for v in b.catalog.variants}
    shared = codes_a.keys() & codes_b.keys()
    assert len(shared) > 0.6 * len(codes_a)
    assert all(codes_a[c].ean == codes_b[c].ean for c in shared)  # same code = same goods
    ean_only = [(v.code, eans_b[v.ean].code) for v in a.catalog.variants
                if v.ean in eans_b and eans_b[v.ean].code != v.code]
    assert len(ean_only) > 0.04 * len(codes_a)
    own = [v for v in a.catalog.variants if v.code not in codes_b and v.ean not in eans_b]
    assert len(own) > 0.05 * len(codes_a)
    assert len(codes_a) + len(codes_b) - len(shared) > len(codes_a)  # each shop sells something the other does not
    # The same goods are the same product in both shops (translated), priced in each shop's currency.
    code = sorted(shared)[0]
    pa, pb = a.catalog.variant(code)[0], b.catalog.variant(code)[0]
    assert a.catalog.name(pa, "sk") == b.catalog.name(pb, "sk") and pa.guid != pb.guid
    assert a.profile.currency != b.profile.currency


def test_pairs_through_the_api():
    with run_sandbox(seed=6, shops=2, orders=5000, bucket_leak=100000) as sb:
        clients = [httpx.Client(base_url=sb.base_url, headers=sb.private_headers(k), trust_env=False, timeout=30)
                   for k in range(2)]
        try:
            a, b = ShopData(6, 0, ShopSizes.derive(5000)), ShopData(6, 1, ShopSizes.derive(5000))
            eans_b = {v.ean: v.code for v in b.catalog.variants}
            code_a, code_b = next((v.code, eans_b[v.ean]) for v in a.catalog.variants
                                  if v.ean in eans_b and eans_b[v.ean] != v.code)
            left = assert_contract(clients[0].get(f"/api/products/code/{code_a}"), "GET",
                                   "/api/products/code/{code}")["data"]
            right = assert_contract(clients[1].get(f"/api/products/code/{code_b}"), "GET",
                                    "/api/products/code/{code}")["data"]
            ean = next(v["ean"] for v in left["variants"] if v["code"] == code_a)
            assert ean == next(v["ean"] for v in right["variants"] if v["code"] == code_b)
            assert clients[1].get(f"/api/products/code/{code_a}").status_code == 404  # not under a's code
        finally:
            for client in clients:
                client.close()


def test_suppliers_with_purchase_prices(api):
    body = assert_contract(api.get("/api/suppliers"), "GET", "/api/suppliers")["data"]
    guids = {s["guid"] for s in body["suppliers"]}
    products = api.get("/api/products", params={"itemsPerPage": 100}).json()["data"]["products"]
    with_supplier = [p for p in products if p["supplier"]]
    assert len(with_supplier) > 0.8 * len(products) and {p["supplier"]["guid"] for p in with_supplier} <= guids
    detail = api.get(f"/api/products/{with_supplier[0]['guid']}").json()["data"]
    for variant in detail["variants"]:
        purchase = variant["prices"]["purchasePrice"]
        assert 0 < float(purchase["price"]) < float(variant["price"]) and purchase["includingVat"] is False
