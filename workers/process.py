"""What ops see of a worker or scheduler process: its title in `ps`/`top`, and one JSON log line per event.

Titles say what runs now (`hub-worker[orders,customers] idle`, `hub-horse run 42 orders shop 3`,
`hub-scheduler tick 12 at 10:15:03`). Logs go to stdout, one JSON object per line (time, level, logger,
message, pid, component and any `extra=` fields), which journald keeps whole; a traceback is a field of its
line, not lines of its own.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask
from pythonjsonlogger.json import JsonFormatter
from setproctitle import setproctitle

from app import create_app
from app.config import ConfigError


def configure_logging(process: str, level: int = logging.INFO) -> None:
    """Route every logger (the hub's, RQ's, SQLAlchemy's) through one stdout handler with the JSON format."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(
        "{levelname}{name}{message}{process}", style="{", timestamp="time",
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"}, static_fields={"component": process}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def set_title(title: str) -> None:
    setproctitle(title)



def start_app() -> Flask:
    """The app of a worker or scheduler process; malformed settings end it with one `error:` line, exit 2."""
    try:
        return create_app()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
