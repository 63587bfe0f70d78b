"""Two hubs on two databases sharing one Redis (a staging beside production): neither sees the other's queues,
jobs, workers, monitoring series and counters, recent errors, login throttles or per-address limits."""

import logging
import time

import pytest
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.serializers import JSONSerializer
from sqlalchemy.engine import make_url

from app.core.namespace import database_prefix, rq_name
from app.monitoring import errors, events, queries, trends
from app.monitoring.budget import ApiBudget, bucket_key
from app.queues import enqueue, fetch_job, get_queue
from tests.conftest import RequestIsolatingClient, _drop_database, _recreate_database
from tests.factories import login


@pytest.fixture(scope="module")
def other_app(test_config, app):
    """A second hub: its own database (migrated to the head), the same Redis database as the test app."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    url = make_url(test_config.DATABASE_URL)
    other_url = url.set(database=f"{url.database}_other").render_as_string(hide_password=False)
    _recreate_database(other_url)
    other = create_app(test_config.model_copy(update={"DATABASE_URL": other_url}))
    other.test_client_class = RequestIsolatingClient
    other.testing = True
    with other.app_context():
        upgrade()
    yield other
    with other.app_context():
        db.engine.dispose()
    errors.install(app)  # the recent-errors handler belongs to the test app again
    _drop_database(other_url)


def test_the_two_hubs_have_different_namespaces(app, other_app):
    assert database_prefix(app) != database_prefix(other_app)
    assert rq_name("orders", app) != rq_name("orders", other_app)
    assert all(ch.isalnum() or ch in "_-" for ch in rq_name("sync-run-7", app))  # a job id RQ accepts


def test_queues_jobs_and_workers_are_each_hubs_own(app, other_app, redis_client):
    with app.app_context():
        assert enqueue(redis_client, "orders", "app.nothing", [7], "sync-run-7")
        worker = Worker([get_queue("orders", redis_client)], connection=redis_client, serializer=JSONSerializer)
        worker.register_birth()
        worker.heartbeat()
    try:
        with other_app.app_context():
            assert get_queue("orders", redis_client).count == 0
            with pytest.raises(NoSuchJobError):
                fetch_job(redis_client, "sync-run-7")
            assert queries.worker_stats(redis_client) == []  # not "a worker is alive" for the other hub
            # The same logical id in the other hub is another job: not blocked by ours, and not replacing it.
            assert enqueue(redis_client, "orders", "app.nothing", [8], "sync-run-7")
            assert fetch_job(redis_client, "sync-run-7").args == [8]
        with app.app_context():
            assert get_queue("orders", redis_client).count == 1
            assert fetch_job(redis_client, "sync-run-7").args == [7]
            [ours] = queries.worker_stats(redis_client)
            assert ours.queues == ["orders"]  # the logical name, as the page shows it
            assert [stat.depth for stat in queries.queue_stats(redis_client) if stat.name == "orders"] == [1]
    finally:
        worker.register_death()


def test_monitoring_series_counters_budgets_and_errors_are_each_hubs_own(app, other_app, redis_client):
    with app.app_context():
        trends.record(redis_client, {trends.WORKERS_SERIES: 3})
        events.count_event(redis_client, "webhooks.received")
        ApiBudget(redis_client, 1).record(429, (50, 200))
        errors.RecentErrorsHandler(app, redis_client).handle(
            logging.LogRecord("hub.test", logging.ERROR, __file__, 1, "boom in the first hub", None, None))
        redis_client.set(queries.redis_key(queries.SCHEDULER_HEARTBEAT_KEY), 1_700_000_000)
        assert [point.value for point in trends.read(redis_client, trends.WORKERS_SERIES)] == [3]
        assert events.event_total(redis_client, "webhooks.received") == 1
        assert events.event_total(redis_client, "api.429:1") == 1
        assert redis_client.hgetall(bucket_key(1))
        assert [error.message for error in queries.recent_errors(redis_client)] == ["boom in the first hub"]
    with other_app.app_context():
        assert trends.read(redis_client, trends.WORKERS_SERIES) == []
        assert events.event_total(redis_client, "webhooks.received") is None
        assert events.event_total(redis_client, "api.429:1") is None
        assert redis_client.hgetall(bucket_key(1)) == {}
        assert queries.recent_errors(redis_client) == []
        assert queries.scheduler_heartbeat(redis_client) is None


def test_login_limits_and_throttles_are_each_hubs_own(app, other_app, redis_client, monkeypatch):
    from app.auth import throttle

    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "2 per 15 minutes")
    monkeypatch.setitem(other_app.config, "LOGIN_LIMIT_PER_IP", "2 per 15 minutes")
    first, second = app.test_client(), other_app.test_client()
    assert [login(first, "nobody@example.com", "x" * 12, ip="203.0.113.7").status_code
            for _ in range(3)] == [401, 401, 429]
    assert login(second, "nobody@example.com", "x" * 12, ip="203.0.113.7").status_code == 401  # its own budget

    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "100 per 15 minutes")
    monkeypatch.setitem(other_app.config, "LOGIN_LIMIT_PER_IP", "100 per 15 minutes")
    monkeypatch.setattr(throttle, "FREE_FAILURES", 1)  # one failure, then a delay (fewer slow Argon2 checks)
    assert login(first, "eve@example.com", "x" * 12, ip="203.0.113.8").status_code == 401
    assert login(first, "eve@example.com", "x" * 12, ip="203.0.113.8").status_code == 429
    assert login(second, "eve@example.com", "x" * 12, ip="203.0.113.8").status_code == 401


def test_shoptet_access_tokens_are_each_hubs_own(app, other_app, redis_client):
    """A staging restored from production (other encryption keys) must not read or discard production's token."""
    from app.channels.shoptet.token_cache import RedisTokenCache
    from app.shoptet import CachedToken

    with app.app_context():
        RedisTokenCache(redis_client).set("oauth:abc", CachedToken(value="token-1", expires_at=time.time() + 600))
        assert RedisTokenCache(redis_client).get("oauth:abc").value == "token-1"
    with other_app.app_context():
        assert RedisTokenCache(redis_client).get("oauth:abc") is None


def test_deriving_the_namespace_leaves_no_pooled_connection(app, other_app):
    """A worker derives it before RQ forks its work-horses; a pooled connection would be shared with them."""
    from sqlalchemy import text

    from app.extensions import db

    with other_app.app_context():
        db.engine.dispose()
        name = db.engine.url.database
        other_app.extensions.pop("redis_prefix", None)
        assert database_prefix(other_app).startswith("hub:")

    def open_connections() -> int:
        with app.app_context(), db.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                                      {"name": name}).scalar_one()

    deadline = time.monotonic() + 5
    while open_connections() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_connections() == 0
