"""A platform API's budget, as every process sees it: the last rate-limit filling and the 429s, per shop.

A channel hands its API client a recorder (Shoptet: app/channels/shoptet/budget.py) that reads the
platform's own rate-limit headers and calls `ApiBudget.record`; it writes to Redis so the monitoring page
(another process) can read it. A recorder is made in the app context and keeps the database's key prefix,
since a client may call it from a thread of its own (WooCommerce's read-ahead).
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from app.core.namespace import database_prefix
from app.monitoring.events import count_event

log = logging.getLogger(__name__)

BUCKET_TTL_SECONDS = 7 * 86400


def bucket_key(shop_id: int, prefix: str | None = None) -> str:
    return f"{database_prefix(current_app) if prefix is None else prefix}hub:mon:api:bucket:{shop_id}"


def requests_event(shop_id: int) -> str:
    return f"api.requests:{shop_id}"


def rate_limited_event(shop_id: int) -> str:
    return f"api.429:{shop_id}"


class ApiBudget:
    """One shop's API answers, counted; never raises (monitoring must not break an import)."""

    def __init__(self, redis: Redis, shop_id: int):
        self.redis = redis
        self.shop_id = shop_id
        self.prefix = database_prefix(current_app)

    def record(self, status: int, filling: tuple[float, float] | None) -> None:
        """An answer with HTTP `status`; `filling` is the (used, capacity) of the rate bucket if it said."""
        now = time.time()
        count_event(self.redis, requests_event(self.shop_id), now=now, prefix=self.prefix)
        if status == 429:
            count_event(self.redis, rate_limited_event(self.shop_id), now=now, prefix=self.prefix)
        if filling is None:
            return
        try:
            key = bucket_key(self.shop_id, self.prefix)
            self.redis.hset(key, mapping={"filling": filling[0], "capacity": filling[1], "observed_at": now})
            self.redis.expire(key, BUCKET_TTL_SECONDS)
        except RedisError as exc:
            log.debug("bucket of shop %s not recorded: %s", self.shop_id, exc)
