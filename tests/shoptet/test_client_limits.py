"""Limits and fault switches over real HTTP: what the client does about each.

Where a wait only needs to be *asserted*, a FakeClock records it instead of
sleeping; where the sandbox must really recover (bucket leak, lock release,
concurrent requests finishing) the client sleeps for real and we record it.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from app.shoptet import (
    AuthError,
    MemoryTokenCache,
    NetworkError,
    NetworkTimeout,
    OAuthTokenAuth,
    RateLimited,
    RetryPolicy,
    ServerError,
    ShoptetClient,
    TokenLimitReached,
    exchange_install_code,
)

from .shoptet_testkit import FakeClock, RealSleepRecorder, count_delta, route_counts

ESHOP = "GET /api/eshop"


def _codes(client, n):
    return [o["code"] for _, o in zip(range(n), client.iter_orders(), strict=False)]


# --------------------------------------------------------------------------- in-flight limit (429)


def test_sandbox_enforces_three_in_flight_per_token(sb):
    """Baseline: a client without our limiter gets nginx's 429 beyond 3 parallel requests."""
    shop = sb.shops[1]
    sb.set_faults(shop=shop["eshop_id"], slow_ms=300)
    statuses: list[int] = []
    with httpx.Client(timeout=10) as raw:

        def call():
            statuses.append(raw.get(sb.url("/api/eshop"), headers=sb.private_headers(1)).status_code)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert statuses.count(429) >= 1 and statuses.count(200) >= 3


def test_client_instances_share_three_slots_per_token(sb, make_client):
    """9 threads over 3 client instances of one token: never more than 3 in flight -> no 429."""
    shop = sb.shops[1]
    sb.set_faults(shop=shop["eshop_id"], slow_ms=100)
    clients = [make_client(1) for _ in range(3)]
    before = route_counts(sb, ESHOP)
    errors: list[Exception] = []

    def work(c):
        try:
            for _ in range(2):
                c.get_eshop()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count_delta(before, route_counts(sb, ESHOP)) == {"200": 18}


def test_429_from_other_process_holding_the_slots_is_retried(sb, make_client):
    """Another process (raw client) holds all 3 slots; our call gets 429, backs off, succeeds."""
    shop = sb.shops[1]
    sb.set_faults(shop=shop["eshop_id"], slow_ms=700)
    recorder = RealSleepRecorder()
    client = make_client(1, clock=recorder.clock(), retry=RetryPolicy(backoff_base=0.4, max_attempts=6))
    before = route_counts(sb, ESHOP)
    with httpx.Client(timeout=10) as raw:
        hogs = [
            threading.Thread(target=raw.get, args=(sb.url("/api/eshop"),), kwargs={"headers": sb.private_headers(1)})
            for _ in range(3)
        ]
        for t in hogs:
            t.start()
        time.sleep(0.15)
        assert "contactInformation" in client.get_eshop()
        for t in hogs:
            t.join()
    delta = count_delta(before, route_counts(sb, ESHOP))
    assert delta.get("429", 0) >= 1 and delta["200"] == 4
    assert recorder.sleeps and all(s > 0 for s in recorder.sleeps)


# --------------------------------------------------------------------------- leaky bucket (429)


@pytest.fixture(scope="module")
def small_bucket():
    """A sandbox whose bucket holds 20 drops (leak 10/s as documented) so it fills in 20 calls."""
    from sandbox.testing import run_sandbox

    with run_sandbox(seed=2, shops=2, orders=50, bucket_size=20) as server:
        yield server


@pytest.fixture(scope="module")
def frozen_bucket():
    """A bucket that never leaks: once full, Retry-After is an hour away."""
    from sandbox.testing import run_sandbox

    with run_sandbox(seed=3, shops=1, orders=20, bucket_size=5, bucket_leak=0) as server:
        yield server


def test_full_bucket_429_waits_real_retry_after(small_bucket, make_client):
    """Throttling off: the bucket overflows, the client really sleeps until the HTTP-date Retry-After."""
    recorder = RealSleepRecorder()
    client = make_client(0, server=small_bucket, clock=recorder.clock(), throttle_high_water=10.0)
    before = route_counts(small_bucket, ESHOP)
    started = time.monotonic()
    for _ in range(26):
        client.get_eshop()
    elapsed = time.monotonic() - started
    delta = count_delta(before, route_counts(small_bucket, ESHOP))
    assert delta["200"] == 26 and delta.get("429", 0) >= 1
    waits = [s for s in recorder.sleeps if s >= 1.0]
    assert waits, recorder.sleeps  # Retry-After is a date >= 1 s ahead
    assert all(w <= 4.0 for w in waits)
    assert elapsed >= sum(waits)


