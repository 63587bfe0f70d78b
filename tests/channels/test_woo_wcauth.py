"""Connecting a WooCommerce store from the hub's pages: the authorization callback checked against a signed
single-use state (forged, replayed or read-only keys do nothing), and the paste-keys form."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.shops.models import Shop
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.factories import csrf_token, login, make_org, make_user


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=11, orders=20) as handle:
        yield handle


@pytest.fixture
def owner(db, client):
    user = make_user(db.session)
    org = make_org(db.session, owner=user)
    db.session.commit()
    login(client, user.email)
    return org


def _woo_shops(db, org) -> int:
    return db.session.execute(select(func.count()).select_from(Shop).where(
        Shop.organization_id == org.id, Shop.platform == "woocommerce")).scalar_one()


def _authorize(client, store) -> str:
    """The hub's page for the owner: a link to the store's authorization with the state as `user_id`."""
    page = client.post("/shops/connect/woocommerce", data={"url": store.base_url + "/",
                                                           "csrf_token": csrf_token(client, "/shops")})
    assert page.status_code == 200
    link = re.search(r'<a href="([^"]+)" id="woo-continue"', page.get_data(as_text=True))
    assert link, "the page links to the store's authorization"
    target = urlparse(html.unescape(link.group(1)))
    assert target.path == "/wc-auth/v1/authorize"
    query = parse_qs(target.query)
    assert query["scope"] == ["read_write"] and query["callback_url"][0].endswith("/woocommerce/callback")
    return query["user_id"][0]


def _keys(store, state, permissions="read_write"):
    return {"key_id": 1, "user_id": state, "consumer_key": store.consumer_key,
            "consumer_secret": store.consumer_secret, "key_permissions": permissions}


def test_the_callback_connects_once_and_refuses_forged_replayed_and_read_only_keys(client, db, store, owner):
    state = _authorize(client, store)
    assert client.post("/woocommerce/callback", json=_keys(store, state + "x")).status_code == 400  # forged
    assert client.post("/woocommerce/callback", json=_keys(store, state, "read")).status_code == 400
    assert _woo_shops(db, owner) == 0
    answer = client.post("/woocommerce/callback", json=_keys(store, state))
    assert answer.status_code == 200, answer.json
    assert client.post("/woocommerce/callback", json=_keys(store, state)).status_code == 400  # replayed
    assert _woo_shops(db, owner) == 1
    shop = db.session.get(Shop, answer.json["shop"])
    assert shop.url == store.base_url and shop.organization_id == owner.id
    back = client.get(f"/woocommerce/return?success=1&user_id={state}")
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/shops/{shop.id}")


def test_pasted_keys_connect_the_store_and_bad_ones_say_what_to_fix(client, db, store, owner):
    token = csrf_token(client, "/shops")
    bad = client.post("/shops/connect/woocommerce/keys", data={"url": store.base_url, "consumer_key": "nope",
                                                               "consumer_secret": "x", "csrf_token": token})
    assert bad.status_code == 303 and _woo_shops(db, owner) == 0
    assert "consumer-key" in client.get("/shops").get_data(as_text=True)
    good = client.post("/shops/connect/woocommerce/keys", data={
        "url": store.base_url, "consumer_key": store.consumer_key, "consumer_secret": store.consumer_secret,
        "csrf_token": token})
    assert good.status_code == 303 and _woo_shops(db, owner) == 1
