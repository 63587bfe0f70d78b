"""`flask hub settings-set | settings-get`: the page's validation and audit, secrets masked, foreign shops refused."""

import json

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.settings.cache import settings_cache
from app.settings.models import SettingValue
from app.settings.registry import SETTINGS, SettingDef
from tests.factories import make_org, make_shop


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["hub", *map(str, args)])

    return invoke


@pytest.fixture
def api_key(monkeypatch):
    """A throwaway secret definition, registered only for these tests."""
    setting = SettingDef("test_api_key", "Test API key", str, "", "shop", secret=True)
    monkeypatch.setitem(SETTINGS, setting.key, setting)
    return setting


def _summary(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def _events(db, org_id):
    return db.session.execute(select(AuditEvent).where(AuditEvent.organization_id == org_id,
                                                       AuditEvent.action == "setting.changed")).scalars().all()


def test_set_validates_writes_audits_and_reports(cli, db):
    org = make_org(db.session)
    assert _summary(cli("settings-set", "--org", org.id, "table_page_size", "75")) == {
        "org": org.id, "shop": None, "key": "table_page_size", "value": 75, "changed": True}
    assert settings_cache().values(db.session, org.id)["table_page_size"] == 75
    assert _summary(cli("settings-set", "--org", org.id, "table_page_size", "75"))["changed"] is False
    [event] = _events(db, org.id)
    assert event.details == {"key": "table_page_size", "shop_id": None, "old": 50, "new": 75}


def test_a_shop_value_and_get(cli, db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    summary = _summary(cli("settings-set", "--org", org.id, "--shop", shop.id, "sync_enabled", "off"))
    assert summary == {"org": org.id, "shop": shop.id, "key": "sync_enabled", "value": False, "changed": True}
    result = cli("settings-get", "--org", org.id, "--shop", shop.id)
    values = _summary(result)
    assert values["sync_enabled"] is False and values["sync_interval_minutes"] == 15
    assert "sync_enabled = False" in result.output
    assert _summary(cli("settings-get", "--org", org.id, "sync_enabled")) == {"sync_enabled": True}  # the org's


@pytest.mark.parametrize(("args", "message"), [
    (("no_such_setting", "1"), "Unknown setting 'no_such_setting'"),
    (("table_page_size", "5"), "smallest allowed value is 10"),
    (("default_language", "xx"), "choose one of"),
])
def test_bad_input_says_what_to_fix_and_writes_nothing(cli, db, args, message):
    org = make_org(db.session)
    db.session.commit()  # (the command's rollback must not take the test's organization with it)
    result = cli("settings-set", "--org", org.id, *args)
    assert result.exit_code == 2 and result.output.startswith("error: ") and message in result.output
    assert db.session.execute(select(func.count()).select_from(SettingValue)
                              .where(SettingValue.organization_id == org.id)).scalar() == 0
    assert _events(db, org.id) == []


def test_an_organization_setting_cannot_be_set_or_read_per_shop(cli, db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    db.session.commit()
    result = cli("settings-set", "--org", org.id, "--shop", shop.id, "table_page_size", "20")
    assert result.exit_code == 2 and "applies to the whole organization" in result.output
    result = cli("settings-get", "--org", org.id, "--shop", shop.id, "table_page_size")
    assert result.exit_code == 2 and "leave out --shop" in result.output


def test_another_organizations_shop_is_refused(cli, db):
    org, other = make_org(db.session), make_org(db.session)
    foreign = make_shop(db.session, other)
    db.session.commit()
    for args in (("settings-set", "--org", org.id, "--shop", foreign.id, "sync_enabled", "off"),
                 ("settings-get", "--org", org.id, "--shop", foreign.id)):
        result = cli(*args)
        assert result.exit_code == 2 and f"Organization {org.id} has no shop with id {foreign.id}" in result.output
    assert db.session.execute(select(func.count()).select_from(SettingValue)
                              .where(SettingValue.shop_id == foreign.id)).scalar() == 0
    result = cli("settings-get", "--org", 987654321)
    assert result.exit_code == 2 and "no organization with id 987654321" in result.output


def test_a_secret_is_masked_in_the_summary_get_and_the_audit_log(cli, db, api_key):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    assert _summary(cli("settings-get", "--org", org.id, api_key.key)) == {api_key.key: ""}
    result = cli("settings-set", "--org", org.id, "--shop", shop.id, api_key.key, "sk-cli-plaintext")
    assert _summary(result)["value"] == "********" and "sk-cli-plaintext" not in result.output
    result = cli("settings-get", "--org", org.id, "--shop", shop.id)
    assert _summary(result)[api_key.key] == "********" and "sk-cli-plaintext" not in result.output
    [event] = _events(db, org.id)
    assert event.details["old"] == "" and event.details["new"] == "********"
    cleared = _summary(cli("settings-set", "--org", org.id, "--shop", shop.id, api_key.key, ""))
    assert cleared["value"] == "" and cleared["changed"] is True
    assert _summary(cli("settings-get", "--org", org.id, "--shop", shop.id, api_key.key)) == {api_key.key: ""}
