"""Write endpoints: success, partial success and error answers against the spec."""

from __future__ import annotations

import pytest
from sandbox_contract import assert_contract


def order_codes(api, count: int, page: int = 2) -> list[str]:
    orders = api.get("/api/orders", params={"page": page}).json()["data"]["orders"]
    return [o["code"] for o in orders[:count]]


# -- order status -----------------------------------------------------------------------------

def test_patch_order_status(api):
    code = order_codes(api, 1, page=3)[0]
    before = api.get(f"/api/orders/{code}").json()["data"]["order"]
    target = -4 if before["status"]["id"] != -4 else -1
    response = api.patch(f"/api/orders/{code}/status", json={"data": {"statusId": target, "paid": False}},
                         params={"suppressEmailSending": "true"})
    order = assert_contract(response, "PATCH", "/api/orders/{code}/status")["data"]["order"]
    assert order["status"]["id"] == target and order["paid"] is False
    assert order["changeTime"] > before["changeTime"]
    again = api.get(f"/api/orders/{code}").json()["data"]["order"]
    assert again["status"]["id"] == target
    listed = api.get("/api/orders", params={"orderCodes": code}).json()["data"]["orders"][0]
    assert listed["status"]["id"] == target and listed["changeTime"] == order["changeTime"]
    changes = api.get("/api/orders/changes", params={"from": order["changeTime"]}).json()["data"]["changes"]
    assert {"code": code, "changeTime": order["changeTime"], "changeType": "edit"} in changes
    recent = api.get("/api/orders", params={"changeTimeFrom": order["changeTime"]}).json()["data"]["orders"]
    assert code in [o["code"] for o in recent]
    by_status = api.get("/api/orders", params={"statusId": target, "itemsPerPage": 50, "codeFrom": code,
                                                "codeTo": code}).json()["data"]["orders"]
    assert [o["code"] for o in by_status] == [code]


@pytest.mark.parametrize(("body", "status", "error_code"), [
    ({"data": {}}, 422, "invalid-request-data"),
    ({"data": {"statusId": 2026}}, 422, "invalid-request-data"),
    ({"data": {"statusId": -1, "color": "red"}}, 422, "invalid-request-data"),
    ({"nodata": 1}, 422, "invalid-request-data"),
])
def test_patch_order_status_invalid(api, body, status, error_code):
    code = order_codes(api, 1)[0]
    response = api.patch(f"/api/orders/{code}/status", json=body)
    assert response.status_code == status
    assert assert_contract(response, "PATCH", "/api/orders/{code}/status")["errors"][0]["errorCode"] == error_code


def test_patch_order_status_not_json(api):
    code = order_codes(api, 1)[0]
    response = api.patch(f"/api/orders/{code}/status", content=b"{not json")
    assert response.status_code == 422
    assert_contract(response, "PATCH", "/api/orders/{code}/status")


def test_patch_unknown_order(api):
    response = api.patch("/api/orders/1999000001/status", json={"data": {"statusId": -1}})
    assert response.status_code == 404
    assert assert_contract(response, "PATCH", "/api/orders/{code}/status")["errors"][0]["errorCode"] == \
        "order-not-found"


def test_bulk_status_change(api):
    codes = order_codes(api, 3, page=4)
    response = api.patch("/api/orders/status-change",
                         json={"data": {"orderCodes": [*codes, "1999000001"], "statusId": 3}})
    body = assert_contract(response, "PATCH", "/api/orders/status-change")
    assert body["data"] is None
    assert body["errors"][0]["errorCode"] == "invalid-request-data" and "1999000001" in body["errors"][0]["message"]
    statuses = [o["status"]["id"] for o in
                api.get("/api/orders", params={"orderCodes": ",".join(codes)}).json()["data"]["orders"]]
    assert statuses == [3, 3, 3]


