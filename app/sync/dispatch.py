"""Put runs on RQ: "run N now". The ledger decides what should run; RQ only carries the message.

Job ids are deterministic (`sync-run-N`) and enqueued with `unique=True`, so two schedulers (or a
scheduler and a route) cannot queue the same run twice. A finished or failed RQ job with that id is
deleted first: otherwise its id would block the re-enqueue until its TTL ran out.
"""

from __future__ import annotations

import logging

from redis import Redis

from app.queues import enqueue
from app.sync.jobkinds import JOB_KINDS

log = logging.getLogger(__name__)

# Full imports are long and share one queue; incremental syncs go to their kind's queue, so a
# two-hour snapshot never holds up the five-second sync behind it.
SYNC_QUEUE_FOR_KIND = {"orders": "orders", "customers": "customers", "products": "catalog", "stock": "catalog",
                       "credit_notes": "orders"}


def queue_for(kind: str, mode: str) -> str:
    if mode == "job":
        return JOB_KINDS[kind].queue
    return SYNC_QUEUE_FOR_KIND.get(kind, "default") if mode == "changes" else "snapshots"


def job_id(run_id: int) -> str:
    return f"sync-run-{run_id}"


def enqueue_run(redis: Redis, run_id: int, kind: str, mode: str = "snapshot", *, stale: bool = False) -> bool:
    """Enqueue the run unless a live job for it exists; True if a job was enqueued now.

    `stale` means the ledger says the run's lease expired: its RQ job may still look "started" (RQ
    notices a dead worker only after its TTL), so it is replaced regardless of what RQ says.
    """
    return enqueue(redis, queue_for(kind, mode), "app.sync.tasks.run_sync", [run_id], job_id(run_id),
                   replace_live=stale, failure_ttl=3600, description=f"sync run {run_id} ({kind})")