def test_high_bucket_filling_throttles_before_429(small_bucket, make_client):
    """Default throttling: above 75 % filling the client spaces its calls; the bucket never fills up."""
    recorder = RealSleepRecorder()
    client = make_client(1, server=small_bucket, clock=recorder.clock())
    before = route_counts(small_bucket, ESHOP)
    for _ in range(30):
        client.get_eshop()
    delta = count_delta(before, route_counts(small_bucket, ESHOP))
    assert delta == {"200": 30}
    assert sum(recorder.sleeps) >= 0.8  # ~ (30 - 15) drops / 10 per s
    token = small_bucket.shops[1]["private_token"]
    levels = {k: v for k, v in small_bucket.state()["buckets"].items() if k.endswith(token)}
    assert levels and max(levels.values()) < 18


def test_bucket_429_beyond_time_budget_raises_rate_limited(frozen_bucket, make_client):
    """429 whose HTTP-date Retry-After lies beyond the call's time budget: raised at once, not slept on."""
    clock = FakeClock()
    client = make_client(
        0, server=frozen_bucket, clock=clock.clock(), throttle_high_water=10.0, retry=RetryPolicy(max_total_seconds=60)
    )
    before = route_counts(frozen_bucket, ESHOP)
    with pytest.raises(RateLimited) as info:
        for _ in range(10):
            client.get_eshop()
    err = info.value
    assert err.status == 429 and err.error_code == "too-many-requests" and err.retryable
    assert 3000 < err.retry_after <= 3602  # parsed from the HTTP-date
    assert count_delta(before, route_counts(frozen_bucket, ESHOP)) == {"200": 5, "429": 1}
    assert clock.sleeps == []


# --------------------------------------------------------------------------- 423 identical writes


def test_identical_concurrent_writes_get_423_then_succeed(sb, make_client):
    shop = sb.shops[1]
    client = make_client(1)
    guid = next(iter(client.iter_products(items_per_page=1)))["guid"]
    sb.set_faults(shop=shop["eshop_id"], slow_ms=400)
    recorders = [RealSleepRecorder(), RealSleepRecorder()]
    writers = [make_client(1, clock=r.clock()) for r in recorders]
    route = "PATCH /api/products/<guid>"
    before = route_counts(sb, route)
    results: list = []
    threads = [
        threading.Thread(target=lambda w=w: results.append(w.update_product(guid, {"internalNote": "same"})))
        for w in writers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delta = count_delta(before, route_counts(sb, route))
    assert len(results) == 2 and delta.get("200") == 2 and delta.get("423", 0) >= 1
    assert any(s >= 1.0 for r in recorders for s in r.sleeps)  # 423 waits at least a second


# --------------------------------------------------------------------------- 500 / 503


@pytest.mark.parametrize("switch,status", [("error_500_rate", "500"), ("error_503_rate", "503")])
def test_server_errors_always_fail_after_bounded_attempts(sb, make_client, switch, status):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], **{switch: 1.0})
    clock = FakeClock()
    client = make_client(clock=clock.clock(), retry=RetryPolicy(max_attempts=4))
    before = route_counts(sb, ESHOP)
    with pytest.raises(ServerError) as info:
        client.get_eshop()
    assert info.value.status == int(status) and info.value.retryable
    assert count_delta(before, route_counts(sb, ESHOP)) == {status: 4}
    assert len(clock.sleeps) == 3 and clock.sleeps == sorted(clock.sleeps)  # growing backoff


@pytest.mark.parametrize("switch", ["error_500_rate", "error_503_rate"])
def test_server_error_rate_is_absorbed_by_retries(sb, make_client, switch):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], **{switch: 0.3})
    clock = FakeClock()
    client = make_client(clock=clock.clock(), retry=RetryPolicy(max_attempts=12))
    before = route_counts(sb, ESHOP)
    for _ in range(30):
        client.get_eshop()
    delta = count_delta(before, route_counts(sb, ESHOP))
    assert delta["200"] == 30 and sum(delta.values()) > 30
    assert len(clock.sleeps) == sum(delta.values()) - 30


def test_500_on_non_idempotent_post_is_not_resent(sb, make_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], error_500_rate=1.0)
    client = make_client(clock=FakeClock().clock())
    before = route_counts(sb, "POST /api/webhooks")
    with pytest.raises(ServerError):
        client.register_webhook("customer:create", "http://127.0.0.1:9/x")
    assert count_delta(before, route_counts(sb, "POST /api/webhooks")) == {"500": 1}


# --------------------------------------------------------------------------- slow responses, timeouts, drops


def test_slow_responses_within_timeout_succeed(sb, make_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], slow_ms=300)
    client = make_client(timeout=httpx.Timeout(2.0, connect=1.0))
    assert "contactInformation" in client.get_eshop()


