"""Worker entry point: an RQ worker whose jobs run inside the Flask app context.

    python -m workers.worker [queue ...]     # default: every queue in workers.queues
"""

from __future__ import annotations

import logging
import sys

from rq import Worker
from rq.serializers import JSONSerializer

from workers.queues import ALL_QUEUE_NAMES, get_queue


class AppWorker(Worker):
    """Push an app context around each job, so jobs reach db/redis/settings like a request does."""

    app = None

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)


def main(argv: list[str]) -> int:
    from app import create_app

    # One line per event to stdout (journald): RQ's own, and the runs' (app/sync/runlog.py).
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    AppWorker.app = app
    connection = app.extensions["redis"]
    names = argv[1:] or ALL_QUEUE_NAMES
    queues = [get_queue(name, connection) for name in names]
    # Short maintenance interval and TTL: a killed worker's jobs are noticed in about a minute, not
    # ten (the run ledger's lease is the real detector; this is the second net).
    worker = AppWorker(queues, connection=connection, serializer=JSONSerializer, maintenance_interval=60,
                       worker_ttl=60)
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
