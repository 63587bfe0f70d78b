"""One HTTP call to a WooCommerce store, done robustly.

Every call signs the request (Basic or OAuth 1.0a), sends it with timeouts,
reports status and headers to `on_response` (a rate-budget recorder), parses the
JSON, and on failure raises a typed error -- after retrying what can be retried:
429 (honouring `Retry-After`), 5xx and transport errors, with capped exponential
backoff, within a bounded number of attempts and total time.  400/401/403/404
and the other 4xx are never retried.  A call that may have changed the store
(`idempotent=False`: creates, batches with creates) is resent only when the
store certainly did not act on it: the host's 429 or 503, or a failure to
connect.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from app.shoptet.limits import REAL_CLOCK, Clock, RetryPolicy, parse_retry_after

from .auth import Auth
from .errors import NetworkError, NetworkTimeout, RateLimited, ServerError, WooError, error_class_for

API_PATH = "/wp-json/wc/v3"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USER_AGENT = "commerce-hub-woocommerce/1"
log = logging.getLogger(__name__)


@dataclass(slots=True)
class WooResponse:
    status: int
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int | None:
        """`X-WP-Total` of a list answer."""
        return _int_header(self.headers, "X-WP-Total")

    @property
    def total_pages(self) -> int | None:
        return _int_header(self.headers, "X-WP-TotalPages")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers.get(name))
    except (TypeError, ValueError):
        return None


def format_param(value: Any) -> str:
    """Lists as comma lists (never `x[]=`: WooCommerce signs arrays differently), booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(format_param(v) for v in value)
    return str(value)


class Transport:
    def __init__(self, store_url: str, auth: Auth, *, http: httpx.Client | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, retry: RetryPolicy | None = None,
                 clock: Clock = REAL_CLOCK, rng: random.Random | None = None,
                 on_response: Callable[[int, Mapping[str, str]], None] | None = None, verify=True,
                 api_path: str = API_PATH) -> None:
        self.base = store_url.rstrip("/") + api_path
        self.auth = auth
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=self.timeout, verify=verify, trust_env=False,
                                         headers={"User-Agent": USER_AGENT})
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_response = on_response  # sees every answer's status and headers (monitoring, rate budget)
        self.requests_sent = 0

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                idempotent: bool | None = None, retry: RetryPolicy | None = None) -> WooResponse:
        policy = retry or self.retry
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        query = {k: format_param(v) for k, v in (params or {}).items() if v is not None}
        url = str(httpx.URL(self.base + path, params=query))
        body = b"" if json is None else orjson.dumps(json)
        start = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, body)
            except WooError as err:
                delay = self._retry_delay(err, attempt, start, policy, idempotent)
                if delay is None:
                    err.attempts = attempt
                    raise
            self.clock.sleep(delay)

    def _retry_delay(self, err: WooError, attempt: int, start: float, policy: RetryPolicy,
                     idempotent: bool) -> float | None:
        if not err.retryable or attempt >= policy.max_attempts:
            return None
        if not idempotent and not err.unsent:
            return None
        delay = policy.backoff(attempt, self.rng)
        if isinstance(err, RateLimited) and err.retry_after is not None:
            delay = err.retry_after + policy.retry_after_slack
        if self.clock.monotonic() - start + delay > policy.max_total_seconds:
            return None
        return delay

    def _attempt(self, method: str, url: str, body: bytes) -> WooResponse:
        headers = {"Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        signed_url, headers, signed_body = self.auth.apply(method, url, headers, body)
        self.requests_sent += 1
        try:
            response = self.http.request(method, signed_url, content=signed_body or None, headers=headers,
                                         timeout=self.timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            err: WooError = (NetworkTimeout if isinstance(exc, httpx.TimeoutException) else NetworkError)(
                f"could not connect: {exc!r}", method=method, url=url)
            err.unsent = True
            raise err from exc
        except httpx.TimeoutException as exc:
            raise NetworkTimeout(f"timed out waiting for the store: {exc!r}", method=method, url=url) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed mid-request: {exc!r}", method=method, url=url) from exc
        if self.on_response is not None:
            try:
                self.on_response(response.status_code, response.headers)
            except Exception:  # monitoring must never break an API call
                log.exception("on_response hook failed")
        return _unwrap(response, method, url, self.clock)


def _unwrap(response: httpx.Response, method: str, url: str, clock: Clock) -> WooResponse:
    raw = response.content
    payload: Any = None
    if raw:
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            payload = None
    status = response.status_code
    if 200 <= status < 300:
        if raw and payload is None:
            raise ServerError("the store answered with something that is not JSON", status=status, method=method,
                              url=url)
        return WooResponse(status, payload, response.headers)
    body = payload if isinstance(payload, dict) and "code" in payload else None
    if body is not None:
        message, code = str(body.get("message") or ""), str(body.get("code"))
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
    else:  # the host, not WooCommerce: an empty or HTML page
        message = f"the host answered {status} with {'an empty body' if not raw else 'a non-JSON body'}"
        text = _plain_text(raw)[:160]
        message += f" ({text})" if text else ""
        code, data = None, {}
    cls = error_class_for(status)
    kw = dict(status=status, code=code, data=data, method=method, url=url)
    if cls is RateLimited:
        err: WooError = RateLimited(message, retry_after=parse_retry_after(response.headers.get("Retry-After"),
                                                                             clock.time()), **kw)
    else:
        err = cls(message, **kw)
    if status == 429 or (status == 503 and body is None):
        err.unsent = True  # refused (by the host) before WooCommerce acted
    raise err


def _plain_text(raw: bytes) -> str:
    text = re.sub(r"<[^>]+>", " ", raw.decode("utf-8", errors="replace"))
    return " ".join(text.split())
