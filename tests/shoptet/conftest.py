"""Fixtures for the Shoptet client tests: a sandbox subprocess and client factories."""

from __future__ import annotations

import pytest

from app.shoptet import Clock, RetryPolicy, ShoptetClient

from .shoptet_testkit import FakeClock

ORDERS = 2500  # 50 pages of 50 for the memory test


@pytest.fixture(scope="session")
def sandbox_server():
    from sandbox.testing import run_sandbox

    with run_sandbox(seed=1, shops=2, orders=ORDERS, webhook_retry_seconds=0.2, job_delay=0.2) as sb:
        yield sb


@pytest.fixture
def sb(sandbox_server):
    """The shared sandbox with all fault switches off before and after the test."""
    sandbox_server.reset_faults()
    yield sandbox_server
    sandbox_server.reset_faults()


@pytest.fixture
def make_client(sb):
    """``make_client(shop=0, clock=None, retry=None, **kw)`` -> private-token client on the sandbox."""
    made: list[ShoptetClient] = []

    def factory(shop: int = 0, *, clock: Clock | None = None, retry: RetryPolicy | None = None, server=None, **kw):
        server = server or sb
        if isinstance(getattr(clock.sleep if clock else None, "__self__", None), FakeClock):
            # A FakeClock cannot drain the estimate of the real bucket: keep proactive throttling
            # out of tests that count waits, unless a test asks for it.
            kw.setdefault("throttle_high_water", 10.0)
        token = server.shops[shop]["private_token"]
        client = ShoptetClient.with_private_token(
            token, base_url=server.base_url, clock=clock or Clock(), retry=retry, **kw
        )
        client.transport.limiter.reset()  # bucket estimates from earlier tests/clocks do not apply
        made.append(client)
        return client

    yield factory
    for c in made:
        c.close()
