"""Client logic against an in-process fake (httpx.MockTransport): exact call counts and waits.

The sandbox tests (test_client_api/limits/snapshots.py) exercise the same behaviour over real HTTP;
these pin down the decisions that are awkward to provoke there.
"""

from __future__ import annotations

import threading
import time

import httpx
import orjson
import pytest

from app.shoptet import (
    AuthError,
    Conflict,
    Forbidden,
    Locked,
    MemoryTokenCache,
    NetworkError,
    NotFound,
    OAuthTokenAuth,
    PayloadTooLarge,
    PrivateTokenAuth,
    RateLimited,
    RetryPolicy,
    ServerError,
    ShoptetClient,
    TokenLimitReached,
    ValidationError,
)

from .shoptet_testkit import FakeClock, unique_token


def envelope(data=None, errors=None, status=200, headers=None):
    body = {"data": data, "errors": errors, "metadata": {"requestId": "req-1"}}
    return httpx.Response(status, content=orjson.dumps(body), headers=headers or {})


def err(status, code, message="m", instance="unknown", headers=None):
    return envelope(None, [{"errorCode": code, "message": message, "instance": instance}], status, headers)


class Fake:
    """Routes requests to a handler and records them."""

    def __init__(self, handler):
        self.handler = handler
        self.calls: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.calls.append(request)
        return self.handler(request)

    def api_calls(self):
        return [c for c in self.calls if c.url.path.startswith("/api/")]


def make_client(handler, *, token=None, clock=None, retry=None, oauth=False, cache=None):
    fake = Fake(handler)
    http = httpx.Client(transport=httpx.MockTransport(fake))
    clock = clock or FakeClock()
    if oauth:
        auth = OAuthTokenAuth(
            token or unique_token("oauth"),
            "http://partner.test",
            cache=cache or MemoryTokenCache(),
            http=http,
            clock=clock.clock(),
        )
    else:
        auth = PrivateTokenAuth(token or unique_token("priv"))
    client = ShoptetClient(
        auth, base_url="http://api.test", http=http, clock=clock.clock(), retry=retry or RetryPolicy()
    )
    return client, fake, clock


# --------------------------------------------------------------------------- never retried


@pytest.mark.parametrize(
    "status,code,exc",
    [
        (400, "invalid-request-data", ValidationError),
        (403, "invalid-token-no-rights", Forbidden),
        (404, "order-not-found", NotFound),
        (409, "record-already-changed", Conflict),
        (413, "too-many", PayloadTooLarge),
        (422, "invalid-request-data", ValidationError),
    ],
)
def test_client_errors_are_not_retried(status, code, exc):
    client, fake, clock = make_client(lambda r: err(status, code, 'Order "1" not found.', "1"))
    with pytest.raises(exc) as info:
        client.get_order("1")
    assert len(fake.api_calls()) == 1 and clock.sleeps == []
    e = info.value
    assert (e.status, e.error_code, e.instance, e.request_id) == (status, code, "1", "req-1")
    assert not e.retryable


# --------------------------------------------------------------------------- retried


def test_server_errors_retried_with_backoff_then_success():
    replies = iter([err(500, "x"), err(503, "maintenance"), envelope({"order": {"code": "1"}})])
    client, fake, clock = make_client(lambda r: next(replies))
    assert client.get_order("1") == {"code": "1"}
    assert len(fake.api_calls()) == 3
    assert len(clock.sleeps) == 2 and 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0


def test_retries_are_bounded_by_attempts():
    client, fake, clock = make_client(lambda r: err(500, "x"), retry=RetryPolicy(max_attempts=4))
    with pytest.raises(ServerError) as info:
        client.get_eshop()
    assert len(fake.api_calls()) == 4 and len(clock.sleeps) == 3
    assert info.value.retryable and info.value.attempts == 4 and "gave up after 4 attempts" in str(info.value)


def test_retries_are_bounded_by_total_time():
    client, fake, clock = make_client(
        lambda r: err(500, "x"), retry=RetryPolicy(max_attempts=100, max_total_seconds=10, backoff_base=1)
    )
    with pytest.raises(ServerError):
        client.get_eshop()
    assert sum(clock.sleeps) <= 10
    assert 3 <= len(fake.api_calls()) <= 6


def test_429_honours_retry_after_seconds_and_date():
    clock = FakeClock()
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(clock.time() + 7))
    replies = iter(
        [
            err(429, "too-many-requests", headers={"Retry-After": "3"}),
            err(429, "too-many-requests", headers={"Retry-After": date}),
            envelope({"x": 1}),
        ]
    )
    client, fake, clock = make_client(lambda r: next(replies), clock=clock)
    assert client.get_eshop() == {"x": 1}
    assert clock.sleeps[0] == pytest.approx(3.2)
    # HTTP-date has 1 s resolution; 3.2 s already passed on the fake clock.
    assert 3.0 <= clock.sleeps[1] <= 4.5


