"""The stock movement log tells the truth about sales: stock-outs, deliveries, run-time sales and writes."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sandbox_client import serving
from sandbox_contract import assert_contract

from sandbox.config import DEFAULT_BASE_END
from sandbox.formats import parse_decimal, parse_dt
from sandbox.generator.stocklog import RETENTION_DAYS

PRODUCT_LINES = ("product", "bazar", "service", "gift")


@pytest.fixture(scope="module")
def sb():
    with serving(seed=23, shops=1, orders=600, bucket_leak=100000, webhook_retry_seconds=0.2) as handle:
        yield handle


def call(sb, method, path, **kw):
    return sb.client.request(method, path, **kw)


def all_movements(sb, sid=1, **params) -> list[dict]:
    out, page = [], 1
    while True:
        body = call(sb, "GET", f"/api/stocks/{sid}/movements",
                    params={"itemsPerPage": 1000, "page": page, "include": "orderCode", **params})
        data = assert_contract(body, "GET", "/api/stocks/{stockId}/movements")["data"]
        out += data["movements"]
        if page >= data["paginator"]["pageCount"]:
            return out
        page += 1


def amount(text: str) -> int:
    return parse_decimal(text, 3)


def supplies(sb) -> dict[str, int]:
    rows = call(sb, "GET", "/api/stocks/1/supplies").json()["data"]["supplies"]
    return {s["code"]: amount(s["amount"]) for s in rows}


@pytest.fixture(scope="module")
def history(sb) -> list[dict]:
    """The generated history's log, read once before the tests below write anything."""
    return all_movements(sb)


def test_log_is_consistent_never_negative_and_ends_at_the_supplies(sb, history):
    movements = history
    assert parse_dt(movements[0]["changeTime"]) >= DEFAULT_BASE_END - RETENTION_DAYS * 86400
    ids = [m["id"] for m in movements]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    last: dict[str, int] = {}
    for m in movements:
        actual, change = amount(m["actualAmount"]), amount(m["amountChange"])
        assert actual >= 0, m
        if m["productCode"] in last:
            assert last[m["productCode"]] + change == actual, m
        last[m["productCode"]] = actual
    current = supplies(sb)
    assert all(current[code] == value for code, value in last.items())


def test_stock_runs_out_and_comes_back(history):
    movements = history
    by_code = defaultdict(list)
    for m in movements:
        by_code[m["productCode"]].append(m)
    outs = 0
    for rows in by_code.values():
        for k, m in enumerate(rows[:-1]):
            if amount(m["actualAmount"]) == 0 and m["changedBy"] == "customer":
                outs += 1
                refill = rows[k + 1]  # nothing is sold while the shelf is empty: the next move is a delivery
                assert refill["changedBy"] == "admin" and amount(refill["amountChange"]) > 0, (m, refill)
    assert outs >= 5


def test_every_sale_is_an_order_line_and_cancelled_orders_take_nothing(sb, history):
    movements = history
    sales = defaultdict(list)
    for m in movements:
        if m["changedBy"] == "customer":
            sales[m["orderCode"]].append((m["productCode"], -amount(m["amountChange"])))
    horizon = movements[0]["changeTime"]
    orders = call(sb, "GET", "/api/orders", params={"creationTimeFrom": horizon}).json()["data"]
    codes = [o["code"] for o in orders["orders"]]
    for page in range(2, orders["paginator"]["pageCount"] + 1):
        codes += [o["code"] for o in call(sb, "GET", "/api/orders", params={"creationTimeFrom": horizon,
                                                                            "page": page}).json()["data"]["orders"]]
    assert len(codes) > 100
    checked = 0
    for code in codes:
        order = call(sb, "GET", f"/api/orders/{code}").json()["data"]["order"]
        lines = sorted((i["code"], amount(i["amount"])) for i in order["items"] if i["itemType"] in PRODUCT_LINES)
        if order["status"]["id"] == -4:
            assert code not in sales
        else:
            assert sorted(sales.pop(code, [])) == lines, code
            checked += 1
    assert not sales and checked > 100


