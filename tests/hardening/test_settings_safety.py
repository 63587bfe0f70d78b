"""Settings are validated by their type when written, a stored bad value falls back to the default when read,
and the Redis cache is namespaced by database."""

import logging

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.core.namespace import database_prefix
from app.settings import services
from app.settings.cache import settings_cache
from app.settings.models import SettingValue
from app.settings.registry import SETTINGS, SettingError
from tests.conftest import new_request
from tests.factories import csrf_token


@pytest.mark.parametrize(("key", "value"), [
    ("display_timezone", "Not/AZone"), ("display_timezone", "../../etc/passwd"), ("display_timezone", "europe/prague"),
    ("alert_email", "not-an-address"), ("alert_email", "a@b"), ("alert_webhook_url", "javascript:alert(1)"),
    ("alert_webhook_url", "ftp://example.com/x"), ("alert_webhook_url", "https://"),
])
def test_bad_values_are_refused_on_write(db, tenant, key, value):
    with pytest.raises(SettingError):
        services.update_settings(db.session, settings_cache(), tenant.org.id, {key: value})
    assert db.session.scalar(select(func.count()).select_from(SettingValue)) == 0


@pytest.mark.parametrize(("key", "value"), [
    ("display_timezone", "America/Argentina/Buenos_Aires"), ("alert_email", "ops@example.com"),
    ("alert_webhook_url", "https://hooks.example.com/T1/B2"), ("alert_email", ""),
])
def test_good_values_are_kept(db, tenant, key, value):
    assert SETTINGS[key].parse(value) == value


def test_the_page_refuses_a_bad_time_zone(client, db, tenant):
    token = csrf_token(client, "/settings")
    response = client.post("/settings", data={"display_timezone": "Not/AZone", "csrf_token": token})
    assert response.status_code == 303
    assert "not a time zone" in client.get("/settings").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SettingValue)) == 0


def test_alert_webhooks_to_private_addresses_are_refused_in_production(app, db, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_ENV", "production")
    for url in ("https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook", "http://example.com/x"):
        with pytest.raises(SettingError):
            SETTINGS["alert_webhook_url"].parse(url)
    monkeypatch.setitem(app.config, "HUB_ENV", "test")
    assert SETTINGS["alert_webhook_url"].parse("https://127.0.0.1/hook") == "https://127.0.0.1/hook"


def test_a_stored_bad_value_falls_back_to_the_default_with_a_warning(app, client, db, tenant, caplog):
    db.session.add(SettingValue(organization_id=tenant.org.id, shop_id=None, key="display_timezone",
                                value="Not/AZone"))
    db.session.add(SettingValue(organization_id=tenant.org.id, shop_id=None, key="table_page_size", value=10**6))
    db.session.flush()
    with caplog.at_level(logging.WARNING, logger="app.settings.cache"):
        for path in ("/orders", "/customers", "/settings"):
            assert client.get(path).status_code == 200, path
    assert "display_timezone" in caplog.text and "invalid value" in caplog.text
    with new_request(app):
        values = settings_cache().values(db.session, tenant.org.id)
    assert values["display_timezone"] == "Europe/Prague" and values["table_page_size"] == 50


def test_cache_keys_are_namespaced_by_database(app, db, tenant, redis_client):
    """Another hub on the same Redis (here: the un-namespaced keys the cache used to share) is never read."""
    from app.orgs.models import Organization

    version = db.session.get(Organization, tenant.org.id).settings_version
    foreign = {key: definition.default for key, definition in SETTINGS.items() if definition.scope == "org"}
    foreign["display_timezone"] = "Not/AZone"
    redis_client.set(f"settings:version:{tenant.org.id}", version)
    redis_client.set(f"settings:values:{tenant.org.id}:0:{version}", orjson.dumps(foreign))
    with new_request(app):
        assert settings_cache().values(db.session, tenant.org.id)["display_timezone"] == "Europe/Prague"
    prefix = database_prefix(app)
    assert prefix.startswith("hub:") and f':{make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database}:' in prefix
    ours = [key.decode() for key in redis_client.keys("*settings:*")]
    assert any(key.startswith(prefix) for key in ours)
    assert all(key.startswith(prefix) for key in ours if key.startswith("hub:"))


def test_coordination_keys_are_namespaced_too(app, db, tenant, redis_client):
    """Another hub's webhook marker or alert slot for the same shop id / minute does not silence this one."""
    from app.monitoring import trends
    from app.webhooks.dispatch import enqueue_processing

    shop_id = tenant.shop_a.id
    redis_client.set(f"hub:webhooks:queued:{shop_id}", 1)  # what another hub on this Redis holds
    assert enqueue_processing(redis_client, shop_id) is True
    assert enqueue_processing(redis_client, shop_id) is False  # our own marker still deduplicates
    minute = 1_000_000 * trends.SAMPLE_EVERY_SECONDS
    redis_client.set(f"hub:mon:series:slot:{minute // trends.SAMPLE_EVERY_SECONDS}", 1)
    assert trends.claim_sampling_slot(redis_client, minute) is True
