"""Receiving the store's webhooks with the client's verification and parsing."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.woocommerce import InvalidSignature, WebhookDelivery, WebhookPing, parse_delivery, sign, verify_signature

SECRET = "whsec-9d1f"


class HubEndpoint:
    """Stands in for the hub's webhook route: verifies each request with the client library."""

    def __init__(self, secret: str):
        self.results: list = []
        self.raw: list[tuple[dict, bytes]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers)
                try:
                    result = parse_delivery(headers, body, secret)
                    status = 200
                except (InvalidSignature, ValueError) as exc:
                    result, status = exc, 401
                endpoint.results.append(result)
                endpoint.raw.append((headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/woo"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.time() + timeout
        while time.time() < deadline and len(self.results) < count:
            time.sleep(0.02)
        return self.results

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    hub = HubEndpoint(SECRET)
    yield hub
    hub.close()


def test_ping_and_signed_deliveries(store, make_client, endpoint):
    client = make_client()
    hook = client.create("/webhooks", {"topic": "order.updated", "delivery_url": endpoint.url, "secret": SECRET})
    assert endpoint.results == [WebhookPing(hook["id"])]
    order = client.get("/orders", per_page=1)[0]
    updated = client.update(f"/orders/{order['id']}", {"customer_note": "via webhook"})
    delivery = endpoint.wait(2)[1]
    assert isinstance(delivery, WebhookDelivery)
    assert (delivery.topic, delivery.resource, delivery.event, delivery.webhook_id) == (
        "order.updated", "order", "updated", hook["id"])
    assert delivery.resource_id == order["id"] and delivery.source == store.base_url + "/"
    assert delivery.dedupe_key == f"order:{order['id']}:{updated['date_modified_gmt']}"
    client.delete(f"/webhooks/{hook['id']}", force=True)


def test_forged_missing_and_foreign_signatures(store, make_client, endpoint):
    client = make_client()
    client.create("/webhooks", {"topic": "order.updated", "delivery_url": endpoint.url, "secret": SECRET})
    order = client.get("/orders", per_page=1, offset=3)[0]
    client.update(f"/orders/{order['id']}", {"customer_note": "genuine"})
    headers, body = endpoint.raw[endpoint.results.index(endpoint.wait(2)[1])]
    assert verify_signature(body, headers["X-WC-Webhook-Signature"], SECRET)
    forged = body.replace(b"genuine", b"genuinf")
    with pytest.raises(InvalidSignature):
        parse_delivery(headers, forged, SECRET)
    with pytest.raises(InvalidSignature):
        parse_delivery({k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"}, body, SECRET)
    with pytest.raises(InvalidSignature):
        parse_delivery(headers, body, "another-stores-secret")
    assert not verify_signature(body, sign(body, SECRET)[:-2] + "==", SECRET)
    with pytest.raises(ValueError):
        parse_delivery({}, b'{"id": 1}', SECRET)


def test_duplicates_share_the_dedupe_key(store, make_client, endpoint):
    client = make_client()
    client.create("/webhooks", {"topic": "order.updated", "delivery_url": endpoint.url, "secret": SECRET})
    store.set_faults(webhook_duplicate_rate=1.0)
    order = client.get("/orders", per_page=1, offset=5)[0]
    client.update(f"/orders/{order['id']}", {"customer_note": "twice"})
    first, second = endpoint.wait(3)[1:3]
    assert first.dedupe_key == second.dedupe_key and first.payload == second.payload
