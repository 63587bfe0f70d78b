"""Worker entry point: an RQ worker whose jobs run inside the Flask app context.

    python -m workers.worker [queue ...]     # default: every queue in app.queues

Queues are named as in app.queues (`orders`, `default`…); in Redis each carries the namespace of the database
the worker's DATABASE_URL points at, which is the one the web app and the scheduler enqueue into.

Its process title says what it does: `hub-worker[orders,customers] idle`, `... busy: sync run 42 (orders)`,
and the work-horse it forks for a job `hub-horse run 42 orders shop 3`. It logs JSON lines to stdout.
"""

from __future__ import annotations

import sys

from rq import Worker
from rq.serializers import JSONSerializer

from app.extensions import db
from app.queues import ALL_QUEUE_NAMES, get_queue, logical_name
from app.sync.queries import run_label
from workers.process import configure_logging, set_title, start_app


def job_label(job) -> str:
    """What a job works on, in words; a sync run is read from the ledger (kind and shop)."""
    if job.func_name == "app.sync.tasks.run_sync":
        try:
            return run_label(db.session, job.args[0])
        finally:
            db.session.remove()
    return job.description or job.id


class AppWorker(Worker):
    """Push an app context around each job, so jobs reach db/redis/settings like a request does."""

    app = None
    doing: str | None = None  # what the current job works on (main process: from RQ; horse: from the ledger)

    def execute_job(self, job, queue):
        """In the main process: the title shows the job while its horse runs it."""
        self.doing = job.description or job.id
        try:
            return super().execute_job(job, queue)
        finally:
            self.doing = None
            self.procline("idle")

    def perform_job(self, job, queue):
        with self.app.app_context():
            if self._is_horse:
                self.doing = job_label(job)
            return super().perform_job(job, queue)

    def procline(self, message):
        """RQ calls this at each step of its loop; the title says what runs rather than RQ's step."""
        if self._is_horse:
            set_title(f"hub-horse {self.doing}")
        elif self.doing:
            set_title(f"hub-worker[{self._names()}] busy: {self.doing}")
        else:
            set_title(f"hub-worker[{self._names()}] idle")

    def _start_scheduler(self, *args, **kwargs):
        """RQ forks its scheduler (delayed jobs and retries) here; the child keeps the title of the fork."""
        set_title(f"hub-rq-scheduler[{self._names()}]")
        try:
            return super()._start_scheduler(*args, **kwargs)
        finally:
            self.procline("")

    def _names(self) -> str:
        return ",".join(logical_name(name, self.app) or name for name in self.queue_names())


def main(argv: list[str]) -> int:
    configure_logging("worker")
    app = start_app()
    AppWorker.app = app
    connection = app.extensions["redis"]
    names = argv[1:] or ALL_QUEUE_NAMES  # logical names: each is this database's queue (app.queues.get_queue)
    queues = [get_queue(name, connection, app) for name in names]
    # Short maintenance interval and TTL: a killed worker's jobs are noticed in about a minute, not
    # ten (the run ledger's lease is the real detector; this is the second net).
    worker = AppWorker(queues, connection=connection, serializer=JSONSerializer, maintenance_interval=60,
                       worker_ttl=60)
    worker.procline("starting")
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