def test_429_longer_than_budget_raises_at_once_with_retry_after():
    client, fake, clock = make_client(
        lambda r: err(429, "x", headers={"Retry-After": "120"}), retry=RetryPolicy(max_total_seconds=30)
    )
    with pytest.raises(RateLimited) as info:
        client.get_eshop()
    assert info.value.retry_after == 120 and clock.sleeps == [] and len(fake.api_calls()) == 1


def test_423_waits_at_least_a_second():
    replies = iter([err(423, "locked"), envelope({"signatureKey": "k"})])
    client, fake, clock = make_client(lambda r: next(replies))
    assert client.renew_signature_key() == "k"
    assert clock.sleeps and clock.sleeps[0] >= 1.0


def test_423_gives_up_as_locked():
    client, fake, clock = make_client(lambda r: err(423, "locked"), retry=RetryPolicy(max_attempts=2))
    with pytest.raises(Locked):
        client.update_product("g", {"name": "x"})
    assert len(fake.api_calls()) == 2


def test_post_not_resent_after_500_or_read_timeout_but_after_429():
    def boom(request):
        raise httpx.ReadTimeout("slow", request=request)

    client, fake, _ = make_client(lambda r: err(500, "x"))
    with pytest.raises(ServerError):
        client.register_webhook("order:create", "https://hub/x")
    assert len(fake.api_calls()) == 1

    client, fake, _ = make_client(boom)
    with pytest.raises(NetworkError):
        client.register_webhook("order:create", "https://hub/x")
    assert len(fake.api_calls()) == 1

    replies = iter([err(429, "x"), envelope({"webhooks": [{"id": 1}]}, status=201)])
    client, fake, _ = make_client(lambda r: next(replies))
    assert client.register_webhook("order:create", "https://hub/x") == {"id": 1}
    assert len(fake.api_calls()) == 2


def test_relative_stock_change_is_not_resent_after_ambiguous_failure():
    client, fake, _ = make_client(lambda r: err(500, "x"))
    with pytest.raises(ServerError):
        client.update_stock(1, [{"productCode": "A", "amountChange": 1}])
    assert len(fake.api_calls()) == 1
    client, fake, _ = make_client(lambda r: err(500, "x"), retry=RetryPolicy(max_attempts=3))
    with pytest.raises(ServerError):
        client.update_stock(1, [{"productCode": "A", "quantity": 5}])  # absolute: safe to resend
    assert len(fake.api_calls()) == 3


