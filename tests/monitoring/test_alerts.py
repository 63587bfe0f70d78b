"""Alerts: each rule opens one incident and sends one alert, however often it is evaluated; it resolves
when the condition is gone, and a condition that comes back soon reopens its incident without a new alert."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from app.monitoring.models import Incident
from app.monitoring.notify import DeliveryError, check_webhook_url
from app.monitoring.periodic import evaluate_and_notify
from app.queues import get_queue
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from tests.monitoring.conftest import make_run


def _set(db, org, shop=None, **changes):
    update_settings(db.session, settings_cache(), org.id, changes, shop_id=shop.id if shop else None)
    db.session.commit()  # a savepoint in the `db` fixture; publishes the new settings version


def _open(db, kind=None):
    statement = select(Incident).where(Incident.resolved_at.is_(None))
    if kind:
        statement = statement.where(Incident.kind == kind)
    return db.session.execute(statement).scalars().all()


def _fake_backup(folder, taken_at):
    path = folder / taken_at.strftime("%Y%m%dT%H%M%SZ")
    path.mkdir(parents=True)
    (path / "database.dump").write_bytes(b"PGDMP")
    (path / "manifest.json").write_text(json.dumps({"tables": {"public.x": 1}, "rows": 1}))
    return path


@pytest.fixture
def alive_worker(app, redis_client):
    """A worker registered in RQ's registry with a fresh heartbeat (no process needed to be 'alive')."""
    worker = Worker([get_queue("default", redis_client, app)], connection=redis_client, serializer=JSONSerializer)
    worker.register_birth()
    worker.heartbeat()
    yield worker
    worker.register_death()


@pytest.fixture
def quiet(app, backup_dir, alive_worker, monkeypatch):
    """A healthy platform (fresh backup, a live worker), so each test sees only the incident it provokes.
    Tests that evaluate minutes "later" keep the worker alive that long (its heartbeat is real time)."""
    _fake_backup(backup_dir, datetime.now(UTC) - timedelta(hours=1))
    monkeypatch.setattr("app.monitoring.queries.WORKER_ALIVE_SECONDS", 24 * 3600)
    return app


def test_a_lagging_sync_alerts_the_organization_once_and_resolves(quiet, db, tenants, smtp_server):
    org, shop = tenants["orgs"][0], tenants["shops"][0]
    _set(db, org, alert_email="alerts@alpha.test")
    _set(db, org, shop, sync_lag_alert_minutes=60)
    make_run(db.session, shop, "orders", status="succeeded", finished_ago=timedelta(hours=3))

    for _ in range(3):
        evaluate_and_notify(quiet)
    [incident] = _open(db, "sync_lag")
    assert incident.key == f"sync_lag:shop:{shop.id}:orders" and incident.organization_id == org.id
    assert incident.notified_at is not None and incident.notify_attempts == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["alerts@alpha.test"]
    assert "Alpha shop: orders last synced 3.0 h ago" in message["data"]

    make_run(db.session, shop, "orders", status="succeeded", finished_ago=timedelta(minutes=1))
    result = evaluate_and_notify(quiet)
    assert result.resolved == [incident.key] and _open(db) == []
    assert len(smtp_server.messages) == 1  # no alert for the resolution


def test_a_shop_with_syncing_off_does_not_alert_on_lag(quiet, db, tenants, smtp_server):
    org, shop = tenants["orgs"][0], tenants["shops"][0]
    _set(db, org, shop, sync_lag_alert_minutes=60, sync_enabled=False)
    make_run(db.session, shop, "orders", status="succeeded", finished_ago=timedelta(hours=3))
    evaluate_and_notify(quiet)
    assert _open(db) == []


