"""Secret settings: encrypted at rest (database and cache), never rendered back, replaceable and clearable."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.settings import services
from app.settings.cache import settings_cache
from app.settings.registry import SETTINGS, SettingDef
from app.settings.secrets import reveal
from tests.conftest import new_request
from tests.factories import csrf_token, login, make_org, make_user

PLAINTEXT = "sk-live-0123456789-do-not-leak"


@pytest.fixture
def api_key(monkeypatch):
    """A throwaway secret definition, registered only for these tests."""
    setting = SettingDef("test_api_key", "Test API key", str, "", "org", secret=True)
    monkeypatch.setitem(SETTINGS, setting.key, setting)
    return setting


@pytest.fixture
def owner(client, db):
    user = make_user(db.session)
    org = make_org(db.session, owner=user)
    login(client, user.email)
    return org


def _post(client, **fields):
    return client.post("/settings", data={"csrf_token": csrf_token(client, "/settings"), **fields})


def test_a_secret_is_stored_encrypted_and_revealed_only_on_purpose(app, db, api_key):
    org = make_org(db.session)
    services.update_settings(db.session, settings_cache(), org.id, {api_key.key: PLAINTEXT})
    db.session.commit()
    row = db.session.connection().exec_driver_sql(
        "SELECT value::text FROM setting_values WHERE organization_id = %(org)s AND key = %(key)s",
        {"org": org.id, "key": api_key.key}).scalar()
    assert row and PLAINTEXT not in row
    with new_request(app):
        values = settings_cache().values(db.session, org.id)
    assert values[api_key.key] != PLAINTEXT and reveal(values, api_key.key) == PLAINTEXT
    redis = app.extensions["redis"]
    cached = b"".join(redis.get(key) or b"" for key in redis.keys("*settings:values:*"))
    assert cached and PLAINTEXT.encode() not in cached  # nor in Redis
    audit = db.session.execute(select(AuditEvent.details).where(AuditEvent.organization_id == org.id)).scalar_one()
    assert audit["new"] == "********" and PLAINTEXT not in str(audit)
    # The same secret again is no change (compared decrypted; the ciphertext differs every time).
    assert services.update_settings(db.session, settings_cache(), org.id, {api_key.key: PLAINTEXT}) == {}


def test_a_secret_definition_must_be_a_string_without_a_default():
    with pytest.raises(ValueError, match="secret setting"):
        SettingDef("bad_secret", "Bad", str, "preset", "org", secret=True)


def test_the_page_never_shows_a_secret_and_keeps_it_when_the_field_is_left_empty(client, db, owner, api_key):
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="setting-test_api_key-state">not set<' in page and "test_api_key__clear" not in page
    assert _post(client, test_api_key=PLAINTEXT, table_page_size="50").status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert PLAINTEXT not in page and 'id="setting-test_api_key-state">set<' in page
    assert 'name="test_api_key" id="setting-test_api_key" value=""' in page
    assert _post(client, test_api_key="", table_page_size="60").status_code == 303  # empty: keep it
    with new_request(client.application):
        assert reveal(settings_cache().values(db.session, owner.id), api_key.key) == PLAINTEXT
    assert PLAINTEXT not in client.get("/audit").get_data(as_text=True)


def test_the_page_replaces_and_clears_a_secret(client, db, owner, api_key):
    _post(client, test_api_key=PLAINTEXT)
    _post(client, test_api_key="sk-replacement")
    with new_request(client.application):
        assert reveal(settings_cache().values(db.session, owner.id), api_key.key) == "sk-replacement"
    _post(client, test_api_key__clear="on", test_api_key="")
    with new_request(client.application):
        assert reveal(settings_cache().values(db.session, owner.id), api_key.key) == ""
    assert 'id="setting-test_api_key-state">not set<' in client.get("/settings").get_data(as_text=True)
