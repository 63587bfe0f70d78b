"""Typed errors with WooCommerce's code/message/data, and what is retried (429, 5xx, network) and what not."""

from __future__ import annotations

import socket

import pytest

from app.woocommerce import (
    Gone,
    NetworkError,
    NotFound,
    NotSupported,
    RateLimited,
    ServerError,
    ValidationError,
    WooClient,
)

from ..shoptet.shoptet_testkit import FakeClock
from .conftest import FAST_RETRY, requests_of


def test_client_errors_are_typed_and_never_retried(store, make_client):
    client = make_client()
    before = requests_of(store)
    with pytest.raises(NotFound) as missing:
        client.get("/orders/1")
    assert (missing.value.code, missing.value.message, missing.value.data) == (
        "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", {"status": 404})
    with pytest.raises(ValidationError) as bad_update:
        client.update("/orders/1", {"status": "completed"})
    assert bad_update.value.status == 400, "PUT of an unknown id is a 400, not a 404"
    with pytest.raises(ValidationError) as bad_args:
        client.get("/orders", per_page=101)
    assert bad_args.value.data["params"] == {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"}
    with pytest.raises(NotSupported):
        client.delete("/customers/3")
    assert requests_of(store) - before == 4


def test_trash_twice_is_gone(make_client):
    client = make_client(tls=False)
    order = client.create("/orders", {"status": "on-hold"})
    client.delete(f"/orders/{order['id']}")
    with pytest.raises(Gone) as caught:
        client.delete(f"/orders/{order['id']}")
    assert caught.value.code == "woocommerce_rest_already_trashed" and "force=true" in str(caught.value)


def test_server_errors_are_retried_then_reported(store, make_client):
    fake = FakeClock()
    client = make_client(clock=fake.clock())
    store.set_faults(error_500_rate=1.0)
    before = requests_of(store)
    with pytest.raises(ServerError) as caught:
        client.get("/orders")
    assert requests_of(store) - before == FAST_RETRY.max_attempts == caught.value.attempts
    assert caught.value.code == "internal_server_error" and len(fake.sleeps) == FAST_RETRY.max_attempts - 1
    store.set_faults(error_500_rate=None, error_503_rate=1.0)
    with pytest.raises(ServerError, match="the host answered 503 with a non-JSON body"):
        client.get("/orders")


def test_a_create_is_not_resent_after_a_500_but_is_after_a_host_429(store, make_client):
    fake = FakeClock()
    client = make_client(clock=fake.clock())
    store.set_faults(error_500_rate=1.0)
    before = requests_of(store)
    with pytest.raises(ServerError) as caught:
        client.create("/orders", {"status": "pending"})
    assert requests_of(store) - before == 1 and caught.value.attempts == 1, "it may have been made: not resent"
    store.set_faults(error_500_rate=None, throttle_after=0, throttle_count=2)
    order = client.create("/orders", {"status": "pending"})
    assert order["id"] and len(fake.sleeps) == 2


def test_retry_after_and_the_response_hook(store, make_client):
    fake = FakeClock()
    seen: list[int] = []
    client = make_client(clock=fake.clock(), on_response=lambda status, headers: seen.append(status))
    store.set_faults(throttle_after=0, throttle_count=1, throttle_retry_after=3)
    assert client.get("/orders", per_page=1)
    assert seen == [429, 200] and fake.sleeps == [pytest.approx(3.2)]
    store.set_faults(throttle_after=0, throttle_count=10)
    with pytest.raises(RateLimited) as caught:
        client.get("/orders")
    assert caught.value.status == 429 and caught.value.code is None and "empty body" in str(caught.value)


def test_network_errors_are_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = FakeClock()
    client = WooClient(f"https://127.0.0.1:{port}", "ck_x", "cs_y", retry=FAST_RETRY, clock=fake.clock())
    with pytest.raises(NetworkError) as caught:
        client.get("/orders")
    client.close()
    assert caught.value.unsent and caught.value.attempts == FAST_RETRY.max_attempts
