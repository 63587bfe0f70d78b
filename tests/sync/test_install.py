"""Connecting a shop by the addon install, end to end against the sandbox's OAuth server."""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.webhooks import EVENTS as WEBHOOK_EVENTS
from app.orgs.models import Role
from app.shops.models import Shop, ShopInstall
from app.sync.models import SyncRun
from app.sync.runner import execute_run
from app.webhooks.urls import webhook_url
from tests.factories import csrf_token, login, make_member, make_org


@pytest.fixture
def addon(app, sandbox, monkeypatch):
    info = sandbox.shops[0]
    for key, value in {"SHOPTET_CLIENT_ID": info["client_id"], "SHOPTET_CLIENT_SECRET": info["client_secret"],
                       "SHOPTET_OAUTH_URL": info["oauth_url"], "SHOPTET_API_URL": sandbox.base_url,
                       "SHOPTET_ADDON_URL": sandbox.url("/addon?lang=cs")}.items():
        monkeypatch.setitem(app.config, key, value)
    return info


def _start(client, db):
    org = make_org(db.session)
    owner = make_member(db.session, org, Role.owner)
    login(client, owner.email)
    response = client.post("/shops/connect", data={"csrf_token": csrf_token(client, "/shops")})
    assert response.status_code == 303
    location = urlparse(response.headers["Location"])
    return org, owner, parse_qs(location.query)["state"][0]


def test_install_connects_the_shop_registers_webhooks_and_starts_imports(app, client, db, sandbox, addon):
    org, owner, state = _start(client, db)
    code = sandbox.new_install_code(addon["eshop_id"])
    shoptet = app.test_client()  # Shoptet calls the install URL itself: no session, no CSRF token
    response = shoptet.get("/shoptet/install", query_string={"code": code, "state": state})
    assert response.status_code == 200, response.get_data(as_text=True)
    shop = db.session.execute(select(Shop).where(Shop.organization_id == org.id)).scalar_one()
    assert (shop.external_id, shop.auth_mode, shop.status) == (addon["eshop_id"], "oauth", "active")
    assert shop.webhook_key_encrypted is not None
    # The connect service read the shop's facts from /api/eshop (the install only gives its id and address).
    assert (shop.currency, shop.languages, shop.timezone) == ("CZK", ",".join(addon["languages"]), "Europe/Prague")
    raw = db.session.connection().exec_driver_sql("SELECT api_token_encrypted FROM shops WHERE id = %(id)s",
                                                  {"id": shop.id}).scalar()
    assert b"-o-" not in bytes(raw)  # the OAuth token is stored encrypted
    runs = db.session.execute(select(SyncRun.kind, SyncRun.status).where(SyncRun.shop_id == shop.id)).all()
    assert sorted(runs) == [("credit_notes", "queued"), ("customers", "queued"), ("orders", "queued"),
                            ("products", "queued")]
    assert db.session.execute(select(ShopInstall.user_id).where(ShopInstall.shop_id == shop.id)).scalar() == owner.id
    # The webhooks point at this shop's endpoint (read back through the API with the new OAuth token).
    with client_for_shop(shop) as api:
        hooks = {hook["event"]: hook["url"] for hook in api.iter_webhooks()}
    assert set(WEBHOOK_EVENTS) <= set(hooks) and set(hooks.values()) == {webhook_url(shop)}
    # The OAuth token works: an import through access tokens from the partner's OAuth server.
    orders_run = db.session.execute(select(SyncRun.id).where(SyncRun.shop_id == shop.id,
                                                             SyncRun.kind == "orders")).scalar_one()
    assert execute_run(db.session, orders_run).status == "succeeded"


def test_a_replayed_install_does_nothing(app, client, db, sandbox, addon):
    org, _owner, state = _start(client, db)
    shoptet = app.test_client()
    first = shoptet.get("/shoptet/install", query_string={"code": sandbox.new_install_code(addon["eshop_id"]),
                                                          "state": state})
    assert first.status_code == 200
    again = shoptet.get("/shoptet/install", query_string={"code": sandbox.new_install_code(addon["eshop_id"]),
                                                          "state": state})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert len(db.session.execute(select(Shop).where(Shop.organization_id == org.id)).scalars().all()) == 1


def test_a_forged_state_does_nothing_and_does_not_spend_the_code(app, client, db, sandbox, addon):
    org, _owner, state = _start(client, db)
    code = sandbox.new_install_code(addon["eshop_id"])
    forged = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    response = app.test_client().get("/shoptet/install", query_string={"code": code, "state": forged})
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    assert db.session.execute(select(Shop).where(Shop.organization_id == org.id)).first() is None
    # The code was never sent to Shoptet, so the real install can still use it.
    token = httpx.post(addon["oauth_url"] + "/action/ApiOAuthServer/token", json={
        "client_id": addon["client_id"], "client_secret": addon["client_secret"], "code": code,
        "grant_type": "authorization_code", "redirect_uri": "http://localhost/shoptet/install", "scope": "api"})
    assert token.status_code == 200


def test_only_owners_connect_and_disconnect(app, client, db, sandbox, addon):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    login(client, manager.email)
    assert client.post("/shops/connect", data={"csrf_token": csrf_token(client, "/shops")}).status_code == 403
