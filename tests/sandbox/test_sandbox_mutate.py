"""POST /_sandbox/mutate: deterministic churn visible through the API and webhooks."""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.formats import fmt_dt
from sandbox.testing import run_sandbox

COUNTS = {"orders_created": 3, "orders_updated": 4, "orders_deleted": 2, "customers_updated": 2,
          "products_updated": 2, "stock_moves": 3}
EVENTS = ["order:create", "order:update", "order:delete", "customer:update", "product:update", "stock:movement"]


@pytest.fixture(scope="module")
def pair():
    with run_sandbox(seed=21, shops=2, orders=80, bucket_leak=10000) as a, \
            run_sandbox(seed=21, shops=2, orders=80, bucket_leak=10000) as b:
        yield a, b


def call(sb, path, method="GET", **kw):
    return httpx.request(method, sb.url(path), headers=sb.private_headers(0), trust_env=False, timeout=20, **kw)


def test_mutations_are_deterministic(pair):
    a, b = pair
    shop = a.shops[0]["eshop_id"]
    first = [a.mutate(shop=shop, **COUNTS) for _ in range(2)]
    second = [b.mutate(shop=shop, **COUNTS) for _ in range(2)]
    strip = [{k: v for k, v in r.items() if k != "stock_moves"} for r in first]
    assert strip == [{k: v for k, v in r.items() if k != "stock_moves"} for r in second]
    moves = [[(m["stockId"], m["productCode"], m["amountChange"]) for m in r["stock_moves"]] for r in first]
    assert moves == [[(m["stockId"], m["productCode"], m["amountChange"]) for m in r["stock_moves"]] for r in second]
    assert first[0] != first[1]  # successive calls change different records
    for key, count in COUNTS.items():
        assert len(first[0][key]) == count


def test_mutations_are_visible_and_fire_webhooks(pair, receiver):
    sb = pair[1]
    hooks = call(sb, "/api/webhooks", "POST", json={"data": [
        {"event": event, "url": f"{receiver.url}/{event}"} for event in EVENTS]})
    assert hooks.status_code == 201
    since = fmt_dt(time.time() - 60)
    result = sb.mutate(shop=sb.shops[0]["eshop_id"], **COUNTS)

    for code in result["orders_created"]:
        order = assert_contract(call(sb, f"/api/orders/{code}"), "GET", "/api/orders/{code}")["data"]["order"]
        assert order["creationTime"] == order["changeTime"]
    for code in result["orders_deleted"]:
        assert call(sb, f"/api/orders/{code}").status_code == 404
    listed = call(sb, "/api/orders", params={"orderCodes": ",".join(result["orders_created"])}).json()
    assert len(listed["data"]["orders"]) == 3

    changes = call(sb, "/api/orders/changes", params={"from": since, "itemsPerPage": 1000}).json()["data"]["changes"]
    kinds = {c["code"]: c["changeType"] for c in changes}
    assert all(kinds[c] == "edit" for c in result["orders_created"] + result["orders_updated"])
    assert all(kinds[c] == "delete" for c in result["orders_deleted"])
    total = call(sb, "/api/orders").json()["data"]["paginator"]["totalCount"]
    assert total == 80 + 3 * 3 - 3 * 2  # two earlier mutate calls in this sandbox + this one

    customer_changes = call(sb, "/api/customers/changes", params={"from": since}).json()["data"]["changes"]
    assert set(result["customers_updated"]) <= {c["guid"] for c in customer_changes}
    product_changes = call(sb, "/api/products/changes", params={"from": since}).json()["data"]["changes"]
    assert set(result["products_updated"]) <= {c["guid"] for c in product_changes}
    for move in result["stock_moves"]:
        movements = call(sb, f"/api/stocks/{move['stockId']}/movements",
                         params={"lastId": move["movementId"] - 1, "itemsPerPage": 1}).json()["data"]["movements"]
        assert movements[0]["productCode"] == move["productCode"]

    expected = {("order:create", c) for c in result["orders_created"]} | \
               {("order:delete", c) for c in result["orders_deleted"]} | \
               {("customer:update", g) for g in result["customers_updated"]} | \
               {("product:update", g) for g in result["products_updated"]}
    expected |= {("order:update", c) for c in result["orders_updated"]}
    expected |= {("stock:movement", str(m["stockId"])) for m in result["stock_moves"]}
    deadline = time.time() + 10
    while time.time() < deadline and not expected <= {(e["event"], e["eventInstance"]) for e in receiver.events()}:
        time.sleep(0.05)
    assert expected <= {(e["event"], e["eventInstance"]) for e in receiver.events()}


def test_mutate_rejects_unknown_keys(pair):
    with pytest.raises(ValueError, match="unknown keys"):
        pair[0].mutate(shop=pair[0].shops[0]["eshop_id"], orders_exploded=1)


def test_mutate_all_shops(pair):
    result = pair[0].mutate(products_updated=1)
    assert [r["shop"] for r in result["shops"]] == [s["eshop_id"] for s in pair[0].shops]
