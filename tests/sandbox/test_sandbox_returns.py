"""Returns are credit notes linked to completed orders; restocking puts the goods back."""

from __future__ import annotations

import pytest
from sandbox_client import serving
from sandbox_contract import assert_contract

from sandbox.formats import parse_decimal


@pytest.fixture(scope="module")
def sb():
    with serving(seed=53, shops=1, orders=1500, bucket_leak=100000) as handle:
        yield handle


def test_credit_notes_list_detail_and_changes(sb):
    listed = assert_contract(sb.client.get("/api/credit-notes"), "GET", "/api/credit-notes")["data"]
    total = listed["paginator"]["totalCount"]
    assert 0.01 * 1500 < total < 0.08 * 1500
    times = [n["creationTime"] for n in listed["creditNotes"]]
    assert times == sorted(times)
    note = listed["creditNotes"][0]
    detail = assert_contract(sb.client.get(f"/api/credit-notes/{note['code']}"), "GET",
                             "/api/credit-notes/{code}")["data"]["creditNote"]
    order = sb.client.get(f"/api/orders/{detail['orderCode']}").json()["data"]["order"]
    assert order["status"]["id"] in (-2, 3) and detail["creationTime"] > order["creationTime"]
    ordered = {i["code"]: i for i in order["items"] if i["itemType"] == "product"}
    assert detail["items"]
    for item in detail["items"]:
        assert item["amount"] == "-" + ordered[item["code"]]["amount"]  # what comes back, negative
        assert parse_decimal(item["itemPrice"]["withVat"], 2) == -parse_decimal(
            ordered[item["code"]]["itemPrice"]["withVat"], 2)
    assert parse_decimal(detail["price"]["withVat"], 2) == sum(parse_decimal(i["itemPrice"]["withVat"], 2)
                                                               for i in detail["items"])
    assert detail["restocked"] is False and detail["customer"]["email"] == order["email"]
    window = sb.client.get("/api/credit-notes", params={"creationTimeFrom": times[1], "creationTimeTo": times[1]})
    assert [n["code"] for n in window.json()["data"]["creditNotes"]] == [listed["creditNotes"][1]["code"]]
    changes = sb.client.get("/api/credit-notes/changes", params={"from": "2020-01-01T00:00:00+0100"})
    assert_contract(changes, "GET", "/api/credit-notes/changes")
    missing = sb.client.get("/api/credit-notes/0099999999")
    assert missing.status_code == 404
    assert_contract(missing, "GET", "/api/credit-notes/{code}")


def test_restock_puts_the_goods_back_once(sb):
    code = sb.client.get("/api/credit-notes").json()["data"]["creditNotes"][-1]["code"]
    note = sb.client.get(f"/api/credit-notes/{code}").json()["data"]["creditNote"]
    last = sb.client.get("/api/stocks/1/movements/last").json()["data"]["lastId"]
    response = sb.client.post(f"/api/credit-notes/{code}/restock")
    assert assert_contract(response, "POST", "/api/credit-notes/{code}/restock")["data"] == {"notes": []}
    moved = sb.client.get("/api/stocks/1/movements", params={"lastId": last, "include": "orderCode"}).json()
    back = sorted((m["productCode"], "-" + m["amountChange"]) for m in moved["data"]["movements"])
    assert back == sorted((i["code"], i["amount"]) for i in note["items"])
    assert all(m["orderCode"] == note["orderCode"] for m in moved["data"]["movements"])
    after = sb.client.get(f"/api/credit-notes/{code}").json()["data"]["creditNote"]
    assert after["restocked"] is True and after["stockAmountChangeType"] == "load"
    changes = sb.client.get("/api/credit-notes/changes", params={"from": after["changeTime"]}).json()["data"]
    assert code in [c["code"] for c in changes["changes"]]
    again = sb.client.post(f"/api/credit-notes/{code}/restock")
    assert again.status_code == 409
    assert assert_contract(again, "POST", "/api/credit-notes/{code}/restock")["errors"][0]["errorCode"] == \
        "credit-note-already-restocked"
    missing = sb.client.post("/api/credit-notes/0099999999/restock")
    assert missing.status_code == 404
    assert_contract(missing, "POST", "/api/credit-notes/{code}/restock")