def test_bulk_status_change_errors(api):
    all_missing = api.patch("/api/orders/status-change",
                            json={"data": {"orderCodes": ["1999000001"], "statusId": -1}})
    assert all_missing.status_code == 400
    assert_contract(all_missing, "PATCH", "/api/orders/status-change")
    too_many = api.patch("/api/orders/status-change",
                         json={"data": {"orderCodes": [str(k) for k in range(101)], "statusId": 2026}})
    assert too_many.status_code == 422
    body = assert_contract(too_many, "PATCH", "/api/orders/status-change")
    assert {e["instance"] for e in body["errors"]} == {"data.statusId", "data.orderCodes"}


# -- products -----------------------------------------------------------------------------------

def test_patch_product_language_texts(api):
    guid = api.get("/api/products", params={"page": 2, "itemsPerPage": 5}).json()["data"]["products"][0]["guid"]
    default_name = api.get(f"/api/products/{guid}").json()["data"]["name"]
    other = api.shop["languages"][1]
    response = api.patch(f"/api/products/{guid}", params={"language": other},
                         json={"data": {"name": "Přeložený název", "shortDescription": "<p>Krátký</p>"}})
    product = assert_contract(response, "PATCH", "/api/products/{guid}")["data"]
    assert product["name"] == "Přeložený název"
    assert api.get(f"/api/products/{guid}", params={"language": other}).json()["data"]["shortDescription"] == \
        "<p>Krátký</p>"
    assert api.get(f"/api/products/{guid}").json()["data"]["name"] == default_name  # other language untouched
    changes = api.get("/api/products/changes", params={"from": product["changeTime"]}).json()["data"]["changes"]
    assert guid in [c["guid"] for c in changes]


def test_patch_product_by_code_and_variant(api):
    product = api.get("/api/products", params={"page": 3, "itemsPerPage": 5}).json()["data"]["products"][0]
    code = api.get(f"/api/products/{product['guid']}").json()["data"]["variants"][0]["code"]
    response = api.patch(f"/api/products/code/{code}",
                         json={"data": {"visibility": "hidden", "variants": [{"code": code, "ean": "8590000000017"}]}})
    body = assert_contract(response, "PATCH", "/api/products/code/{code}")["data"]
    assert body["visibility"] == "hidden" and body["variants"][0]["ean"] == "8590000000017"


@pytest.mark.parametrize(("data", "status", "error_code"), [
    ({"colour": "red"}, 422, "invalid-request-data"),
    ({"name": ""}, 422, "invalid-request-data"),
    ({"visibility": "sometimes"}, 422, "invalid-request-data"),
    ({"preauthorizationRequired": True}, 403, "missing-module"),
])
def test_patch_product_errors(api, data, status, error_code):
    guid = api.get("/api/products").json()["data"]["products"][1]["guid"]
    response = api.patch(f"/api/products/{guid}", json={"data": data})
    assert response.status_code == status
    assert assert_contract(response, "PATCH", "/api/products/{guid}")["errors"][0]["errorCode"] == error_code


# -- stock --------------------------------------------------------------------------------------

def _supply(api, sid, code):
    return api.get(f"/api/stocks/{sid}/supplies", params={"code": code}).json()["data"]["supplies"][0]


def test_stock_movements_patch(api):
    sid = api.shop["stocks"][0]
    supplies = api.get(f"/api/stocks/{sid}/supplies").json()["data"]["supplies"]
    a, b, c = supplies[3], supplies[4], supplies[5]
    last_before = api.get(f"/api/stocks/{sid}/movements/last").json()["data"]["lastId"]
    response = api.patch(f"/api/stocks/{sid}/movements", json={"data": [
        {"productCode": a["code"], "amountChange": 2},
        {"productCode": b["code"], "quantity": 7},
        {"productCode": c["code"], "realStock": 10},
        {"productCode": "001-non-exists", "amountChange": 1},
    ]})
    body = assert_contract(response, "PATCH", "/api/stocks/{stockId}/movements")
    assert body["data"] is None
    assert body["errors"] == [{"errorCode": "unknown-product", "message": 'Product "001-non-exists" does not exist. '
                               "Skipped.", "instance": "001-non-exists"}]
    assert float(_supply(api, sid, a["code"])["amount"]) == float(a["amount"]) + 2
    assert _supply(api, sid, b["code"])["amount"] == "7.000"
    c_now = _supply(api, sid, c["code"])
    assert float(c_now["amount"]) + float(c_now["claim"]) == 10
    new = api.get(f"/api/stocks/{sid}/movements", params={"lastId": last_before}).json()["data"]["movements"]
    # Ids are one incremental log across the shop, so they grow but may skip numbers within a stock.
    ids = [m["id"] for m in new]
    assert len(ids) == 3 and ids == sorted(ids) and ids[0] > last_before
    assert new[0]["amountChange"] == "2.000"
    assert api.get(f"/api/stocks/{sid}/movements/last").json()["data"]["lastId"] == ids[-1]