def test_connect_errors_are_retried_even_for_post():
    n = {"i": 0}

    def handler(request):
        n["i"] += 1
        if n["i"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return envelope({"webhooks": [{"id": 2}]}, status=201)

    client, fake, _ = make_client(handler)
    assert client.register_webhook("order:create", "https://hub/x") == {"id": 2}


# --------------------------------------------------------------------------- auth


def oauth_handler(api):
    issued: list[str] = []

    def handler(request: httpx.Request):
        if request.url.path == "/action/ApiOAuthServer/getAccessToken":
            assert request.headers["Authorization"].startswith("Bearer ")
            issued.append(f"acc-{len(issued) + 1}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 1800})
        return api(request, issued)

    return handler, issued


def test_expired_token_is_renewed_once_and_retried():
    def api(request, issued):
        if request.headers["Shoptet-Access-Token"] == "acc-1":
            return err(401, "expired-token", "Token is expired.")
        return envelope({"ok": True})

    handler, issued = oauth_handler(api)
    client, fake, _ = make_client(handler, oauth=True)
    assert client.get_eshop() == {"ok": True}
    assert issued == ["acc-1", "acc-2"] and len(fake.api_calls()) == 2


def test_401_after_refresh_is_not_retried_again():
    handler, issued = oauth_handler(lambda r, i: err(401, "invalid-token", "Invalid access token."))
    client, fake, _ = make_client(handler, oauth=True)
    with pytest.raises(AuthError) as info:
        client.get_eshop()
    assert len(fake.api_calls()) == 2 and len(issued) == 2
    assert info.value.error_code == "invalid-token" and not info.value.retryable


def test_private_token_401_is_final():
    client, fake, _ = make_client(lambda r: err(401, "invalid-token"))
    with pytest.raises(AuthError):
        client.get_eshop()
    assert len(fake.api_calls()) == 1
    assert "Shoptet-Private-Api-Token" in fake.calls[0].headers


def test_access_token_cached_and_renewed_ahead_of_expiry():
    handler, issued = oauth_handler(lambda r, i: envelope({"t": r.headers["Shoptet-Access-Token"]}))
    cache = MemoryTokenCache()
    token = unique_token("oauth")
    client, fake, clock = make_client(handler, oauth=True, cache=cache, token=token)
    assert client.get_eshop() == {"t": "acc-1"}
    clock.now += 1800 - 61  # still outside the 60 s margin
    assert client.get_eshop() == {"t": "acc-1"}
    clock.now += 2  # now within 60 s of expiry
    assert client.get_eshop() == {"t": "acc-2"}
    # A second client with the same cache and OAuth token reuses the cached token.
    client2, _, _ = make_client(handler, oauth=True, cache=cache, token=token, clock=clock)
    client2.transport.auth._clock = clock.clock()
    assert issued == ["acc-1", "acc-2"]


def test_max_tokens_reached_is_typed():
    def handler(request):
        return httpx.Response(429, json={"error": "maximum_tokens_reached"})

    client, fake, _ = make_client(handler, oauth=True)
    with pytest.raises(TokenLimitReached) as info:
        client.get_eshop()
    assert info.value.retryable and "maximum_tokens_reached" in str(info.value)


# --------------------------------------------------------------------------- limits & bulk


def test_in_flight_limit_is_shared_between_client_instances():
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def handler(request):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return envelope({"ok": 1})

    token = unique_token("shared")
    clients = [make_client(handler, token=token)[0] for _ in range(3)]
    threads = [threading.Thread(target=lambda c=c: [c.get_eshop() for _ in range(4)]) for c in clients * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["peak"] == 3


def test_bulk_status_chunks_and_reports_per_order_errors():
    bodies = []

    def handler(request):
        body = orjson.loads(request.content)["data"]
        bodies.append(body)
        codes = body["orderCodes"]
        if codes[0] == "O200":  # last chunk: all unknown -> 400
            return err(
                400,
                "invalid-request-data",
                f"Orders with codes {', '.join(codes)} do not exist. Skipped.",
                "data.orderCodes",
            )
        return envelope(
            None, [{"errorCode": "order-not-found", "message": f'Order "{codes[5]}" not found.', "instance": codes[5]}]
        )

    client, fake, _ = make_client(handler)
    codes = [f"O{i:03d}" for i in range(250)]
    res = client.set_orders_status(codes, -2)
    assert [len(b["orderCodes"]) for b in bodies] == [100, 100, 50]
    assert set(res.failed) == {"O005", "O105"} | {f"O{i}" for i in range(200, 250)}
    assert len(res.succeeded) == 250 - 52


def test_stock_update_chunks_of_300():
    sizes = []

    def handler(request):
        rows = orjson.loads(request.content)["data"]
        sizes.append(len(rows))
        return envelope(
            None, [{"errorCode": "unknown-product", "message": "Skipped.", "instance": rows[0]["productCode"]}]
        )

    client, fake, _ = make_client(handler)
    res = client.update_stock(3, ({"productCode": f"P{i}", "quantity": i} for i in range(650)))
    assert sizes == [300, 300, 50] and res.sent == 650 and set(res.failed) == {"P0", "P300", "P600"}
    assert fake.calls[0].method == "PATCH" and fake.calls[0].url.path == "/api/stocks/3/movements"


def test_codes_with_slash_are_encoded():
    client, fake, _ = make_client(lambda r: envelope({"guid": "g"}))
    client.get_product_by_code("40/ZEL", language="en")
    assert fake.calls[0].url.raw_path == b"/api/products/code/40%2FZEL?language=en"


def test_really_waits_for_http_date_retry_after():
    """Over real HTTP and real time: 429 + Retry-After as HTTP-date, the retry comes after that date."""
    import email.utils
    import math
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    arrivals: list[float] = []
    retry_at: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            arrivals.append(time.time())
            if len(arrivals) == 1:
                when = math.ceil(time.time()) + 1  # whole seconds, as an HTTP-date can say
                retry_at.append(when)
                body, status = (
                    b'{"data":null,"errors":[{"errorCode":"too-many-requests","message":"Full.",'
                    b'"instance":"unknown"}],"metadata":{"requestId":"r1"}}',
                    429,
                )
                extra = {"Retry-After": email.utils.formatdate(when, usegmt=True)}
            else:
                body, status, extra = b'{"data":{"ok":true},"errors":null,"metadata":{"requestId":"r2"}}', 200, {}
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", "Content-Length": str(len(body)), **extra}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads, server.block_on_close = False, True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with ShoptetClient.with_private_token(
            unique_token("real"), base_url=f"http://127.0.0.1:{server.server_address[1]}"
        ) as client:
            started = time.monotonic()
            assert client.get_eshop() == {"ok": True}
            waited = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert len(arrivals) == 2
    assert arrivals[1] >= retry_at[0]  # not before the date Shoptet named
    assert 1.0 <= waited <= 3.5


def test_snapshot_download_resumes_after_drop_without_repeating_lines():
    import gzip

    data = gzip.compress(b"".join(b'{"i":%d}\n' % i for i in range(5000)))
    attempts = {"n": 0}

    class Flaky(httpx.SyncByteStream):
        def __init__(self, fail: bool):
            self.fail = fail

        def __iter__(self):
            for k in range(0, len(data), 1000):
                if self.fail and k >= len(data) // 2:
                    raise httpx.RemoteProtocolError("peer closed connection")
                yield data[k : k + 1000]

    def handler(request):
        attempts["n"] += 1
        return httpx.Response(200, stream=Flaky(fail=attempts["n"] == 1))

    client, fake, clock = make_client(handler)
    lines = [x.data["i"] for x in client.iter_snapshot("http://shop.test/api-results/abc.json")]
    assert lines == list(range(5000)) and attempts["n"] == 2 and len(clock.sleeps) == 1
    assert "Shoptet-Private-Api-Token" not in fake.calls[0].headers  # result files are fetched without the token