def test_repeated_failures_post_to_the_organizations_webhook_once(quiet, db, tenants, webhook_receiver):
    org, shop = tenants["orgs"][0], tenants["shops"][0]
    _set(db, org, alert_webhook_url=webhook_receiver.url)
    make_run(db.session, shop, "customers", status="succeeded", finished_ago=timedelta(minutes=5))
    for attempt in range(2):
        make_run(db.session, shop, "customers", status="failed", error=f"422 bad data #{attempt}")
    evaluate_and_notify(quiet)
    assert _open(db, "sync_failing") == []  # two failures: below the default of three

    make_run(db.session, shop, "customers", status="failed", error="422 bad data #2")
    for _ in range(3):
        evaluate_and_notify(quiet)
    [incident] = _open(db, "sync_failing")
    assert incident.details["failures"] == 3
    assert len(webhook_receiver.posts) == 1
    post = webhook_receiver.posts[0]
    assert post["incident"]["kind"] == "sync_failing" and post["incident"]["shop_id"] == shop.id
    assert "3 customers syncs failed in a row" in post["text"] and "422 bad data #2" in post["text"]


def test_a_backed_up_queue_alerts_the_operators_once(quiet, db, redis_client, smtp_server, monkeypatch):
    monkeypatch.setitem(quiet.config, "ALERT_QUEUE_DEPTH", 3)
    monkeypatch.setitem(quiet.config, "OPS_ALERT_EMAIL", "ops@hub.test, oncall@hub.test")
    queue = get_queue("orders", redis_client)
    for n in range(3):
        queue.enqueue_call("app.nothing", args=[n])
    for _ in range(3):
        evaluate_and_notify(quiet)
    [incident] = _open(db)
    assert incident.key == "queue_backlog:orders" and incident.organization_id is None
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["to"] == ["ops@hub.test", "oncall@hub.test"]
    queue.empty()
    evaluate_and_notify(quiet)
    assert _open(db) == []


def test_no_live_worker_alerts_once_and_resolves_when_one_starts(app, db, backup_dir, redis_client, smtp_server,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "OPS_ALERT_EMAIL", "ops@hub.test")
    _fake_backup(backup_dir, datetime.now(UTC))
    for _ in range(2):
        evaluate_and_notify(app)
    assert [incident.key for incident in _open(db)] == ["no_worker"]
    assert len(smtp_server.messages) == 1 and "No worker is alive" in smtp_server.messages[0]["data"]

    worker = Worker([get_queue("default", redis_client)], connection=redis_client, serializer=JSONSerializer)
    worker.register_birth()
    worker.heartbeat()
    try:
        assert evaluate_and_notify(app).resolved == ["no_worker"]
    finally:
        worker.register_death()


def test_a_missing_or_old_backup_alerts_once(app, db, backup_dir, alive_worker, webhook_receiver, monkeypatch):
    monkeypatch.setitem(app.config, "OPS_ALERT_WEBHOOK_URL", webhook_receiver.url)
    evaluate_and_notify(app)
    [incident] = _open(db)
    assert incident.kind == "backup_stale" and "There is no backup" in incident.summary

    _fake_backup(backup_dir, datetime.now(UTC) - timedelta(hours=30))  # older than the 26 h limit
    evaluate_and_notify(app)
    [incident] = _open(db)
    assert "The newest backup is 30.0 h old" in incident.summary  # the same incident, its summary updated
    assert len(webhook_receiver.posts) == 1

    _fake_backup(backup_dir, datetime.now(UTC) - timedelta(minutes=5))
    assert evaluate_and_notify(app).resolved == ["backup_stale"]


def test_a_condition_back_within_the_window_reopens_without_a_second_alert(quiet, db, redis_client, smtp_server,
                                                                           monkeypatch):
    monkeypatch.setitem(quiet.config, "ALERT_QUEUE_DEPTH", 1)
    monkeypatch.setitem(quiet.config, "OPS_ALERT_EMAIL", "ops@hub.test")
    queue = get_queue("catalog", redis_client)
    now = datetime.now(UTC)
    queue.enqueue_call("app.nothing")
    evaluate_and_notify(quiet, now)
    queue.empty()
    evaluate_and_notify(quiet, now + timedelta(minutes=2))
    queue.enqueue_call("app.nothing")
    assert evaluate_and_notify(quiet, now + timedelta(minutes=5)).reopened == ["queue_backlog:catalog"]
    assert len(smtp_server.messages) == 1
    queue.empty()
    evaluate_and_notify(quiet, now + timedelta(minutes=6))
    queue.enqueue_call("app.nothing")
    assert evaluate_and_notify(quiet, now + timedelta(hours=2)).opened == ["queue_backlog:catalog"]
    assert len(smtp_server.messages) == 2  # a new incident after the window: a new alert
    assert db.session.execute(select(Incident).where(Incident.key == "queue_backlog:catalog")).scalars().all()


