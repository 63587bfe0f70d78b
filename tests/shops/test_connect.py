"""One way to connect a shop: `flask hub shop-add`, the demo and the addon install all reach the connect
service, which stores the credentials, reads the shop's facts from /api/eshop, registers the webhooks with
their signature key kept, and starts the first imports."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.webhooks import EVENTS
from app.orgs.models import Organization
from app.shops.models import Shop
from app.sync.models import SyncCursor, SyncRun
from app.webhooks.urls import webhook_url
from sandbox.testing import run_sandbox
from tests.factories import make_org

CZK_SHOP, EUR_SHOP = 0, 1  # the sandbox's Zelená zahrada (cs, sk, en; CZK) and Dobré víno (sk, cs, hu; EUR)


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=19, shops=2, orders=20, customers=10, products=5) as handle:
        yield handle


def _shop_add(app, org_id, info, sandbox, *extra):
    return app.test_cli_runner().invoke(args=[
        "hub", "shop-add", "--org", str(org_id), "--name", "Added", "--eshop-id", str(info["eshop_id"]),
        "--private-token", info["private_token"], "--api-url", sandbox.base_url, *extra])


def assert_connected(db, shop, info, *, currency, languages, timezone="Europe/Prague"):
    """Facts from the API, webhooks pointing at the shop with their key kept, first imports queued."""
    db.session.refresh(shop)
    assert (shop.currency, shop.languages, shop.timezone) == (currency, languages, timezone)
    assert shop.default_language == languages.split(",")[0] and shop.external_id == info["eshop_id"]
    assert shop.webhook_key_encrypted is not None
    with client_for_shop(shop) as client:
        hooks = {hook["event"]: hook["url"] for hook in client.iter_webhooks()}
    assert set(EVENTS) <= set(hooks) and set(hooks.values()) == {webhook_url(shop)}
    runs = db.session.execute(select(SyncRun.kind, SyncRun.mode, SyncRun.status)
                              .where(SyncRun.shop_id == shop.id)).all()
    assert sorted(runs) == [("credit_notes", "snapshot", "queued"), ("customers", "snapshot", "queued"),
                            ("orders", "snapshot", "queued"), ("products", "snapshot", "queued")]


def test_shop_add_connects_the_shop_with_its_currency_and_languages_from_the_api(app, db, sandbox):
    org = make_org(db.session)
    info = sandbox.shops[EUR_SHOP]
    result = _shop_add(app, org.id, info, sandbox)
    assert result.exit_code == 0, result.output
    shop = db.session.get(Shop, int(result.stdout.strip().splitlines()[-1]))
    assert_connected(db, shop, info, currency="EUR", languages="sk,cs,hu",  # no longer stored as CZK
                     timezone="Europe/Bratislava")


def test_shop_add_options_win_over_the_api(app, db, sandbox):
    org = make_org(db.session)
    info = sandbox.shops[CZK_SHOP]
    result = _shop_add(app, org.id, info, sandbox, "--currency", "eur", "--languages", "en,cs")
    assert result.exit_code == 0, result.output
    shop = db.session.get(Shop, int(result.stdout.strip()))
    assert (shop.currency, shop.languages, shop.default_language) == ("EUR", "en,cs", "en")


def test_without_the_api_a_currency_must_be_given(app, db, sandbox):
    org = make_org(db.session)
    db.session.commit()  # the organization exists before the command (which rolls back what it did)
    info = dict(sandbox.shops[CZK_SHOP])
    runner = app.test_cli_runner()
    args = ["hub", "shop-add", "--org", str(org.id), "--name", "Offline", "--eshop-id", str(info["eshop_id"]),
            "--private-token", info["private_token"], "--api-url", "http://127.0.0.1:9"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 2 and "--currency" in refused.output
    assert db.session.execute(select(Shop).where(Shop.organization_id == org.id)).first() is None  # none half-written
    added = runner.invoke(args=[*args, "--currency", "EUR"])
    assert added.exit_code == 0, added.output
    shop = db.session.get(Shop, int(added.stdout.strip()))
    assert shop.currency == "EUR" and shop.webhook_key_encrypted is None
    assert "Webhooks were not registered" in added.output  # a warning on stderr, the id on stdout


def test_shop_add_of_an_unknown_platform_or_without_an_eshop_id_says_what_to_fix(app, db):
    org = make_org(db.session)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "shop-add", "--org", str(org.id), "--name", "X", "--platform", "magento",
                                 "--eshop-id", "5"])
    assert result.exit_code == 2 and "Unknown platform 'magento'" in result.output and "shoptet" in result.output
    result = runner.invoke(args=["hub", "shop-add", "--org", str(org.id), "--name", "X", "--currency", "CZK"])
    assert result.exit_code == 2 and "--eshop-id" in result.output
    assert db.session.execute(select(Shop).where(Shop.organization_id == org.id)).first() is None


def test_the_demo_connects_through_the_service_and_imports_only_what_was_never_imported(app, db, sandbox):
    from app.demo import DEMO_ORG, connect_shops

    org = db.session.execute(select(Organization).where(Organization.name == DEMO_ORG)).scalar_one_or_none()
    org = org or make_org(db.session, DEMO_ORG)
    description = {**sandbox.description, "shops": [sandbox.shops[EUR_SHOP]]}
    messages = connect_shops(app, description)
    shop = db.session.execute(select(Shop).where(Shop.organization_id == org.id)).scalar_one()
    assert_connected(db, shop, sandbox.shops[EUR_SHOP], currency="EUR", languages="sk,cs,hu",
                     timezone="Europe/Bratislava")
    assert any("importing" in message for message in messages)
    # A kind imported before keeps its data: the next start starts only the others (none still queued here).
    db.session.execute(SyncRun.__table__.delete().where(SyncRun.shop_id == shop.id))
    db.session.add(SyncCursor(shop_id=shop.id, stream="orders", watermark=db.session.execute(
        select(Shop.created_at).where(Shop.id == shop.id)).scalar()))
    db.session.commit()
    connect_shops(app, description)
    kinds = db.session.execute(select(SyncRun.kind).where(SyncRun.shop_id == shop.id)).scalars().all()
    assert sorted(kinds) == ["credit_notes", "customers", "products"]
    assert db.session.execute(select(Shop).where(Shop.organization_id == org.id)).scalars().all() == [shop]
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.target_id == shop.id,
                                                                 AuditEvent.target_type == "shop")).scalars().all()
    assert actions == ["shop.added", "shop.connected"]
