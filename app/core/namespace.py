"""Redis keys namespaced by the database they cache, so two hubs sharing a Redis (a staging beside production,
a database restored beside its Redis) never read each other's settings, throttles or cached values.

The prefix is `HUB_REDIS_PREFIX` when set, else derived from the database itself: its cluster's system
identifier (different for every PostgreSQL cluster, also for a restored copy on another server) and its name
(different for a copy restored beside it on the same server). It is read once per process, on first use, so
starting the app does not need the database.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlalchemy import text

log = logging.getLogger(__name__)
_lock = threading.Lock()


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
        name = connection.execute(text("SELECT current_database()")).scalar_one()
        try:
            system = connection.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar_one()
        except Exception:  # a role without EXECUTE on it: the server's address stands in
            connection.rollback()
            system = connection.execute(text("SELECT coalesce(host(inet_server_addr()), 'local') || ':' || "
                                              "coalesce(inet_server_port(), 0)")).scalar_one()
            log.info("pg_control_system() is not allowed; Redis keys are namespaced by server address")
    return f"hub:{system}:{name}:"


def redis_key(name: str, app: Flask | None = None) -> str:
    """`name` inside this database's namespace."""
    return database_prefix(app or current_app) + name
