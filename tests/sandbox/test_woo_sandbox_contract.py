"""WooCommerce sandbox answers validate against the OpenAPI documents (with the deviations in woo_contract)."""

from __future__ import annotations

import re

import pytest
from woo_contract import GENERATED, assert_contract, assert_schema

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def test_order_list_and_detail(woo_api):
    orders = assert_contract(woo_api.get("/orders", params={"per_page": 100}), "GET", "/orders")
    assert len(orders) == 100
    kinds = {o["customer_id"] == 0 for o in orders}
    assert kinds == {True, False}, "guests and registered customers both appear"
    for order in orders:
        assert DATE.match(order["date_created"]) and DATE.match(order["date_created_gmt"])
        assert order["date_created"] != order["date_created_gmt"]  # Europe/Prague is never UTC
        assert isinstance(order["line_items"][0]["price"], float)
        assert all(isinstance(order[k], str) for k in ("total", "total_tax", "shipping_total"))
    detail = assert_contract(woo_api.get(f"/orders/{orders[0]['id']}"), "GET", "/orders/{orderId}")
    assert detail == orders[0]


def test_statuses_and_refunds(woo_api):
    seen = set()
    for status in ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
                   "checkout-draft"):
        response = woo_api.get("/orders", params={"status": status, "per_page": 5})
        assert_contract(response, "GET", "/orders")
        if response.json():
            seen.add(status)
            assert {o["status"] for o in response.json()} == {status}
    assert seen >= {"completed", "processing", "cancelled", "refunded", "failed", "trash"}
    refunded = woo_api.get("/orders", params={"status": "refunded", "per_page": 1}).json()[0]
    assert refunded["refunds"] and refunded["refunds"][0]["total"].startswith("-")
    refunds = assert_contract(woo_api.get(f"/orders/{refunded['id']}/refunds"), "GET",
                              "/orders/{order_id}/refunds", GENERATED)
    assert refunds[0]["id"] == refunded["refunds"][0]["id"] and refunds[0]["amount"] == refunded["total"]


def test_customers(woo_api):
    customers = assert_contract(woo_api.get("/customers", params={"per_page": 20}), "GET", "/customers")
    names = [f"{c['first_name']} {c['last_name']}".lower() for c in customers]
    assert names == sorted(names), "customers sort by name by default"
    detail = assert_contract(woo_api.get(f"/customers/{customers[0]['id']}"), "GET", "/customers/{customerId}")
    assert detail["email"] == customers[0]["email"] and detail["role"] == "customer"


def test_products_and_variations(woo_api):
    products = assert_contract(woo_api.get("/products", params={"per_page": 50}), "GET", "/products")
    variable = next(p for p in products if p["type"] == "variable")
    assert variable["regular_price"] == "" and variable["variations"]
    variations = assert_contract(woo_api.get(f"/products/{variable['id']}/variations"), "GET",
                                 "/products/{productId}/variations")
    assert {v["id"] for v in variations} == set(variable["variations"])
    first = variations[0]
    assert_contract(woo_api.get(f"/products/{variable['id']}/variations/{first['id']}"), "GET",
                    "/products/{productId}/variations/{variationId}")
    as_product = assert_contract(woo_api.get(f"/products/{first['id']}"), "GET", "/products/{productId}")
    assert as_product["type"] == "variation" and as_product["parent_id"] == variable["id"]


def test_webhook_shapes(woo_api):
    created = woo_api.post("/webhooks", json={"name": "contract", "topic": "order.updated", "status": "paused",
                                              "delivery_url": "http://127.0.0.1:9/hook", "secret": "s3cret"})
    body = assert_contract(created, "POST", "/webhooks", GENERATED)
    assert created.status_code == 201 and body["secret"] == "s3cret"
    view = assert_contract(woo_api.get(f"/webhooks/{body['id']}"), "GET", "/webhooks/{id}", GENERATED)
    assert "secret" not in view, "the secret is shown only in the edit context"
    assert_contract(woo_api.get("/webhooks"), "GET", "/webhooks", GENERATED)
    woo_api.delete(f"/webhooks/{body['id']}", params={"force": "true"})


@pytest.mark.parametrize(("method", "path", "template", "status", "code"), [
    ("GET", "/orders/1", "/orders/{orderId}", 404, "woocommerce_rest_shop_order_invalid_id"),
    ("PUT", "/orders/1", "/orders/{orderId}", 400, "woocommerce_rest_shop_order_invalid_id"),
    ("GET", "/products/3", "/products/{productId}", 404, "woocommerce_rest_product_invalid_id"),
    ("DELETE", "/customers/2", "/customers/{customerId}", 501, "woocommerce_rest_trash_not_supported"),
    ("GET", "/orders?per_page=101", "/orders", 400, "rest_invalid_param"),
])
def test_error_bodies(woo_api, method, path, template, status, code):
    response = woo_api.request(method, path, json={} if method == "PUT" else None)
    assert response.status_code == status
    assert assert_contract(response, method, template.split("?")[0])["code"] == code


def test_batch_answer_shape(woo_api):
    created = woo_api.post("/products", json={"name": "Batch shape", "regular_price": "10"}).json()
    response = woo_api.post("/products/batch", json={"update": [{"id": created["id"], "sale_price": "9"},
                                                                {"id": 1, "name": "nope"}]})
    body = assert_contract(response, "POST", "/products/batch")
    assert response.status_code == 200
    ok, failed = body["update"]
    assert_schema(ok, "Product")
    assert ok["sale_price"] == "9" and failed["id"] == 1
    assert failed["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert failed["error"]["data"]["status"] == 400