def test_runtime_sales_take_stock_and_cancellations_give_it_back(sb, receiver):
    hooks = call(sb, "POST", "/api/webhooks", json={"data": [
        {"event": "stock:movement", "url": f"{receiver.url}/movement"},
        {"event": "order:create", "url": f"{receiver.url}/create"}]})
    assert hooks.status_code == 201
    last = call(sb, "GET", "/api/stocks/1/movements/last").json()["data"]["lastId"]
    before = supplies(sb)
    created = sb.mutate(shop=sb.shops[0]["eshop_id"], orders_created=4)["orders_created"]
    new = all_movements(sb, lastId=last)
    taken = defaultdict(int)
    for code in created:
        order = call(sb, "GET", f"/api/orders/{code}").json()["data"]["order"]
        lines = sorted((i["code"], amount(i["amount"])) for i in order["items"] if i["itemType"] in PRODUCT_LINES)
        moved = sorted((m["productCode"], -amount(m["amountChange"])) for m in new if m["orderCode"] == code)
        assert moved == lines and all(m["changedBy"] == "customer" for m in new if m["orderCode"] == code)
        for variant, qty in lines:
            assert before[variant] >= qty  # a selling shop never sells what it does not have
            taken[variant] += qty
    after = supplies(sb)
    assert all(after[code] == before[code] - qty for code, qty in taken.items())
    assert receiver.wait_for(lambda c: c["path"] == "/create")
    assert receiver.wait_for(lambda c: c["path"] == "/movement")

    cancelled = created[0]
    last = call(sb, "GET", "/api/stocks/1/movements/last").json()["data"]["lastId"]
    assert call(sb, "PATCH", f"/api/orders/{cancelled}/status", json={"data": {"statusId": -4}}).status_code == 200
    back = all_movements(sb, lastId=last)
    assert back and all(m["orderCode"] == cancelled and amount(m["amountChange"]) > 0 for m in back)


def test_stock_patch_comes_back_in_the_log_and_fires_sold_out(sb, receiver):
    rows = call(sb, "GET", "/api/stocks/1/supplies").json()["data"]["supplies"]
    code = next(s["code"] for s in rows if amount(s["amount"]) > 0)
    hooks = call(sb, "POST", "/api/webhooks", json={"data": [
        {"event": "stock:soldOut", "url": f"{receiver.url}/out"},
        {"event": "stock:inStock", "url": f"{receiver.url}/in"}]})
    assert hooks.status_code == 201
    for sid in sb.shops[0]["stocks"][1:]:  # sold out = nothing left in any stock
        assert call(sb, "PATCH", f"/api/stocks/{sid}/movements",
                    json={"data": [{"productCode": code, "quantity": 0}]}).status_code == 200
    last = call(sb, "GET", "/api/stocks/1/movements/last").json()["data"]["lastId"]
    body = [{"productCode": code, "quantity": 0}] + [{"productCode": s["code"], "amountChange": 0}
                                                      for s in rows[:299] if s["code"] != code]
    response = call(sb, "PATCH", "/api/stocks/1/movements", json={"data": body[:300]})
    assert assert_contract(response, "PATCH", "/api/stocks/{stockId}/movements")["errors"] is None
    mine = [m for m in all_movements(sb, lastId=last) if m["productCode"] == code]
    assert mine[0]["actualAmount"] == "0.000" and mine[0]["changedBy"] == "api"
    assert receiver.wait_for(lambda c: c["path"] == "/out" and code.encode().replace(b"/", b"\\/") in c["body"])
    call(sb, "PATCH", "/api/stocks/1/movements", json={"data": [{"productCode": code, "realStock": 5}]})
    assert receiver.wait_for(lambda c: c["path"] == "/in")
    too_many = call(sb, "PATCH", "/api/stocks/1/movements",
                    json={"data": [{"productCode": code, "amountChange": 1}] * 301})
    assert too_many.status_code == 413
    assert_contract(too_many, "PATCH", "/api/stocks/{stockId}/movements")
    unknown_stock = call(sb, "PATCH", "/api/stocks/99/movements", json={"data": [{"productCode": code,
                                                                                    "quantity": 1}]})
    assert unknown_stock.status_code == 404
    assert_contract(unknown_stock, "PATCH", "/api/stocks/{stockId}/movements")
    wrong = call(sb, "PATCH", "/api/stocks/1/movements", json={"data": [{"productCode": code, "quantity": "x"}]})
    assert wrong.status_code == 422
    assert_contract(wrong, "PATCH", "/api/stocks/{stockId}/movements")


def test_movement_filters(sb, history):
    movements = history
    sale = next(m for m in reversed(movements) if m["changedBy"] == "customer")
    by_order = call(sb, "GET", "/api/stocks/1/movements", params={"orderCode": sale["orderCode"],
                                                                  "include": "orderCode"}).json()["data"]
    assert by_order["movements"] and all(m["orderCode"] == sale["orderCode"] for m in by_order["movements"])
    since = call(sb, "GET", "/api/stocks/1/movements", params={"changeTimeFrom": sale["changeTime"],
                                                               "itemsPerPage": 1000}).json()["data"]["movements"]
    assert since and all(m["changeTime"] >= sale["changeTime"] for m in since)
