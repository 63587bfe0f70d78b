"""Probes: /healthz answers while the process lives; /readyz checks database, Redis and the schema's revision."""

from redis import Redis
from sqlalchemy import text


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_database_redis_and_migrations_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}


def test_readyz_is_not_ready_without_redis(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "redis", Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.5))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["checks"]["redis"].startswith("unreachable")
    assert body["checks"]["database"] == "ok"


def test_readyz_is_not_ready_when_the_database_is_behind_the_code(client, db):
    db.session.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "run `flask db upgrade`" in response.get_json()["checks"]["migrations"]


def test_readyz_stays_ready_when_the_database_is_ahead_after_a_rollback(client, db):
    db.session.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_a_newer_release'"))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "newer than this release" in response.get_json()["checks"]["migrations"]