def test_a_failed_delivery_is_retried_later_and_then_sent_once(quiet, db, redis_client, smtp_server, monkeypatch):
    monkeypatch.setitem(quiet.config, "ALERT_QUEUE_DEPTH", 1)
    monkeypatch.setitem(quiet.config, "OPS_ALERT_EMAIL", "ops@hub.test")
    port = smtp_server.server_address[1]
    monkeypatch.setitem(quiet.config, "SMTP_PORT", 9)  # nothing listens: the delivery fails
    get_queue("catalog", redis_client).enqueue_call("app.nothing")
    now = datetime.now(UTC)
    evaluate_and_notify(quiet, now)
    [incident] = _open(db)
    assert incident.notified_at is None and incident.notify_attempts == 1 and "SMTP" in incident.notify_error
    evaluate_and_notify(quiet, now + timedelta(seconds=30))  # within the pause: no new attempt
    db.session.refresh(incident)
    assert incident.notify_attempts == 1

    monkeypatch.setitem(quiet.config, "SMTP_PORT", port)
    evaluate_and_notify(quiet, now + timedelta(minutes=3))
    evaluate_and_notify(quiet, now + timedelta(minutes=4))
    db.session.refresh(incident)
    assert incident.notified_at is not None and incident.notify_attempts == 2
    assert len(smtp_server.messages) == 1


def test_an_unreadable_redis_neither_resolves_nor_duplicates_queue_incidents(quiet, db, redis_client, monkeypatch):
    from redis import Redis

    monkeypatch.setitem(quiet.config, "ALERT_QUEUE_DEPTH", 1)
    get_queue("catalog", redis_client).enqueue_call("app.nothing")
    evaluate_and_notify(quiet)
    monkeypatch.setitem(quiet.extensions, "redis", Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.3))
    result = evaluate_and_notify(quiet)
    assert result.resolved == [] and [incident.key for incident in _open(db)] == ["queue_backlog:catalog"]


def test_the_scheduler_tick_runs_the_alert_pass_once_a_minute(app, live_db, backup_dir, alive_worker, smtp_server,
                                                               monkeypatch):
    from workers.scheduler import tick

    monkeypatch.setitem(app.config, "ALERT_QUEUE_DEPTH", 1)
    monkeypatch.setitem(app.config, "OPS_ALERT_EMAIL", "ops@hub.test")
    _fake_backup(backup_dir, datetime.now(UTC))
    get_queue("catalog", app.extensions["redis"], app).enqueue_call("app.nothing")
    assert tick(app) and tick(app)
    with app.app_context():
        keys = live_db.session.execute(select(Incident.key).where(Incident.notified_at.is_not(None))).scalars().all()
    assert keys == ["queue_backlog:catalog"]
    assert len(smtp_server.messages) == 1


def test_organization_webhook_urls_cannot_point_into_the_hubs_network():
    for url in ("https://127.0.0.1/x", "https://localhost/x", "https://10.1.2.3/x", "https://[::1]/x"):
        with pytest.raises(DeliveryError, match="not a public address"):
            check_webhook_url(url, production=True)
    with pytest.raises(DeliveryError, match="https"):
        check_webhook_url("http://hooks.example.com/x", production=True)
    with pytest.raises(DeliveryError):
        check_webhook_url("file:///etc/passwd", production=False)
    check_webhook_url("http://127.0.0.1:8080/x", production=False)  # allowed outside production (tests, demo)
