"""Queue names, timeouts and retry policy: one table, used by enqueue and by the worker CLI."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer


@dataclass(frozen=True)
class QueueSpec:
    name: str
    job_timeout: int  # seconds; systemd's TimeoutStopSec must cover the longest
    purpose: str


QUEUES: dict[str, QueueSpec] = {
    spec.name: spec
    for spec in [
        QueueSpec("snapshots", 2 * 3600, "full imports from Shoptet snapshots"),
        QueueSpec("orders", 20 * 60, "order syncs and status changes"),
        QueueSpec("customers", 2 * 3600, "customer syncs"),
        QueueSpec("catalog", 60 * 60, "products and stock"),
        QueueSpec("translations", 30 * 60, "translation syncs and suggestions"),
        QueueSpec("analytics", 60 * 60, "metrics and forecasts"),
        QueueSpec("default", 60 * 60, "maintenance: backups, exports, webhooks"),
    ]
}

# Workers listen in this order, so maintenance never starves imports.
ALL_QUEUE_NAMES = list(QUEUES)


def get_queue(name: str, connection: Redis) -> Queue:
    """A queue with the JSON serializer: jobs carry ids, never pickled objects."""
    spec = QUEUES[name]
    return Queue(spec.name, connection=connection, default_timeout=spec.job_timeout, serializer=JSONSerializer)
