"""Redis keys namespaced by the database they cache, so two hubs sharing a Redis (a staging beside production,
a database restored beside its Redis) never read each other's settings, throttles or cached values.

The prefix is `HUB_REDIS_PREFIX` when set, else derived from the database itself: its cluster's system
identifier (different for every PostgreSQL cluster, also for a restored copy on another server) and its name
(different for a copy restored beside it on the same server). It is read once per process, on first use, so
starting the app does not need the database.

RQ keeps its own keys (`rq:queue:<name>`, `rq:job:<id>`, registries by queue name), so queue names and job ids
carry the namespace instead (`rq_name`), in the few characters RQ allows in a job id.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from flask import Flask, current_app
from sqlalchemy import text

log = logging.getLogger(__name__)
_lock = threading.RLock()  # reentrant: deriving may log an error, whose handler (monitoring) names its key here


def database_prefix(app: Flask) -> str:
    prefix = app.extensions.get("redis_prefix")
    if prefix is None:
        with _lock:
            prefix = app.extensions.get("redis_prefix")
            if prefix is None:
                prefix = app.config.get("REDIS_PREFIX") or _derive(app)
                app.extensions["redis_prefix"] = prefix
    return prefix


def _derive(app: Flask) -> str:
    from app.extensions import db

    with app.app_context(), db.engine.engine.connect() as connection:  # .engine: also under a test's bound connection
        try:
            name = connection.execute(text("SELECT current_database()")).scalar_one()
            try:
                system = connection.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar_one()
            except Exception:  # a role without EXECUTE on it: the server's address stands in
                connection.rollback()
                system = connection.execute(text("SELECT coalesce(host(inet_server_addr()), 'local') || ':' || "
                                                  "coalesce(inet_server_port(), 0)")).scalar_one()
                log.info("pg_control_system() is not allowed; Redis keys are namespaced by server address")
        finally:
            # Closed, not pooled: a worker derives this before RQ forks its work-horses, which must not inherit
            # (and share) a connection of the parent's pool.
            connection.invalidate()
    return f"hub:{system}:{name}:"


def redis_key(name: str, app: Flask | None = None) -> str:
    """`name` inside this database's namespace."""
    return database_prefix(app or current_app) + name


def rq_name(name: str, app: Flask | None = None) -> str:
    """`name` (a queue's name or a job id) inside this database's namespace: a short digest of the prefix, since
    RQ allows only letters, digits, `_` and `-` in a job id (`h3f2a…-orders`, `h3f2a…-sync-run-42`)."""
    return rq_namespace(app) + name


def rq_namespace(app: Flask | None = None) -> str:
    """What `rq_name` puts in front; a name that starts with it is this database's."""
    digest = hashlib.blake2s(database_prefix(app or current_app).encode(), digest_size=6).hexdigest()
    return f"h{digest}-"
