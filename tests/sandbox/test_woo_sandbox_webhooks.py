"""Webhooks of the WooCommerce sandbox: ping, signed deliveries, coalescing, auto-disable, faults (notes §9)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs

import pytest

from sandbox.woocommerce.testing import run_woo_sandbox

SECRET = "hub-secret-123"


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=3, orders=60, webhook_delay=0.3) as sb:
        yield sb


@pytest.fixture
def api(woo_store_api):
    yield woo_store_api
    for hook in woo_store_api.get("/webhooks", params={"per_page": 100}).json():
        woo_store_api.delete(f"/webhooks/{hook['id']}", params={"force": "true"})


def _hook(api, receiver, path: str, topic: str = "order.updated", **extra) -> dict:
    response = api.post("/webhooks", json={"name": path, "topic": topic, "secret": SECRET,
                                           "delivery_url": receiver.url + path, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _deliveries(receiver, path: str) -> list[dict]:
    return [c for c in receiver.calls if c["path"] == path and "X-WC-Webhook-Topic" in c["headers"]]


def _wait(receiver, path: str, count: int, timeout: float = 10.0) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        calls = _deliveries(receiver, path)
        if len(calls) >= count:
            return calls
        time.sleep(0.02)
    return _deliveries(receiver, path)


def _hook_state(store, hook_id: int, until=lambda state: True, timeout: float = 10.0) -> dict:
    """The store's own view of a webhook (failure count, delivery log), once `until` holds or time is up:
    a delivery's outcome is recorded after the receiver has answered."""
    deadline = time.time() + timeout
    while True:
        state = {h["id"]: h for h in store.webhooks()["webhooks"]}[hook_id]
        if until(state) or time.time() > deadline:
            return state
        time.sleep(0.02)


def _order(api) -> dict:
    return api.get("/orders", params={"per_page": 1, "status": "completed"}).json()[0]


def test_ping_on_create(api, receiver):
    hook = _hook(api, receiver, "/ping")
    pings = [c for c in receiver.calls if c["path"] == "/ping"]
    assert len(pings) == 1, "the ping is sent synchronously, during the create"
    ping = pings[0]
    assert parse_qs(ping["body"].decode()) == {"webhook_id": [str(hook["id"])]}
    assert not any(h.lower().startswith("x-wc-webhook") for h in ping["headers"]), "unsigned, no X-WC headers"
    assert ping["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_delivery_headers_signature_and_payload_at_send_time(store, api, receiver):
    hook = _hook(api, receiver, "/orders")
    order = _order(api)
    store.set_faults(webhook_late_ms=1500)  # the delivery waits: both changes happen while it is pending
    api.put(f"/orders/{order['id']}", json={"customer_note": "first"})
    api.put(f"/orders/{order['id']}", json={"customer_note": "second / ž"})
    calls = _wait(receiver, "/orders", 1)
    time.sleep(0.5)
    assert len(_deliveries(receiver, "/orders")) == 1, "two updates while one delivery was pending coalesce"
    call = calls[0]
    headers, body = call["headers"], call["body"]
    assert headers["X-WC-Webhook-Source"] == store.base_url + "/"
    assert (headers["X-WC-Webhook-Topic"], headers["X-WC-Webhook-Resource"], headers["X-WC-Webhook-Event"]) == \
        ("order.updated", "order", "updated")
    assert headers["X-WC-Webhook-ID"] == str(hook["id"]) and len(headers["X-WC-Webhook-Delivery-ID"]) == 32
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] == expected
    assert b"\\/" in body and b"\\u017e" in body, "PHP json_encode bytes: escaped slashes, \\u escapes"
    payload = json.loads(body)
    assert payload["customer_note"] == "second / ž", "the payload is built at delivery time"
    current = api.get(f"/orders/{order['id']}").json()
    assert {k: v for k, v in payload.items() if k != "_links"} == {k: v for k, v in current.items() if k != "_links"}


def test_trash_sends_only_the_id_and_force_delete_sends_nothing(api, receiver):
    _hook(api, receiver, "/deleted", topic="order.deleted")
    first, second = api.get("/orders", params={"per_page": 2, "status": "completed", "offset": 5}).json()
    api.delete(f"/orders/{first['id']}")
    api.delete(f"/orders/{second['id']}", params={"force": "true"})
    _wait(receiver, "/deleted", 1)
    time.sleep(0.5)
    assert [json.loads(c["body"]) for c in _deliveries(receiver, "/deleted")] == [{"id": first["id"]}]


