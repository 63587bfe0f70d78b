"""Shoptet's limits, modelled on the client side.

* at most 3 requests in flight per token: a process-wide semaphore per token,
  shared by every client instance (nginx answers 429 beyond that);
* the leaky bucket (200 drops, leaking 10/s): we remember the last
  ``X-RateLimit-Bucket-Filling`` and wait before sending when it is high, so
  the bucket rarely overflows into 429;
* retry timing: exponential backoff with jitter, ``Retry-After`` as seconds or
  HTTP-date, all bounded by attempts and total time.

Time is injected through :class:`Clock` so tests can record waits instead of
sleeping.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Shoptet's documented per-token connection limit.
MAX_IN_FLIGHT_PER_TOKEN = 3
#: Documented leak rate of the bucket (drops per second).
BUCKET_LEAK_PER_SECOND = 10.0


@dataclass(frozen=True)
class Clock:
    """Everything time-related the client does, replaceable in tests."""

    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    time: Callable[[], float] = time.time  # wall clock, for HTTP-date Retry-After


REAL_CLOCK = Clock()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries before raising its last typed error."""

    max_attempts: int = 5
    #: No retry is started if it would end after this many seconds from the first try.
    max_total_seconds: float = 60.0
    backoff_base: float = 0.5
    backoff_max: float = 15.0
    #: 423 means "identical write in flight, lock lasts up to 5 s": wait at least this.
    locked_min_delay: float = 1.0
    #: Slack added to a Retry-After (HTTP-dates have one-second resolution).
    retry_after_slack: float = 0.2

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before attempt ``attempt + 1``: capped exponential, "equal jitter"."""
        cap = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return cap / 2 + rng.uniform(0, cap / 2)


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    ``now`` is the wall-clock time (``time.time()``). Returns None if absent
    or unparseable; never negative.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def parse_bucket_filling(value: str | None) -> tuple[float, float] | None:
    """``"120/200"`` -> ``(120.0, 200.0)``; None if absent or odd."""
    if not value or "/" not in value:
        return None
    cur, _, cap = value.partition("/")
    try:
        current, capacity = float(cur.strip()), float(cap.strip())
    except ValueError:
        return None
    if capacity <= 0:
        return None
    return current, capacity


@dataclass
class BucketEstimate:
    """Our belief about the token's bucket, from the last response header."""

    filling: float = 0.0
    capacity: float = 200.0
    observed_at: float | None = None

    def current(self, now: float, leak: float) -> float:
        if self.observed_at is None:
            return 0.0
        return max(0.0, self.filling - leak * max(0.0, now - self.observed_at))


@dataclass
class TokenLimiter:
    """Per-token state shared by all clients of the process using that token."""

    key: str
    slots: threading.BoundedSemaphore
    bucket: BucketEstimate = field(default_factory=BucketEstimate)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, header: str | None, now: float) -> None:
        parsed = parse_bucket_filling(header)
        if parsed is None:
            return
        with self.lock:
            self.bucket.filling, self.bucket.capacity = parsed
            self.bucket.observed_at = now

    def reset(self) -> None:
        """Forget the bucket estimate (tests; or after a long idle period)."""
        with self.lock:
            self.bucket = BucketEstimate()

    def throttle_delay(
        self,
        now: float,
        *,
        high_water: float = 0.75,
        leak: float = BUCKET_LEAK_PER_SECOND,
        reserve: float = 1.0,
    ) -> float:
        """Seconds to wait before the next request so filling drops to ``high_water``.

        Each caller also reserves ``reserve`` drops in the estimate so that
        threads throttled at the same moment spread out instead of bursting.
        """
        with self.lock:
            est = min(self.bucket.current(now, leak), self.bucket.capacity)
            limit = high_water * self.bucket.capacity
            delay = (est - limit) / leak if est > limit else 0.0
            if self.bucket.observed_at is not None:
                self.bucket.filling = est + reserve
                self.bucket.observed_at = now
            return delay


_registry_lock = threading.Lock()
_registry: dict[str, TokenLimiter] = {}


def limiter_for(key: str, max_in_flight: int = MAX_IN_FLIGHT_PER_TOKEN) -> TokenLimiter:
    """The process-wide limiter of one token (created on first use).

    ``max_in_flight`` only matters for the first caller of a key.
    """
    with _registry_lock:
        lim = _registry.get(key)
        if lim is None:
            lim = TokenLimiter(key=key, slots=threading.BoundedSemaphore(max_in_flight))
            _registry[key] = lim
        return lim
