"""Webhook signing (official test vector), delivery, retries and the notification log."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.testing import run_sandbox
from sandbox.webhooks import php_json, sign


def test_signature_matches_sdk_test_vector():
    # API_NOTES §5.4: shoptet/api-sdk tests/Unit/Webhook/SignatureValidatorTest.php
    key = "61d1175f54c47dd67df14c17002a17b2"
    body = (b'{"eshopId":315185,"event":"addon:uninstall","eventCreated":"2019-09-23T22:01:36+0200",'
            b'"eventInstance":"315185"}')
    assert sign(key, body) == "a0e0a3e7689bd4c80e4d6ffcccb05235b864e1d0"
    assert php_json({"eshopId": 315185, "event": "addon:uninstall", "eventCreated": "2019-09-23T22:01:36+0200",
                     "eventInstance": "315185"}) == body


def test_php_style_encoding_escapes_slashes():
    assert php_json({"eventInstance": "43/BIL", "x": "č"}) == b'{"eventInstance":"43\\/BIL","x":"\\u010d"}'


@pytest.fixture(scope="module")
def sb():
    with run_sandbox(seed=13, shops=1, orders=30, bucket_leak=10000, webhook_retry_seconds=0.3) as handle:
        yield handle


def call(sb, method, path, **kw):
    return httpx.request(method, sb.url(path), headers=sb.private_headers(0), trust_env=False, timeout=20, **kw)


def test_delivery_is_signed_and_shaped(sb, receiver):
    key = call(sb, "POST", "/api/webhooks/renew-signature-key").json()["data"]["signatureKey"]
    order = call(sb, "GET", "/api/orders").json()["data"]["orders"][0]
    call(sb, "PATCH", f"/api/orders/{order['code']}/status", json={"data": {"statusId": -1, "paid": False}})
    hooks = call(sb, "POST", "/api/webhooks", json={"data": [{"event": "order:update", "url": f"{receiver.url}/u"},
                                                             {"event": "order:paid", "url": f"{receiver.url}/p"}]})
    try:
        # "Zaplaceno" (id 2) marks the order as paid: order:update + order:paid.
        call(sb, "PATCH", f"/api/orders/{order['code']}/status", json={"data": {"statusId": 2}})
        hits = receiver.wait_for(lambda c: c["path"] == "/p")
        assert hits, "order:paid not delivered"
        update = receiver.wait_for(lambda c: c["path"] == "/u")[0]
        raw = update["body"]
        assert update["headers"]["Shoptet-Webhook-Signature"] == hmac.new(key.encode(), raw, hashlib.sha1).hexdigest()
        payload = json.loads(raw)
        assert list(payload) == ["eshopId", "event", "eventCreated", "eventInstance"]
        assert payload["eshopId"] == sb.shops[0]["eshop_id"] and payload["event"] == "order:update"
        assert payload["eventInstance"] == order["code"]
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0100$", payload["eventCreated"])
    finally:
        for hook in hooks.json()["data"]["webhooks"]:
            call(sb, "DELETE", f"/api/webhooks/{hook['id']}")


def test_retries_until_200_then_gives_up(sb, receiver):
    receiver.fail_first = {"/flaky": 2, "/down": 99}
    hooks = call(sb, "POST", "/api/webhooks", json={"data": [
        {"event": "order:update", "url": f"{receiver.url}/flaky"},
        {"event": "stock:movement", "url": f"{receiver.url}/down"},
    ]}).json()["data"]["webhooks"]
    try:
        order = call(sb, "GET", "/api/orders").json()["data"]["orders"][1]
        started = time.time()
        # Not a cancellation: that would put the goods back in stock and fire stock:movement too.
        status = 3 if order["status"]["id"] != 3 else -1
        call(sb, "PATCH", f"/api/orders/{order['code']}/status", json={"data": {"statusId": status}})
        call(sb, "PATCH", "/api/stocks/1/movements",
             json={"data": [{"productCode": sb_code(sb), "amountChange": 1}]})
        deadline = time.time() + 10
        while time.time() < deadline and (len(receiver.events("/flaky")) < 3 or len(receiver.events("/down")) < 3):
            time.sleep(0.05)
        time.sleep(0.5)  # no 4th attempt may follow
        flaky = [c for c in receiver.calls if c["path"] == "/flaky"]
        assert len(flaky) == 3 and len(receiver.events("/down")) == 3
        assert flaky[-1]["time"] - started >= 2 * 0.3  # retry delay honoured
        assert len({c["body"] for c in flaky}) == 1  # the same notification re-sent
        log = assert_contract(call(sb, "GET", "/api/webhooks/notifications", params={"itemsPerPage": 500}),
                              "GET", "/api/webhooks/notifications")["data"]["notifications"]
        by_url = {n["webhookUrl"]: n for n in log}
        assert by_url[f"{receiver.url}/flaky"]["status"] == "success"
        assert by_url[f"{receiver.url}/flaky"]["attempts"] == 3
        down = by_url[f"{receiver.url}/down"]
        assert (down["status"], down["attempts"], down["active"]) == ("failed", 3, False)
        failed_only = call(sb, "GET", "/api/webhooks/notifications", params={"status": "failed"}).json()
        assert all(n["status"] == "failed" for n in failed_only["data"]["notifications"])
    finally:
        for hook in hooks:
            call(sb, "DELETE", f"/api/webhooks/{hook['id']}")


def sb_code(sb) -> str:
    return call(sb, "GET", "/api/stocks/1/supplies").json()["data"]["supplies"][0]["code"]
