"""A platform API's budget, as every process sees it: the last rate-limit filling and the 429s, per shop.

A channel hands its API client a recorder (Shoptet: app/channels/shoptet/budget.py) that reads the
platform's own rate-limit headers and calls `ApiBudget.record`; it writes to Redis so the monitoring page
(another process) can read it.
"""

from __future__ import annotations

import logging
import time

from redis import Redis
from redis.exceptions import RedisError

from app.monitoring.events import count_event

log = logging.getLogger(__name__)

BUCKET_TTL_SECONDS = 7 * 86400


def bucket_key(shop_id: int) -> str:
    return f"hub:mon:api:bucket:{shop_id}"


def requests_event(shop_id: int) -> str:
    return f"api.requests:{shop_id}"


def rate_limited_event(shop_id: int) -> str:
    return f"api.429:{shop_id}"


class ApiBudget:
    """One shop's API answers, counted; never raises (monitoring must not break an import)."""

    def __init__(self, redis: Redis, shop_id: int):
        self.redis = redis
        self.shop_id = shop_id

    def record(self, status: int, filling: tuple[float, float] | None) -> None:
        """An answer with HTTP `status`; `filling` is the (used, capacity) of the rate bucket if it said."""
        now = time.time()
        count_event(self.redis, requests_event(self.shop_id), now=now)
        if status == 429:
            count_event(self.redis, rate_limited_event(self.shop_id), now=now)
        if filling is None:
            return
        try:
            self.redis.hset(bucket_key(self.shop_id), mapping={"filling": filling[0], "capacity": filling[1],
                                                                "observed_at": now})
            self.redis.expire(bucket_key(self.shop_id), BUCKET_TTL_SECONDS)
        except RedisError as exc:
            log.debug("bucket of shop %s not recorded: %s", self.shop_id, exc)
