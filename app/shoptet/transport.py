"""One HTTP call to the Shoptet API, done politely and robustly.

Every call: waits if our bucket estimate is high, takes one of the token's 3
in-flight slots, sends with connect/read timeouts, records the bucket header,
unwraps the ``{data, errors, metadata}`` envelope, and on failure raises a
typed error -- after retrying what can be retried (429, 423, 5xx, network),
within a bounded number of attempts and total time. 400/403/404/409/422 are
never retried; a 401 for an expired/invalid token gets one retry with a
fresh token.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
import orjson

from .auth import REFRESHABLE_CODES, Auth
from .errors import (
    AuthError,
    Locked,
    NetworkError,
    NetworkTimeout,
    RateLimited,
    ServerError,
    ShoptetError,
    error_class_for,
    parse_error_items,
)
from .limits import REAL_CLOCK, Clock, RetryPolicy, limiter_for, parse_retry_after

DEFAULT_BASE_URL = "https://api.myshoptet.com"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
BUCKET_HEADER = "X-RateLimit-Bucket-Filling"
USER_AGENT = "commerce-hub-shoptet/1"

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ApiResponse:
    """An unwrapped envelope. ``errors`` may be non-empty on 200 (partial success)."""

    status: int
    data: Any
    errors: list = field(default_factory=list)
    request_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def format_param(value: Any) -> str:
    """Shoptet query conventions: lists comma-joined, booleans lowercase, ``+hhmm`` offsets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.strftime("%Y-%m-%dT%H:%M:%S%z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(format_param(v) for v in value)
    return str(value)


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Drop ``None`` values and format the rest (httpx then percent-encodes ``+``)."""
    if not params:
        return {}
    return {k: format_param(v) for k, v in params.items() if v is not None}


_SAFE_FOR_NON_IDEMPOTENT = (RateLimited, Locked)


class Transport:
    """Sends requests for one credential; cheap to share between threads."""

    def __init__(
        self,
        auth: Auth,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: Clock = REAL_CLOCK,
        rng: random.Random | None = None,
        throttle_high_water: float = 0.75,
        on_response: Callable[[int, Mapping[str, str]], None] | None = None,
    ) -> None:
        self.auth = auth
        self.on_response = on_response  # sees every HTTP answer's status and headers (monitoring: bucket, 429s)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=self.timeout, headers={"User-Agent": USER_AGENT})
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.rng = rng or random.Random()
        self.throttle_high_water = throttle_high_water
        self.limiter = limiter_for(auth.limiter_key)

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    # ------------------------------------------------------------------ request

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> ApiResponse:
        """Send one API call and return its unwrapped envelope, or raise a ShoptetError.

        ``idempotent`` (default: every method but POST) decides whether the
        call may be resent after a failure where Shoptet may already have
        acted on it (500, read timeout, dropped connection). Non-idempotent
        calls are retried only on 429/423/503 and failures before sending.
        """
        policy = retry or self.retry
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        url = self.url(path)
        query = clean_params(params)
        body = None if json is None else orjson.dumps(json)
        start = self.clock.monotonic()
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, query, body, timeout, start, policy)
            except _TokenRejected as rej:
                if renewed or not self.auth.renew(rej.headers):
                    raise rej.error from None
                renewed = True
                attempt -= 1  # a token refresh is not a failed attempt
                continue
            except ShoptetError as err:
                delay = self._retry_delay(err, attempt, start, policy, idempotent)
                if delay is None:
                    err.attempts = attempt
                    raise
            self.clock.sleep(delay)

    def _retry_delay(
        self, err: ShoptetError, attempt: int, start: float, policy: RetryPolicy, idempotent: bool
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if not err.retryable or attempt >= policy.max_attempts:
            return None
        if not idempotent and not err.unsent and not isinstance(err, _SAFE_FOR_NON_IDEMPOTENT):
            return None
        delay = policy.backoff(attempt, self.rng)
        if isinstance(err, RateLimited) and err.retry_after is not None:
            delay = err.retry_after + policy.retry_after_slack
        elif isinstance(err, Locked):
            delay = max(delay, policy.locked_min_delay, err.retry_after or 0.0)
        elapsed = self.clock.monotonic() - start
        if elapsed + delay > policy.max_total_seconds:
            return None
        return delay

    def _attempt(
        self,
        method: str,
        url: str,
        query: dict[str, str],
        body: bytes | None,
        timeout: httpx.Timeout | None,
        start: float,
        policy: RetryPolicy,
    ) -> ApiResponse:
        lim = self.limiter
        wait = lim.throttle_delay(self.clock.monotonic(), high_water=self.throttle_high_water)
        if wait > 0:
            self.clock.sleep(wait)
        try:
            auth_headers = self.auth.headers()
        except ShoptetError as err:
            err.unsent = True  # failed while getting a token: the API call was never sent
            raise
        headers = {"Content-Type": "application/json", "Accept": "application/json", **auth_headers}
        remaining = max(0.0, policy.max_total_seconds - (self.clock.monotonic() - start))
        if not lim.slots.acquire(timeout=remaining):
            raise RateLimited(
                "no free request slot for this token (3 requests already in flight in this process)",
                method=method,
                url=url,
                retryable=True,
            )
        try:
            # Streamed and joined by hand: httpx keeps a reference cycle between a response and
            # its stream, so a buffered body would linger until the cyclic GC runs (memory per page).
            with self.http.stream(
                method, url, params=query, content=body, headers=headers, timeout=timeout or self.timeout
            ) as resp:
                raw = b"".join(resp.iter_bytes())
                status, resp_headers, reason = resp.status_code, resp.headers, resp.reason_phrase
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            err: ShoptetError = (NetworkTimeout if isinstance(exc, httpx.TimeoutException) else NetworkError)(
                f"could not connect: {exc!r}", method=method, url=url
            )
            err.unsent = True
            raise err from exc
        except httpx.TimeoutException as exc:
            raise NetworkTimeout(f"timed out waiting for Shoptet: {exc!r}", method=method, url=url) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed mid-request: {exc!r}", method=method, url=url) from exc
        finally:
            lim.slots.release()
        lim.observe(resp_headers.get(BUCKET_HEADER), self.clock.monotonic())
        if self.on_response is not None:
            try:
                self.on_response(status, resp_headers)
            except Exception:  # monitoring must never break an API call
                log.exception("on_response hook failed")
        return self._unwrap(status, resp_headers, reason, raw, method, url, auth_headers)

    def _unwrap(
        self,
        status: int,
        headers: httpx.Headers,
        reason: str,
        raw: bytes,
        method: str,
        url: str,
        auth_headers: dict[str, str],
    ) -> ApiResponse:
        payload: Any = None
        if raw:
            try:
                payload = orjson.loads(raw)
            except orjson.JSONDecodeError:
                payload = None
        envelope = payload if isinstance(payload, dict) else {}
        meta = envelope.get("metadata") if isinstance(envelope.get("metadata"), dict) else {}
        request_id = headers.get("X-Request-ID") or meta.get("requestId")
        errors = parse_error_items(envelope.get("errors"))
        if 200 <= status < 300:
            if raw and payload is None:
                raise ServerError("response is not JSON", status=status, request_id=request_id, method=method, url=url)
            return ApiResponse(status, envelope.get("data"), errors, request_id, headers)

        message = "" if errors else _plain_text(raw)[:200] or reason
        first_code = errors[0].error_code if errors else None
        cls = error_class_for(status, first_code)
        kw = dict(status=status, request_id=request_id, errors=errors, method=method, url=url)
        if cls in (RateLimited, Locked):
            retry_after = parse_retry_after(headers.get("Retry-After"), self.clock.time())
            if cls is RateLimited and not errors:
                message = "too many concurrent connections for this token (Shoptet allows 3 in flight)"
            raise cls(message or reason, retry_after=retry_after, **kw)
        if status == 401 and (first_code in REFRESHABLE_CODES or first_code is None):
            raise _TokenRejected(auth_headers, AuthError(message, **kw))
        err = cls(message, **kw)
        if status == 503:
            err.unsent = True  # maintenance: nothing was processed
        raise err


def _plain_text(raw: bytes) -> str:
    """A short readable text of a non-JSON error body (e.g. nginx's HTML page)."""
    text = raw.decode("utf-8", errors="replace")
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())


class _TokenRejected(Exception):
    """Internal: a 401 that a fresh access token might fix."""

    def __init__(self, headers: dict[str, str], error: AuthError) -> None:
        self.headers = headers
        self.error = error


def chunked(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """Split an iterable into lists of at most ``size`` (bulk endpoint limits)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
