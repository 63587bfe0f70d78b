"""Fixtures for the WooCommerce client tests: a sandbox store subprocess and client factories."""

from __future__ import annotations

import pytest

from app.shoptet import Clock, RetryPolicy
from app.woocommerce import WooClient
from sandbox.woocommerce.testing import WooSandboxHandle, run_woo_sandbox

#: Retries without real waiting (tests that count sleeps pass a FakeClock).
FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, max_total_seconds=20.0)


@pytest.fixture(scope="session")
def woo_store():
    with run_woo_sandbox(seed=2, orders=1500, webhook_delay=0.05) as store:
        yield store


@pytest.fixture
def store(woo_store):
    """The shared store with every fault switch off before and after the test."""
    woo_store.reset_faults()
    yield woo_store
    woo_store.reset_faults()


def client_for(sandbox: WooSandboxHandle, *, tls: bool = True, permissions: str = "read_write",
               **kw) -> WooClient:
    key = sandbox.key(permissions)
    if tls:
        kw.setdefault("verify", sandbox.tls_context())
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("clock", Clock())
    return WooClient(sandbox.https_url if tls else sandbox.base_url, key["consumer_key"], key["consumer_secret"],
                     **kw)


@pytest.fixture
def make_client(store):
    """`make_client(tls=True, permissions="read_write", **WooClient options)`, closed after the test."""
    made: list[WooClient] = []

    def factory(**kw) -> WooClient:
        client = client_for(store, **kw)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


def requests_of(sandbox: WooSandboxHandle) -> int:
    """Every API request the store has answered (for "was it retried?" checks)."""
    return sandbox.state()["request_total"]
