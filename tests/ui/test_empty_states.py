"""Empty states lead somewhere: an organization without shops is told how to connect one; the Connect button
shows only when the addon is configured, and an operator is told why it is missing."""

import pytest

from app.orgs.models import Role
from app.orgs.services import add_member
from tests.factories import login, make_member, make_org, make_shop, make_user


@pytest.fixture
def addon(app):
    saved = app.config.get("SHOPTET_ADDON_URL")
    yield app.config
    app.config["SHOPTET_ADDON_URL"] = saved


def _page(client, path):
    return client.get(path).get_data(as_text=True)


def test_an_owner_without_shops_is_shown_how_to_connect_one(client, db, addon):
    addon["SHOPTET_ADDON_URL"] = "https://addons.shoptet.test/commerce-hub"
    owner = make_user(db.session, "owner@example.com")
    make_org(db.session, owner=owner)
    login(client, owner.email)
    shops = _page(client, "/shops")
    assert 'id="connect-first"' in shops and 'id="connect-shop"' in shops
    assert "Install the addon in your shop" in shops and "flask hub" not in shops  # no command line
    dashboard = _page(client, "/")
    assert 'id="connect-first"' in dashboard and 'id="go-connect"' in dashboard


def test_without_the_addon_the_connect_button_is_hidden_and_the_owner_told_whom_to_ask(client, db, addon):
    addon["SHOPTET_ADDON_URL"] = ""
    owner = make_user(db.session, "owner2@example.com")
    make_org(db.session, owner=owner)
    login(client, owner.email)
    shops = _page(client, "/shops")
    assert 'id="connect-shop"' not in shops and 'id="addon-not-configured"' not in shops
    assert "not set up on this hub yet" in shops


def test_an_operator_is_told_why_the_connect_button_is_missing(client, db, addon):
    addon["SHOPTET_ADDON_URL"] = ""
    operator = make_user(db.session, "ops@example.com", operator=True)
    org = make_org(db.session)
    add_member(db.session, org.id, operator, Role.owner)
    login(client, operator.email)
    shops = _page(client, "/shops")
    assert 'id="connect-shop"' not in shops
    notice = shops.split('id="addon-not-configured"')[1].split("</article>")[0]
    assert "SHOPTET_ADDON_URL" in notice and "flask hub shop-add" in notice


def test_a_viewer_is_told_who_can_connect_and_sees_no_button(client, db, addon):
    addon["SHOPTET_ADDON_URL"] = "https://addons.shoptet.test/commerce-hub"
    org = make_org(db.session)
    viewer = make_member(db.session, org, Role.viewer, "viewer@example.com")
    login(client, viewer.email)
    shops = _page(client, "/shops")
    assert 'id="connect-shop"' not in shops and "ask one of them" in shops


def test_with_shops_there_is_no_empty_state(client, db, addon):
    addon["SHOPTET_ADDON_URL"] = "https://addons.shoptet.test/commerce-hub"
    owner = make_user(db.session, "owner3@example.com")
    org = make_org(db.session, owner=owner)
    make_shop(db.session, org, "Zahrada")
    login(client, owner.email)
    assert 'id="connect-first"' not in _page(client, "/shops") and 'id="connect-first"' not in _page(client, "/")
