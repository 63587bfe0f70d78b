"""Settings: typed with defaults, validated, and served from a versioned cache."""

import pytest

from app.settings import services
from app.settings.cache import settings_cache
from app.settings.registry import SettingError
from tests.conftest import new_request
from tests.factories import csrf_token, login, make_org, make_shop, make_user


def test_defaults_then_change_visible_on_next_read(app, db):
    org = make_org(db.session)
    cache = settings_cache()
    with new_request(app):
        assert cache.values(db.session, org.id)["table_page_size"] == 50
    services.update_settings(db.session, cache, org.id, {"table_page_size": "25"})
    db.session.commit()
    with new_request(app):
        assert cache.values(db.session, org.id)["table_page_size"] == 25


def test_change_is_visible_to_another_process_cache(app, db):
    """A second SettingsCache (another worker process) sees the change on its next request."""
    from app.settings.cache import SettingsCache

    org = make_org(db.session)
    other_process = SettingsCache(app.extensions["redis"])
    with new_request(app):
        assert other_process.values(db.session, org.id)["display_timezone"] == "Europe/Prague"
    services.update_settings(db.session, settings_cache(), org.id, {"display_timezone": "Europe/Berlin"})
    db.session.commit()
    with new_request(app):
        assert other_process.values(db.session, org.id)["display_timezone"] == "Europe/Berlin"


def test_repeated_reads_do_not_query_the_database(app, db, count_queries):
    org = make_org(db.session)
    cache = settings_cache()
    with new_request(app):
        cache.values(db.session, org.id)  # warm
    before = cache.stats()
    with count_queries() as counter:
        for _ in range(1000):
            with new_request(app):
                assert cache.values(db.session, org.id)["sync_enabled"] is True
    assert counter.count == 0, counter.statements[:3]
    after = cache.stats()
    assert after["hits"] - before["hits"] == 1000 and after["misses"] == before["misses"]


def test_cache_survives_a_redis_flush(app, db, count_queries):
    org = make_org(db.session)
    cache = settings_cache()
    services.update_settings(db.session, cache, org.id, {"table_page_size": "30"})
    db.session.commit()
    app.extensions["redis"].flushdb()
    cache._local.clear()
    with count_queries() as counter:
        for _ in range(50):
            with new_request(app):
                assert cache.values(db.session, org.id)["table_page_size"] == 30
    settings_reads = [s for s in counter.statements if "setting_values" in s]
    assert len(settings_reads) == 1, counter.statements  # one reload, then cached again


def test_shop_overrides_fall_back_to_organization_values(app, db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    cache = settings_cache()
    services.update_settings(db.session, cache, org.id, {"sync_interval_minutes": "30"})
    db.session.commit()
    with new_request(app):
        assert cache.values(db.session, org.id, shop.id)["sync_interval_minutes"] == 30
    services.update_settings(db.session, cache, org.id, {"sync_interval_minutes": "5"}, shop_id=shop.id)
    db.session.commit()
    with new_request(app):
        assert cache.values(db.session, org.id, shop.id)["sync_interval_minutes"] == 5
        assert cache.values(db.session, org.id)["sync_interval_minutes"] == 30
        assert "table_page_size" not in cache.values(db.session, org.id, shop.id)


@pytest.mark.parametrize(("changes", "message"), [
    ({"table_page_size": "abc"}, "whole number"),
    ({"table_page_size": "5"}, "smallest allowed value is 10"),
    ({"default_language": "xx"}, "choose one of"),
    ({"no_such_setting": "1"}, "Unknown setting"),
])
def test_bad_values_are_refused_with_a_clear_message_and_nothing_is_written(db, changes, message):
    org = make_org(db.session)
    with pytest.raises(SettingError, match=message):
        services.update_settings(db.session, settings_cache(), org.id, {"alert_email": "ops@example.com", **changes})
    assert settings_cache().values(db.session, org.id)["alert_email"] == ""


def test_settings_page_saves_and_audits(client, db):
    user = make_user(db.session)
    make_org(db.session, owner=user)
    login(client, user.email)
    token = csrf_token(client, "/settings")
    response = client.post("/settings", data={"csrf_token": token, "table_page_size": "75", "default_language": "de",
                                              "display_timezone": "Europe/Vienna", "alert_email": ""})
    assert response.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="75"' in page and "Settings saved." in page
    assert "setting.changed" in client.get("/audit").get_data(as_text=True)
    bad = client.post("/settings", data={"csrf_token": token, "table_page_size": "100000"})
    assert bad.status_code == 303
    assert "largest allowed value is 200" in client.get("/settings").get_data(as_text=True)
