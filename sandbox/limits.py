"""Shoptet's request limits: 3 connections per token, leaky bucket, write locks.

* In flight: nginx `limit_conn per_token 3` -> a 4th concurrent request gets 429.
* Leaky bucket: 200 drops, leaking 10/s; each request adds drops after it runs
  (bigger responses cost more); a full bucket answers 429 with Retry-After as an
  HTTP date.  `X-RateLimit-Bucket-Filling: cur/max` goes on every response.
* Write locks: an identical write (method + URL + body) already in flight -> 423.
"""

from __future__ import annotations

import math
import threading
import time
from email.utils import formatdate

BYTES_PER_EXTRA_DROP = 100_000


class InFlight:
    def __init__(self, limit: int):
        self.limit = limit
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> bool:
        with self._lock:
            current = self._counts.get(key, 0)
            if current >= self.limit:
                return False
            self._counts[key] = current + 1
            return True

    def release(self, key: str) -> None:
        with self._lock:
            current = self._counts.get(key, 0) - 1
            if current <= 0:
                self._counts.pop(key, None)
            else:
                self._counts[key] = current

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class LeakyBucket:
    def __init__(self, size: float, leak_per_second: float, clock=time.monotonic):
        self.size = size
        self.leak = leak_per_second
        self._clock = clock
        self._level = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self.leak)
        self._stamp = now

    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level

    def is_full(self) -> bool:
        """No room for one more drop.  Costs are added after a request ran, so the
        level may overshoot the size; such a bucket stays full until it drains."""
        return self.level() > self.size - 1

    def add(self, drops: float) -> float:
        with self._lock:
            self._drain()
            self._level = min(2 * self.size, self._level + drops)
            return self._level

    def seconds_until_room(self) -> float:
        """Time until at least one drop fits again."""
        with self._lock:
            self._drain()
            excess = self._level - (self.size - 1)
            return max(0.0, excess / self.leak) if self.leak > 0 else 3600.0

    def header(self) -> str:
        return f"{min(int(self.size), math.ceil(self.level() - 1e-6))}/{int(self.size)}"

    def retry_after(self) -> str:
        """HTTP date (not seconds), as Shoptet sends it."""
        return formatdate(time.time() + math.ceil(self.seconds_until_room()) + 1, usegmt=True)


class Buckets:
    def __init__(self, size: float, leak: float):
        self.size = size
        self.leak = leak
        self._buckets: dict[str, LeakyBucket] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> LeakyBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = LeakyBucket(self.size, self.leak)
            return bucket

    def empty_header(self) -> str:
        return f"0/{int(self.size)}"

    @staticmethod
    def cost(response_bytes: int) -> int:
        return 1 + response_bytes // BYTES_PER_EXTRA_DROP

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {key: round(bucket.level(), 2) for key, bucket in self._buckets.items()}


class WriteLocks:
    def __init__(self):
        self._held: set[tuple] = set()
        self._lock = threading.Lock()

    def acquire(self, key: tuple) -> bool:
        with self._lock:
            if key in self._held:
                return False
            self._held.add(key)
            return True

    def release(self, key: tuple) -> None:
        with self._lock:
            self._held.discard(key)
