"""The Shoptet API budget, as every process sees it: the last bucket filling and the 429s, per shop.

An `ApiBudgetRecorder` is handed to the Shoptet client (`on_response`, see app/shoptet/transport.py) when
a client is built for a shop; it writes to Redis so the monitoring page (another process) can read it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from redis import Redis
from redis.exceptions import RedisError

from app.monitoring.events import count_event
from app.shoptet.limits import parse_bucket_filling
from app.shoptet.transport import BUCKET_HEADER

log = logging.getLogger(__name__)

BUCKET_TTL_SECONDS = 7 * 86400


def bucket_key(shop_id: int) -> str:
    return f"hub:mon:shoptet:bucket:{shop_id}"


def requests_event(shop_id: int) -> str:
    return f"shoptet.requests:{shop_id}"


def rate_limited_event(shop_id: int) -> str:
    return f"shoptet.429:{shop_id}"


class ApiBudgetRecorder:
    """Called with each HTTP answer's status and headers; never raises."""

    def __init__(self, redis: Redis, shop_id: int):
        self.redis = redis
        self.shop_id = shop_id

    def __call__(self, status: int, headers: Mapping[str, str]) -> None:
        now = time.time()
        count_event(self.redis, requests_event(self.shop_id), now=now)
        if status == 429:
            count_event(self.redis, rate_limited_event(self.shop_id), now=now)
        filling = parse_bucket_filling(headers.get(BUCKET_HEADER))
        if filling is None:
            return
        try:
            self.redis.hset(bucket_key(self.shop_id), mapping={"filling": filling[0], "capacity": filling[1],
                                                                "observed_at": now})
            self.redis.expire(bucket_key(self.shop_id), BUCKET_TTL_SECONDS)
        except RedisError as exc:
            log.debug("bucket of shop %s not recorded: %s", self.shop_id, exc)


def recorder_for_shop(redis: Redis, shop_id: int) -> ApiBudgetRecorder:
    return ApiBudgetRecorder(redis, shop_id)
