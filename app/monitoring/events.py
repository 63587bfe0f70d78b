"""Event counters in Redis, per minute and in total, shared by every process (web, workers, scheduler).

Anything that happens often and is worth a number on the monitoring page counts itself here with one
call: platform API requests and 429s per shop today, webhook deliveries once intake counts them
(`count_event(redis, "webhooks.received")`, `"webhooks.rejected"`). A counter that was never written
reads as None, which the page shows as "not there yet" rather than as a zero that looks healthy.
Counting never raises: monitoring must not break the work it watches. Keys are in the database's namespace
(app.core.namespace): a counter is this hub's, not every hub's on the same Redis.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from app.core.namespace import database_prefix

log = logging.getLogger(__name__)

KEEP_MINUTES = 25 * 60  # a day of per-minute buckets, and an hour of slack


def _total_key(name: str, prefix: str | None = None) -> str:
    return f"{_prefix(prefix)}hub:mon:events:{name}:total"


def _minute_key(name: str, minute: int, prefix: str | None = None) -> str:
    return f"{_prefix(prefix)}hub:mon:events:{name}:m:{minute}"


def _prefix(prefix: str | None) -> str:
    return database_prefix(current_app) if prefix is None else prefix


def count_event(redis: Redis, name: str, amount: int = 1, *, now: float | None = None,
                prefix: str | None = None) -> None:
    """Count `name`; `prefix` (the database's key prefix) for a caller outside the app context (a thread)."""
    minute = int((now if now is not None else time.time()) // 60)
    try:
        prefix = _prefix(prefix)
        pipe = redis.pipeline(transaction=False)
        pipe.incrby(_total_key(name, prefix), amount)
        pipe.incrby(_minute_key(name, minute, prefix), amount)
        pipe.expire(_minute_key(name, minute, prefix), KEEP_MINUTES * 60)
        pipe.execute()
    except (RedisError, RuntimeError) as exc:  # RuntimeError: no app context to name the keys by
        log.debug("event %s not counted: %s", name, exc)


def event_total(redis: Redis, name: str) -> int | None:
    raw = redis.get(_total_key(name))
    return None if raw is None else int(raw)


def event_series(redis: Redis, name: str, minutes: int, *, now: float | None = None) -> list[tuple[int, int]]:
    """(minute start as a Unix time, count) for the last `minutes` minutes, oldest first."""
    last = int((now if now is not None else time.time()) // 60)
    wanted = list(range(last - minutes + 1, last + 1))
    prefix = _prefix(None)
    values = redis.mget([_minute_key(name, minute, prefix) for minute in wanted]) if wanted else []
    return [(minute * 60, int(value or 0)) for minute, value in zip(wanted, values, strict=True)]


def event_sum(redis: Redis, name: str, minutes: int, *, now: float | None = None) -> int:
    return sum(count for _, count in event_series(redis, name, minutes, now=now))
