"""At most one queued processing job per shop: a burst of webhooks becomes one pass over the inbox.

A marker key says "a pass is queued"; the job removes it when it starts, so an event that arrives
during a pass queues the next one. Losing the marker or the job (Redis flushed) is harmless: the
scheduler also processes events left unprocessed in the inbox.
"""

from __future__ import annotations

from redis import Redis

from app.core.namespace import redis_key
from app.queues import enqueue

MARKER_TTL_SECONDS = 300


def marker_key(shop_id: int) -> str:
    """In the database's namespace: another hub on the same Redis has its own shop ids."""
    return redis_key(f"hub:webhooks:queued:{shop_id}")


def enqueue_processing(redis: Redis, shop_id: int) -> bool:
    if not redis.set(marker_key(shop_id), 1, nx=True, ex=MARKER_TTL_SECONDS):
        return False
    return enqueue(redis, "default", "app.webhooks.tasks.process_shop_events", [shop_id], failure_ttl=3600)
