"""Behind the shipped nginx (HUB_PROXY_COUNT=1) the client's address comes from X-Forwarded-For, so the
per-address login limit holds each client to its own budget instead of counting everyone as 127.0.0.1."""

import pytest

from app.config import Config
from tests.factories import csrf_token


@pytest.fixture
def proxied_app(test_config, app, redis_client):
    from app import create_app

    config = test_config.model_copy(update={"PROXY_COUNT": 1})
    proxied = create_app(config)
    proxied.config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"
    yield proxied
    from app.extensions import db

    with proxied.app_context():
        db.engine.dispose()  # its own pool: closed now, not by the garbage collector in a later test


def _fail(client, address: str, n: int):
    token = csrf_token(client)
    return client.post("/login", data={"email": f"nobody{n}@example.com", "password": "x" * 12, "csrf_token": token},
                       headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "127.0.0.1"})


def test_per_address_limit_through_a_proxy(proxied_app):
    client = proxied_app.test_client()
    assert [_fail(client, "203.0.113.5", n).status_code for n in range(4)] == [401, 401, 401, 429]
    # Another client behind the same nginx has its own budget.
    assert _fail(client, "198.51.100.20", 9).status_code == 401
    # A client cannot escape by forging the header: nginx appends the real address, which is the one trusted.
    assert _fail(client, "198.51.100.99, 203.0.113.5", 10).status_code == 429


def test_without_proxies_forwarded_headers_are_ignored(app, client, db):
    app.config["LOGIN_LIMIT_PER_IP"], saved = "3 per 15 minutes", app.config["LOGIN_LIMIT_PER_IP"]
    try:
        statuses = [_fail(client, f"203.0.113.{n}", n).status_code for n in range(4)]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = saved
    assert statuses == [401, 401, 401, 429]  # all from 127.0.0.1, whatever the header says


def test_proxy_count_is_a_setting():
    assert Config.from_env({"HUB_PROXY_COUNT": "1"}).PROXY_COUNT == 1
    assert Config.from_env({}).PROXY_COUNT == 0
