"""Recent errors from every process (web, workers, scheduler) in one capped Redis list.

A logging handler on the root logger keeps the last ERROR records, so an operator sees on the monitoring
page what the logs of several processes (and machines) say, without shell access. It never raises and
never logs itself (a Redis failure would otherwise log an error about logging an error). The list is in the
database's namespace (app.core.namespace): another hub's errors on the same Redis are not this one's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import orjson
from flask import Flask
from redis import Redis

from app.core.namespace import redis_key

RECENT_ERRORS = "hub:mon:recent_errors"
KEEP = 200
MESSAGE_LIMIT = 4000


class RecentErrorsHandler(logging.Handler):
    def __init__(self, app: Flask, redis: Redis, process: str | None = None):
        super().__init__(level=logging.ERROR)
        self.app = app
        self.redis = redis
        self.process = process or f"{socket.gethostname()}:{os.getpid()}"
        self._busy = threading.local()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "active", False):
            return
        self._busy.active = True
        try:
            entry = orjson.dumps({"at": record.created or time.time(), "process": self.process,
                                  "logger": record.name, "message": self.format(record)[:MESSAGE_LIMIT]})
            key = recent_errors_key(self.app)
            self.redis.pipeline(transaction=False).lpush(key, entry).ltrim(key, 0, KEEP - 1).execute()
        except Exception:  # noqa: S110 (an unreachable Redis must not break the code that logged)
            pass
        finally:
            self._busy.active = False


def recent_errors_key(app: Flask | None = None) -> str:
    return redis_key(RECENT_ERRORS, app)


def install(app: Flask) -> RecentErrorsHandler:
    """Attach to the root logger, replacing a handler of an earlier app in the same process."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, RecentErrorsHandler)]:
        root.removeHandler(handler)
    handler = RecentErrorsHandler(app, app.extensions["redis"])
    root.addHandler(handler)
    return handler
