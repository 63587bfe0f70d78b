"""Queue names, timeouts and the one enqueue helper: one table, used by every enqueue and by the worker CLI.

The names here (and the job ids callers pass) are logical; in Redis both carry the namespace of the database
(app.core.namespace.rq_name), so two hubs sharing a Redis never take, count or replace each other's jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from app.core.namespace import rq_name, rq_namespace


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
        QueueSpec("master", 60 * 60, "the master shop's stock and prices going to its followers"),
        QueueSpec("translations", 30 * 60, "translation syncs and suggestions"),
        QueueSpec("analytics", 60 * 60, "metrics and forecasts"),
        QueueSpec("default", 60 * 60, "maintenance: backups, exports, webhooks"),
    ]
}

# Workers listen in this order, so maintenance never starves imports.
ALL_QUEUE_NAMES = list(QUEUES)


def get_queue(name: str, connection: Redis, app: Flask | None = None) -> Queue:
    """This database's queue `name`, with the JSON serializer: jobs carry ids, never pickled objects."""
    spec = QUEUES[name]
    return Queue(rq_name(spec.name, app), connection=connection, default_timeout=spec.job_timeout,
                 serializer=JSONSerializer)


def logical_name(rq_queue_or_job: str, app: Flask | None = None) -> str | None:
    """The name behind a namespaced queue name or job id; None if it belongs to another database."""
    namespace = rq_namespace(app)
    return rq_queue_or_job[len(namespace):] if rq_queue_or_job.startswith(namespace) else None


def fetch_job(redis: Redis, job_id: str) -> Job:
    """This database's job with the logical `job_id` (NoSuchJobError if there is none)."""
    return Job.fetch(rq_name(job_id), connection=redis, serializer=JSONSerializer)


LIVE_JOB_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def _live(job: Job, redis: Redis) -> bool:
    """True while the job waits on a queue or runs on a worker that is still alive.

    A started job whose worker is gone (killed; its key expires when heartbeats stop) is not live, even
    though RQ still calls it "started" until its own registry cleanup runs.
    """
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.worker_name:
        return Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=redis) is not None
    return status in LIVE_JOB_STATUSES


def enqueue(redis: Redis, queue_name: str, function: str, args: list, job_id: str | None = None, *,
            replace_live: bool = False, failed_blocks: bool = False, failure_ttl: int = 24 * 3600,
            description: str = "") -> bool:
    """The one way the hub enqueues work: `function(*args)` on `queue_name`; True if a job was enqueued now.

    With a `job_id` (deterministic per unit of work: a run, an export, a day's backup) it is idempotent: no
    second job while a live one with the id waits or runs. The database row the job works on is the truth;
    this only puts (back) the message. A finished or failed job with the id is deleted first, or its id would
    block the re-enqueue until its TTL ran out; `unique=True` makes two callers racing here enqueue one job.
    `replace_live` is for a caller that knows better than RQ that the job is dead (an expired lease in the
    ledger); `failed_blocks` keeps a failed job's id blocking until its `failure_ttl` ends (a failing nightly
    backup is retried hourly, not on every tick). Without a `job_id` every call enqueues a job (with a random
    id, namespaced too): the caller deduplicates (the webhook inbox's marker).
    """
    if job_id is not None:
        try:
            job = fetch_job(redis, job_id)
            failed = job.get_status(refresh=False) == JobStatus.FAILED
            if not replace_live and (_live(job, redis) or (failed_blocks and failed)):
                return False
            job.delete()
        except NoSuchJobError:
            pass
    try:
        get_queue(queue_name, redis).enqueue_call(function, args=args, unique=job_id is not None,
                                                  job_id=rq_name(job_id or uuid4().hex),
                                                  result_ttl=0, failure_ttl=failure_ttl,
                                                  description=description or job_id)
    except DuplicateJobError:
        return False
    return True