def test_stock_movements_errors(api):
    sid = api.shop["stocks"][0]
    all_bad = api.patch(f"/api/stocks/{sid}/movements", json={"data": [{"productCode": "nope", "quantity": 1}]})
    assert all_bad.status_code == 400
    assert_contract(all_bad, "PATCH", "/api/stocks/{stockId}/movements")
    both = api.patch(f"/api/stocks/{sid}/movements",
                     json={"data": [{"productCode": "x", "quantity": 1, "realStock": 2}]})
    assert both.status_code == 422
    assert_contract(both, "PATCH", "/api/stocks/{stockId}/movements")
    too_many = api.patch(f"/api/stocks/{sid}/movements",
                         json={"data": [{"productCode": "x", "amountChange": 1}] * 301})
    assert too_many.status_code == 413
    assert_contract(too_many, "PATCH", "/api/stocks/{stockId}/movements")


# -- webhooks -----------------------------------------------------------------------------------

def test_webhook_registration_lifecycle(api2, receiver):
    response = api2.post("/api/webhooks", json={"data": [
        {"event": "order:create", "url": f"{receiver.url}/a"},
        {"event": "customer:update", "url": f"{receiver.url}/b"},
    ]})
    assert response.status_code == 201
    hooks = assert_contract(response, "POST", "/api/webhooks")["data"]["webhooks"]
    listed = assert_contract(api2.get("/api/webhooks"), "GET", "/api/webhooks")["data"]["webhooks"]
    assert {h["id"] for h in hooks} <= {h["id"] for h in listed}
    one = assert_contract(api2.get(f"/api/webhooks/{hooks[0]['id']}"), "GET", "/api/webhooks/{id}")
    assert one["data"]["webhook"] == hooks[0]
    patched = api2.patch(f"/api/webhooks/{hooks[0]['id']}", json={"data": {"url": f"{receiver.url}/a2"}})
    assert assert_contract(patched, "PATCH", "/api/webhooks/{id}")["data"]["webhook"]["url"].endswith("/a2")
    missing = api2.patch("/api/webhooks/999999", json={"data": {"url": receiver.url}})
    assert missing.status_code == 404
    assert_contract(missing, "PATCH", "/api/webhooks/{id}")

    duplicate = api2.post("/api/webhooks", json={"data": [{"event": "order:create", "url": f"{receiver.url}/c"}]})
    assert duplicate.status_code == 422
    assert "already exists" in assert_contract(duplicate, "POST", "/api/webhooks")["errors"][0]["message"]
    conflict = api2.post("/api/webhooks", json={"data": [{"event": "customer:disableOrders", "url": receiver.url}]})
    assert conflict.status_code == 409
    assert_contract(conflict, "POST", "/api/webhooks")
    unknown = api2.post("/api/webhooks", json={"data": [{"event": "order:explode", "url": receiver.url}]})
    assert unknown.status_code == 422

    key = assert_contract(api2.post("/api/webhooks/renew-signature-key"), "POST",
                          "/api/webhooks/renew-signature-key")["data"]["signatureKey"]
    assert len(key) == 32 and int(key, 16) >= 0
    for hook in hooks:
        deleted = api2.delete(f"/api/webhooks/{hook['id']}")
        assert_contract(deleted, "DELETE", "/api/webhooks/{id}")
    gone = api2.delete(f"/api/webhooks/{hooks[0]['id']}")
    assert gone.status_code == 404
    assert assert_contract(gone, "DELETE", "/api/webhooks/{id}")["errors"][0]["errorCode"] == "webhook-not-found"
