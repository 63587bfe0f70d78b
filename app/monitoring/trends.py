"""Trends for the charts: queue depth, live workers and sync lag, sampled once a minute by the scheduler.

Samples live in capped Redis lists (a day at one a minute). They are a view, not a record: a Redis flush
loses the history of the charts and nothing else, so they do not belong in PostgreSQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis import Redis

from app.core.namespace import redis_key

KEEP_SAMPLES = 24 * 60
SAMPLE_EVERY_SECONDS = 60


def series_key(name: str) -> str:
    return redis_key(f"hub:mon:series:{name}")  # each database's scheduler samples its own queues and runs


def queue_series(queue: str) -> str:
    return f"queue_depth:{queue}"


def lag_series(shop_id: int, kind: str) -> str:
    return f"sync_lag:{shop_id}:{kind}"


WORKERS_SERIES = "workers_alive"


@dataclass(frozen=True)
class Point:
    at: float
    value: float


def record(redis: Redis, values: dict[str, float], now: float | None = None) -> None:
    now = now if now is not None else time.time()
    pipe = redis.pipeline(transaction=False)
    for name, value in values.items():
        key = series_key(name)
        pipe.rpush(key, f"{now:.0f}:{value:.3f}")
        pipe.ltrim(key, -KEEP_SAMPLES, -1)
        pipe.expire(key, 2 * 86400)
    pipe.execute()


def read(redis: Redis, name: str, since: float | None = None) -> list[Point]:
    points = []
    for raw in redis.lrange(series_key(name), 0, -1):
        at, _, value = raw.decode().partition(":")
        if since is None or float(at) >= since:
            points.append(Point(float(at), float(value)))
    return points


def claim_sampling_slot(redis: Redis, now: float | None = None) -> bool:
    """True for the first caller in each minute: samples stay one a minute whatever the tick rate."""
    minute = int((now if now is not None else time.time()) // SAMPLE_EVERY_SECONDS)
    slot = redis_key(f"hub:mon:series:slot:{minute}")
    return bool(redis.set(slot, 1, nx=True, ex=3 * SAMPLE_EVERY_SECONDS))