def test_variation_changes_fire_product_updated(api, receiver):
    _hook(api, receiver, "/products", topic="product.updated")
    parent = api.get("/products", params={"type": "variable", "per_page": 1}).json()[0]
    variation = api.get(f"/products/{parent['id']}/variations").json()[0]
    api.put(f"/products/{parent['id']}/variations/{variation['id']}", json={"regular_price": "333"})
    payloads = [json.loads(c["body"]) for c in _wait(receiver, "/products", 1)]
    assert payloads[0]["id"] == variation["id"] and payloads[0]["type"] == "variation"
    assert payloads[0]["regular_price"] == "333" and payloads[0]["parent_id"] == parent["id"]


def test_failures_disable_the_webhook(store, api, receiver):
    receiver.fail_first["/failing"] = 1000
    hook = _hook(api, receiver, "/failing")
    orders = api.get("/orders", params={"per_page": 9, "status": "completed"}).json()

    def fail_once(order):
        before = len(_deliveries(receiver, "/failing"))
        api.put(f"/orders/{order['id']}", json={"customer_note": "x"})
        _wait(receiver, "/failing", before + 1)
        return _hook_state(store, hook["id"], lambda s: len(s["deliveries"]) == before + 1)

    for order in orders[:6]:
        state = fail_once(order)
    assert (state["status"], state["failure_count"]) == ("active", 6)
    fail_once(orders[6])  # a failure while the count is above 5 disables
    assert api.get(f"/webhooks/{hook['id']}").json()["status"] == "disabled"
    api.put(f"/orders/{orders[7]['id']}", json={"customer_note": "y"})
    time.sleep(0.8)
    assert len(_deliveries(receiver, "/failing")) == 7, "a disabled webhook delivers nothing"
    api.put(f"/webhooks/{hook['id']}", json={"status": "active"})
    assert fail_once(orders[8])["status"] == "disabled", "the count was not reset"


def test_success_resets_the_failure_count(store, api, receiver):
    receiver.fail_first["/flaky"] = 3  # the ping, then two deliveries
    hook = _hook(api, receiver, "/flaky")
    for k, order in enumerate(api.get("/orders", params={"per_page": 3, "status": "completed",
                                                         "offset": 20}).json()):
        api.put(f"/orders/{order['id']}", json={"customer_note": "z"})
        _wait(receiver, "/flaky", k + 1)
        _hook_state(store, hook["id"], lambda s, done=k + 1: len(s["deliveries"]) == done)
    state = _hook_state(store, hook["id"])
    assert state["failure_count"] == 0 and [d["status"] for d in state["deliveries"]] == [500, 500, 200]


def test_duplicate_late_and_dropped_deliveries(store, api, receiver):
    _hook(api, receiver, "/dups")
    store.set_faults(webhook_duplicate_rate=1.0)
    order = _order(api)
    api.put(f"/orders/{order['id']}", json={"customer_note": "dup"})
    calls = _wait(receiver, "/dups", 2)
    assert len(calls) == 2 and calls[0]["body"] == calls[1]["body"]
    assert calls[0]["headers"]["X-WC-Webhook-Delivery-ID"] == calls[1]["headers"]["X-WC-Webhook-Delivery-ID"], \
        "two deliveries within one second share the delivery id"
    store.set_faults(webhook_duplicate_rate=None, webhook_late_ms=800)
    changed_at = time.time()
    api.put(f"/orders/{order['id']}", json={"customer_note": "late"})
    late = _wait(receiver, "/dups", 3)[2]
    assert late["time"] - changed_at >= 0.8 + 0.3
    store.set_faults(webhook_late_ms=None, webhook_drop_rate=1.0)
    api.put(f"/orders/{order['id']}", json={"customer_note": "dropped"})
    time.sleep(0.8)
    assert len(_deliveries(receiver, "/dups")) == 3
    assert store.state()["webhooks"]["dropped"] >= 1


def test_registration_validation(api, receiver):
    bad_topic = api.post("/webhooks", json={"topic": "order.shipped", "delivery_url": receiver.url})
    assert bad_topic.status_code == 400 and bad_topic.json()["code"] == "woocommerce_rest_shop_webhook_invalid_topic"
    missing = api.post("/webhooks", json={"topic": "order.created"})
    assert missing.json()["code"] == "rest_missing_callback_param"
    bad_url = api.post("/webhooks", json={"topic": "order.created", "delivery_url": "ftp://x"})
    assert bad_url.json()["code"] == "woocommerce_rest_shop_webhook_invalid_delivery_url"
    default = _hook(api, receiver, "/default-secret", secret=None)
    assert len(default["secret"]) == 50, "without a secret WooCommerce makes a 50-character one"
