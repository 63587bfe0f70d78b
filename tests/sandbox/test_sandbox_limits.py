"""Connection limit per token, leaky bucket with Retry-After, 423 for identical writes."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.testing import run_sandbox

FILLING = re.compile(r"^(\d+)/(\d+)$")


@pytest.fixture(scope="module")
def sb():
    with run_sandbox(seed=5, shops=3, orders=60, bucket_size=12, bucket_leak=4) as handle:
        yield handle


def client(sb, index):
    return httpx.Client(base_url=sb.base_url, headers=sb.private_headers(index), timeout=20, trust_env=False)


def test_fourth_concurrent_request_is_refused(sb):
    shop = sb.shops[1]
    sb.set_faults(shop=shop["eshop_id"], slow_ms=700)
    try:
        with ThreadPoolExecutor(4) as pool, client(sb, 1) as c:
            def call(delay):
                time.sleep(delay)
                return c.get("/api/stocks")
            responses = list(pool.map(call, [0, 0, 0, 0.25]))
    finally:
        sb.reset_faults(shop=shop["eshop_id"])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert "429 Too Many Requests" in refused.text  # nginx page, not JSON
    assert FILLING.match(refused.headers["X-RateLimit-Bucket-Filling"])


def test_bucket_fills_and_drains(sb):
    with client(sb, 0) as c:
        seen = []
        response = None
        for _ in range(30):
            response = c.get("/api/orders/statuses")
            match = FILLING.match(response.headers["X-RateLimit-Bucket-Filling"])
            assert match and int(match.group(2)) == 12
            seen.append(int(match.group(1)))
            if response.status_code == 429:
                break
        assert response.status_code == 429, seen
        assert seen[:3] == sorted(seen[:3]) and max(seen) == 12
        body = assert_contract(response, "GET", "/api/orders/statuses")
        assert body["errors"][0]["errorCode"] == "too-many-requests"
        retry_at = parsedate_to_datetime(response.headers["Retry-After"])  # an HTTP date, not seconds
        assert response.headers["Retry-After"].endswith("GMT")
        wait = retry_at.timestamp() - time.time()
        assert 0 < wait <= 3
        time.sleep(max(0.0, wait) + 0.1)
        assert c.get("/api/orders/statuses").status_code == 200


def test_bucket_is_per_shop_and_admin_is_free(sb):
    with client(sb, 2) as c:
        for _ in range(60):
            sb.state()
        response = c.get("/api/orders/statuses")
        assert response.status_code == 200
        assert int(FILLING.match(response.headers["X-RateLimit-Bucket-Filling"]).group(1)) <= 2


def test_identical_write_in_flight_is_locked(sb):
    shop = sb.shops[2]
    with client(sb, 2) as c:
        code = c.get("/api/orders").json()["data"]["orders"][0]["code"]
        time.sleep(2)  # let the bucket drain from earlier calls
        sb.set_faults(shop=shop["eshop_id"], slow_ms=600)
        try:
            body = {"data": {"statusId": -2}}
            with ThreadPoolExecutor(3) as pool:
                first = pool.submit(c.patch, f"/api/orders/{code}/status", json=body)
                time.sleep(0.2)
                second = pool.submit(c.patch, f"/api/orders/{code}/status", json=body)
                other = pool.submit(c.patch, f"/api/orders/{code}/status", json={"data": {"paid": True}})
                results = first.result(), second.result(), other.result()
        finally:
            sb.reset_faults(shop=shop["eshop_id"])
    assert results[0].status_code == 200
    assert results[1].status_code == 423
    assert assert_contract(results[1], "PATCH", "/api/orders/{code}/status")["errors"][0]["errorCode"] == "locked"
    assert results[2].status_code == 200  # different body -> different lock
