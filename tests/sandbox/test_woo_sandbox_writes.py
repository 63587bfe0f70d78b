"""Writes in the WooCommerce sandbox follow WooCommerce's rules (API notes §3, §5-§8)."""

from __future__ import annotations

import uuid

import pytest


def _product(woo_api, **fields) -> dict:
    response = woo_api.post("/products", json={"name": "Test product", "regular_price": "121",
                                               "sku": f"T-{uuid.uuid4().hex[:8]}", "manage_stock": True,
                                               "stock_quantity": 10, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_order_create_set_paid_and_stock(woo_api):
    product = _product(woo_api)
    response = woo_api.post("/orders", json={"line_items": [{"product_id": product["id"], "quantity": 2}],
                                             "billing": {"email": "guest@example.test", "first_name": "Eva"},
                                             "set_paid": True})
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/orders/{response.json()['id']}")
    order = response.json()
    assert order["status"] == "processing" and order["date_paid_gmt"] and order["customer_id"] == 0
    line = order["line_items"][0]
    assert (line["total"], line["total_tax"], order["total"]) == ("200.00", "42.00", "242.00")
    assert woo_api.get(f"/products/{product['id']}").json()["stock_quantity"] == 8


def test_order_line_items_merge(woo_api):
    a, b = _product(woo_api), _product(woo_api, regular_price="60.50")
    order = woo_api.post("/orders", json={"line_items": [{"product_id": a["id"], "quantity": 1}]}).json()
    first = order["line_items"][0]
    changed = woo_api.put(f"/orders/{order['id']}", json={"line_items": [
        {"id": first["id"], "quantity": 3}, {"sku": b["sku"], "quantity": 1}]}).json()
    assert [(x["product_id"], x["quantity"]) for x in changed["line_items"]] == [(a["id"], 3), (b["id"], 1)]
    assert changed["line_items"][0]["id"] == first["id"], "a line with an id is updated in place"
    repeated = woo_api.put(f"/orders/{order['id']}", json={"line_items": [{"product_id": b["id"], "quantity": 1}]})
    assert len(repeated.json()["line_items"]) == 3, "lines without an id are added (a repeated PUT duplicates)"
    removed = woo_api.put(f"/orders/{order['id']}", json={"line_items": [{"id": first["id"], "quantity": 0}]}).json()
    assert first["id"] not in [x["id"] for x in removed["line_items"]]
    foreign = woo_api.put(f"/orders/{order['id']}", json={"line_items": [{"id": 1, "quantity": 1}]})
    assert foreign.status_code == 400 and foreign.json()["code"] == "woocommerce_rest_invalid_item_id"
    no_ref = woo_api.post("/orders", json={"line_items": [{"quantity": 1}]})
    assert no_ref.json()["code"] == "woocommerce_rest_required_product_reference"


def test_order_invalid_references(woo_api):
    bad_customer = woo_api.post("/orders", json={"customer_id": 99_999_999})
    assert bad_customer.status_code == 400 and bad_customer.json()["code"] == "woocommerce_rest_invalid_customer_id"
    existing = woo_api.post("/orders", json={"id": 5})
    assert existing.json()["code"] == "woocommerce_rest_shop_order_exists"
    bad_status = woo_api.post("/orders", json={"status": "shipped"})
    assert bad_status.status_code == 400 and "status" in bad_status.json()["data"]["params"]


def test_order_trash_then_force(woo_api):
    order = woo_api.post("/orders", json={"status": "on-hold"}).json()
    trashed = woo_api.delete(f"/orders/{order['id']}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "on-hold", "the answer shows it before"
    assert woo_api.get(f"/orders/{order['id']}").json()["status"] == "trash"
    again = woo_api.delete(f"/orders/{order['id']}")
    assert again.status_code == 410 and again.json()["code"] == "woocommerce_rest_already_trashed"
    assert woo_api.delete(f"/orders/{order['id']}", params={"force": "true"}).status_code == 200
    assert woo_api.get(f"/orders/{order['id']}").status_code == 404


def test_sku_unique_across_products_and_variations(woo_api):
    product = _product(woo_api)
    clash = woo_api.post("/products", json={"name": "Clash", "sku": product["sku"]})
    assert clash.status_code == 400
    assert clash.json()["code"] == "product_invalid_sku"
    assert clash.json()["data"]["resource_id"] == product["id"]
    assert clash.json()["data"]["unique_sku"] == f"{product['sku']}-1"
    parent = woo_api.post("/products", json={"name": "Variable", "type": "variable", "regular_price": "99"}).json()
    assert parent["regular_price"] == "", "a variable product's own price is blanked"
    variation = woo_api.post(f"/products/{parent['id']}/variations",
                             json={"sku": f"{product['sku']}-V", "regular_price": "50", "manage_stock": True,
                                   "stock_quantity": 3, "attributes": [{"id": 1, "option": "modrá"}]})
    assert variation.status_code == 201
    var_clash = woo_api.post(f"/products/{parent['id']}/variations", json={"sku": product["sku"]})
    assert var_clash.json()["code"] == "product_invalid_sku"
    found = woo_api.get("/products", params={"sku": f"{product['sku']}-V"}).json()
    assert [p["id"] for p in found] == [variation.json()["id"]]
    assert woo_api.get(f"/products/{parent['id']}").json()["price"] == "50"


def test_stock_rules(woo_api):
    product = _product(woo_api)
    unmanaged = woo_api.put(f"/products/{product['id']}", json={"manage_stock": False, "stock_quantity": 99,
                                                                 "stock_status": "onbackorder"}).json()
    assert unmanaged["stock_quantity"] is None and unmanaged["stock_status"] == "onbackorder"
    managed = woo_api.put(f"/products/{product['id']}", json={"manage_stock": True, "stock_quantity": 0}).json()
    assert managed["stock_quantity"] == 0 and managed["stock_status"] == "outofstock"


@pytest.mark.parametrize(("path", "code"), [("/customers/{id}", "woocommerce_rest_trash_not_supported"),
                                            ("/webhooks/{id}", "woocommerce_rest_trash_not_supported")])
def test_delete_without_force_where_there_is_no_trash(woo_api, path, code):
    if path.startswith("/customers"):
        item = woo_api.post("/customers", json={"email": f"c{uuid.uuid4().hex[:8]}@example.test"}).json()
    else:
        item = woo_api.post("/webhooks", json={"topic": "order.created", "status": "paused",
                                               "delivery_url": "http://127.0.0.1:9/"}).json()
    refused = woo_api.delete(path.format(id=item["id"]))
    assert refused.status_code == 501 and refused.json()["code"] == code
    assert woo_api.delete(path.format(id=item["id"]), params={"force": "true"}).status_code == 200


def test_customer_rules(woo_api):
    email = f"c{uuid.uuid4().hex[:8]}@example.test"
    created = woo_api.post("/customers", json={"email": email, "first_name": "Jana", "billing": {"city": "Brno"}})
    assert created.status_code == 201 and created.json()["billing"]["city"] == "Brno"
    taken = woo_api.post("/customers", json={"email": email})
    assert taken.status_code == 400 and taken.json()["code"] == "registration-error-email-exists"
    missing = woo_api.post("/customers", json={"first_name": "No mail"})
    assert missing.json()["code"] == "rest_missing_callback_param"
    unknown = woo_api.put("/customers/99999999", json={"first_name": "x"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "woocommerce_rest_invalid_id"


def test_batch_limit_and_per_item_errors(woo_api):
    too_many = woo_api.post("/products/batch", json={"update": [{"id": 1}] * 60, "delete": [1] * 41})
    assert too_many.status_code == 413
    assert too_many.json() == {"code": "woocommerce_rest_request_entity_too_large",
                               "message": "Unable to accept more than 100 items for this request.",
                               "data": {"status": 413}}
    product = _product(woo_api)
    response = woo_api.post("/products/batch", json={
        "create": [{"name": "Batch new", "sku": f"B-{uuid.uuid4().hex[:8]}"}, {"name": "Dup", "sku": product["sku"]}],
        "update": [{"id": product["id"], "regular_price": "7"}], "delete": [product["id"], 424242]})
    assert response.status_code == 200
    body = response.json()
    assert body["create"][0]["id"] and body["create"][1] == {
        "id": 0, "error": {"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
                           "data": {"status": 400, "resource_id": product["id"],
                                    "unique_sku": f"{product['sku']}-1"}}}
    assert body["update"][0]["regular_price"] == "7"
    assert body["delete"][0]["id"] == product["id"] and body["delete"][1]["error"]["data"]["status"] == 404
    assert woo_api.get(f"/products/{product['id']}").status_code == 404, "batch delete is permanent"
