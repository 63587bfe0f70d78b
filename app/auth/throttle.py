"""Login throttling per account *and* address, with growing delays instead of a lock.

Counting failures per account alone let anyone lock a user out (ten wrong passwords from anywhere blocked the
right one for 15 minutes). Here failures are counted per (e-mail, client address): after `FREE_FAILURES` the
next attempt from that address for that account must wait a delay that doubles with each further failure (up to
`MAX_DELAY_SECONDS`), and a successful login from there resets it. The real user, at their own address, is never
slowed by an attacker elsewhere. Guessing across many accounts from one address is still capped by the
per-address limit (`LOGIN_LIMIT_PER_IP`, Flask-Limiter in app/auth/routes.py). The client address is the one
ProxyFix derives from `X-Forwarded-For` behind the configured number of proxies (`HUB_PROXY_COUNT`).
"""

from __future__ import annotations

import hashlib
import time

from redis import Redis

from app.core.namespace import redis_key

FREE_FAILURES = 5
FIRST_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 3600


def now() -> float:
    return time.time()


def _key(email: str, address: str) -> str:
    digest = hashlib.sha256(f"{email}\n{address}".encode()).hexdigest()[:32]  # no e-mail in Redis keys
    return redis_key(f"login:failures:{digest}")


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: none at first, then 2, 4, 8 … up to 15 minutes."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def wait_seconds(redis: Redis, email: str, address: str) -> int:
    """How long this account must wait before another attempt from this address (0: go ahead)."""
    raw = redis.hmget(_key(email, address), "failures", "last")
    if raw[0] is None:
        return 0
    failures, last = int(raw[0]), float(raw[1] or 0)
    remaining = last + delay_after(failures) - now()
    return max(0, int(remaining + 0.999))


def record_failure(redis: Redis, email: str, address: str) -> None:
    key = _key(email, address)
    redis.pipeline().hincrby(key, "failures", 1).hset(key, "last", now()).expire(key, FORGET_AFTER_SECONDS).execute()


def reset(redis: Redis, email: str, address: str) -> None:
    redis.delete(_key(email, address))
