"""Shared fixtures: real PostgreSQL and Redis (from the environment, else the embedded default).

Tests get a dedicated database (`<name>_test`) upgraded to the Alembic head once per run, and a
dedicated Redis database flushed around each test. `db` runs a test inside a transaction that is
rolled back; `live_db` commits for real (for a live server or worker in another thread or process)
and truncates every table afterwards.
"""

from __future__ import annotations

import os
import re
import threading

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app.config import Config


def _free_redis_db(server_url: str) -> int:
    """A Redis database number no other test run on this server holds (runs and xdist workers overlap).

    The claims live in database 0, which no test flushes: a claim kept inside the claimed database would be
    wiped by the first test's FLUSHDB, and a worker starting later would take the same database and flush the
    other's data mid-test."""
    import redis

    registry = redis.Redis.from_url(f"{server_url}/0")
    for number in range(1, 16):
        if registry.set(f"hub-tests:redis-db:{number}", os.getpid(), nx=True, ex=3 * 3600):
            redis.Redis.from_url(f"{server_url}/{number}").flushdb()
            return number
    raise RuntimeError("no free Redis database for the tests (all 15 are claimed in db 0 as hub-tests:redis-db:N)")


def _release_redis_db(redis_url: str) -> None:
    import redis

    server, number = redis_url.rsplit("/", 1)
    redis.Redis.from_url(redis_url).flushdb()
    registry = redis.Redis.from_url(f"{server}/0")
    if registry.get(f"hub-tests:redis-db:{number}") == str(os.getpid()).encode():
        registry.delete(f"hub-tests:redis-db:{number}")


def _test_urls() -> tuple[str, str]:
    """A database of this run's own (named by pid, dropped at the end) and a Redis database of its own."""
    from app.embedded import ensure_services

    urls = ensure_services(os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL"))
    database = make_url(urls.database_url)
    if not database.drivername.endswith("+psycopg"):
        database = database.set(drivername="postgresql+psycopg")
    database = database.set(database=f"{database.database or 'hub'}_test_{os.getpid()}")
    server = re.sub(r"/\d*$", "", urls.redis_url.rstrip("/"))
    return database.render_as_string(hide_password=False), f"{server}/{_free_redis_db(server)}"


def _drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def test_config(tmp_path_factory):
    database_url, redis_url = _test_urls()
    _recreate_database(database_url)
    # HUB_PUBLIC_URL points at the discard port: webhooks the sandbox sends to the hub go nowhere here.
    # Downloads and exports go to folders of this run's own: file names carry row ids, which every run (and
    # every xdist worker, each with its own database) numbers from 1, so a shared var/ would mix their files.
    config = Config(SECRET_KEY="test-secret-key", ENV="test", DATABASE_URL=database_url, REDIS_URL=redis_url,
                  HUB_PUBLIC_URL="http://127.0.0.1:9",
                  TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                  IMPORTS_DIR=str(tmp_path_factory.mktemp("imports")),
                  EXPORTS_DIR=str(tmp_path_factory.mktemp("exports")))
    config.SNAPSHOT_FIRST_POLL_SECONDS = 0.3  # the sandbox finishes jobs in a moment
    yield config
    _drop_database(database_url)
    _release_redis_db(redis_url)


@pytest.fixture(scope="session")
def app(test_config):
    """The app, with the test database upgraded to the migrations' head (the same path production takes)."""
    from flask_migrate import upgrade

    from app import create_app

    application = create_app(test_config)
    application.test_client_class = RequestIsolatingClient
    application.testing = True  # exceptions propagate to the test instead of becoming 500 pages
    with application.app_context():
        upgrade()
        from datetime import UTC, datetime

        from app.extensions import db as _db
        from app.imports.partitions import ensure_ahead

        with _db.engine.begin() as connection:  # what the scheduler keeps ready in production
            ensure_ahead(connection, datetime.now(UTC).date())
    yield application
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def redis_client(app):
    client = app.extensions["redis"]
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def db(app, redis_client):
    """A session whose work is rolled back after the test (services' commits become savepoints)."""
    from app.extensions import db as _db
    from app.tables.cache import forget_cached_per_shops

    with app.app_context():
        engines = _db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        engines[None] = connection  # Flask-SQLAlchemy picks its bind here; the session joins our transaction
        _db.session = _db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        app.extensions["settings_cache"]._local.clear()
        forget_cached_per_shops()  # the filter-form choices cached per set of shops: no test sees another's
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            engines[None] = engine
            transaction.rollback()
            connection.close()


@pytest.fixture
def live_db(app, redis_client):
    """Real commits (for other threads and processes); every table is emptied afterwards."""
    from app.extensions import db as _db

    app.extensions["settings_cache"]._local.clear()
    yield _db
    with app.app_context():
        _db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context (and `g`), as in production.

    Tests hold an app context open for their session; Flask would reuse it for the client's
    requests, so `g` (CSRF token cache, per-request memos) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def live_server(app, live_db):
    """The app on a free loopback port; requests commit for real (see `live_db`)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def client(app, db):
    return app.test_client()


def new_request(app, *args, **kwargs):
    """A fresh app + request context, like a new request in production (fresh `g`)."""
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(app.app_context())
    stack.enter_context(app.test_request_context(*args, **kwargs))
    return stack


@pytest.fixture
def count_queries(app):
    """Count SQL statements sent by the app: `with count_queries() as counter: ...; counter.count`."""
    from contextlib import contextmanager

    from app.extensions import db as _db

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        engine = _db._app_engines[app][None]
        target = engine.engine if hasattr(engine, "engine") else engine
        event.listen(target, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(target, "before_cursor_execute", before)

    return counting