def test_slow_responses_beyond_read_timeout_raise_network_timeout(sb, make_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], slow_ms=600)
    clock = FakeClock()
    client = make_client(
        clock=clock.clock(), timeout=httpx.Timeout(0.2, connect=1.0), retry=RetryPolicy(max_attempts=2)
    )
    started = time.monotonic()
    with pytest.raises(NetworkTimeout) as info:
        client.get_eshop()
    assert time.monotonic() - started < 1.5  # gave up at the read timeout, not at the server's pace
    assert info.value.retryable and len(clock.sleeps) == 1
    time.sleep(0.7)  # let the sandbox finish the abandoned requests (they still hold slots there)


def test_dropped_connections_are_retried(sb, make_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], drop_connection_rate=0.3)
    clock = FakeClock()
    client = make_client(clock=clock.clock(), retry=RetryPolicy(max_attempts=12))
    for _ in range(20):
        client.get_eshop()
    assert clock.sleeps  # at least one drop happened and was retried


def test_always_dropped_connection_raises_network_error(sb, make_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], drop_connection_rate=1.0)
    clock = FakeClock()
    client = make_client(clock=clock.clock(), retry=RetryPolicy(max_attempts=3))
    with pytest.raises(NetworkError) as info:
        client.get_eshop()
    assert info.value.retryable and len(clock.sleeps) == 2
    assert "connection" in str(info.value).lower()


# --------------------------------------------------------------------------- OAuth, expiring tokens


def _install(sb, shop_index: int) -> str:
    shop = sb.shops[shop_index]
    inst = exchange_install_code(
        shop["oauth_url"],
        client_id=shop["client_id"],
        client_secret=shop["client_secret"],
        code=sb.new_install_code(shop["eshop_id"]),
        redirect_uri="https://hub.example/shoptet/install",
    )
    assert inst.eshop_id == shop["eshop_id"]
    return inst.oauth_token


def test_install_code_is_single_use(sb):
    shop = sb.shops[0]
    code = sb.new_install_code(shop["eshop_id"])
    kw = dict(client_id=shop["client_id"], client_secret=shop["client_secret"], code=code, redirect_uri="https://h/i")
    exchange_install_code(shop["oauth_url"], **kw)
    with pytest.raises(AuthError, match="invalid_grant"):
        exchange_install_code(shop["oauth_url"], **kw)


def test_expired_tokens_are_renewed_once(sb):
    oauth = _install(sb, 0)
    with ShoptetClient.with_oauth_token(
        oauth, sb.shops[0]["oauth_url"], base_url=sb.base_url, cache=MemoryTokenCache()
    ) as client:
        issued0 = sb.state()["tokens"]["access_tokens_issued"]
        client.get_eshop()
        client.get_eshop()
        assert sb.state()["tokens"]["access_tokens_issued"] == issued0 + 1  # cached
        before = route_counts(sb, ESHOP)
        sb.set_faults(shop=sb.shops[0]["eshop_id"], expire_tokens=True)
        client.get_eshop()
        assert count_delta(before, route_counts(sb, ESHOP)) == {"401": 1, "200": 1}
        assert sb.state()["tokens"]["access_tokens_issued"] == issued0 + 2


def test_token_renewed_ahead_of_expiry(sb):
    oauth = _install(sb, 0)
    clock = FakeClock()
    with ShoptetClient.with_oauth_token(
        oauth, sb.shops[0]["oauth_url"], base_url=sb.base_url, cache=MemoryTokenCache(), clock=clock.clock()
    ) as client:
        issued0 = sb.state()["tokens"]["access_tokens_issued"]
        before = route_counts(sb, ESHOP)
        client.get_eshop()
        clock.now += 1800 - 59  # inside the 60 s margin: renew before Shoptet would say expired
        client.get_eshop()
        assert sb.state()["tokens"]["access_tokens_issued"] == issued0 + 2
        assert count_delta(before, route_counts(sb, ESHOP)) == {"200": 2}


def test_sixth_access_token_is_refused(sb):
    oauth = _install(sb, 1)
    auths = [OAuthTokenAuth(oauth, sb.shops[1]["oauth_url"], cache=MemoryTokenCache()) for _ in range(6)]
    for a in auths[:5]:
        a.access_token()
    with pytest.raises(TokenLimitReached) as info:
        auths[5].access_token()
    assert info.value.status == 429 and "share the token cache" in str(info.value)


def test_invalid_private_token_is_auth_error(sb):
    with ShoptetClient.with_private_token("300100-p-1-nope", base_url=sb.base_url) as client:
        with pytest.raises(AuthError) as info:
            client.get_eshop()
    assert info.value.status == 401 and info.value.error_code == "invalid-token"
