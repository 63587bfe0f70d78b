"""Addon OAuth flow: install code -> OAuth token -> 30-minute API access tokens."""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.testing import run_sandbox

REQUIRED_SHOP_KEYS = {"eshop_id", "name", "url", "client_id", "client_secret", "install_code", "private_token",
                      "languages", "currency"}


@pytest.fixture(scope="module")
def sb():
    with run_sandbox(seed=3, shops=2, orders=40, token_ttl=1.5, bucket_leak=10000) as handle:
        yield handle


def install(sb, index: int = 0, code: str | None = None, base: str | None = None) -> httpx.Response:
    shop = sb.shops[index]
    return httpx.post(f"{base or sb.base_url}/action/ApiOAuthServer/token", trust_env=False, json={
        "client_id": shop["client_id"], "client_secret": shop["client_secret"], "code": code or shop["install_code"],
        "grant_type": "authorization_code", "redirect_uri": "https://addon.example/install", "scope": "api"})


def access_token(sb, oauth_token: str, base: str | None = None) -> httpx.Response:
    return httpx.get(f"{base or sb.base_url}/action/ApiOAuthServer/getAccessToken", trust_env=False,
                     headers={"Authorization": f"Bearer {oauth_token}"})


def test_startup_line_describes_shops(sb):
    assert sb.base_url.startswith("http://127.0.0.1:")
    assert len(sb.shops) == 2
    for shop in sb.shops:
        assert REQUIRED_SHOP_KEYS <= set(shop)
        assert shop["url"].startswith(sb.base_url)
    assert {s["currency"] for s in sb.shops} == {"CZK", "EUR"}


def test_install_code_works_once(sb):
    first = install(sb, 1)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "eshopId", "eshopUrl", "contactEmail"}
    assert body["expires_in"] is None and body["token_type"] == "Bearer" and body["scope"] == "api"
    assert body["eshopId"] == sb.shops[1]["eshop_id"]
    second = install(sb, 1)
    assert second.status_code == 400 and second.json() == {"error": "invalid_grant"}


def test_wrong_client_secret(sb):
    shop = sb.shops[0]
    response = httpx.post(sb.url("/action/ApiOAuthServer/token"), trust_env=False, json={
        "client_id": shop["client_id"], "client_secret": "wrong", "code": sb.new_install_code(shop["eshop_id"]),
        "grant_type": "authorization_code", "redirect_uri": "https://x", "scope": "api"})
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}


def test_access_tokens_limit_and_expiry(sb):
    shop = sb.shops[0]
    code = sb.new_install_code(shop["eshop_id"])
    oauth = install(sb, 0, code=code, base=shop["url"]).json()["access_token"]  # e-shop URL works too
    tokens = []
    for _ in range(5):
        response = access_token(sb, oauth, base=shop["url"])
        assert response.status_code == 200
        assert response.json()["expires_in"] == 1  # token_ttl=1.5 s in this sandbox (1800 by default)
        tokens.append(response.json()["access_token"])
    refused = access_token(sb, oauth)
    assert refused.status_code == 429 and refused.json() == {"error": "maximum_tokens_reached"}

    api = httpx.get(sb.url("/api/eshop"), headers={"Shoptet-Access-Token": tokens[0]}, trust_env=False)
    body = assert_contract(api, "GET", "/api/eshop")
    assert body["data"]["contactInformation"]["eshopId"] == shop["eshop_id"]

    time.sleep(1.7)
    expired = httpx.get(sb.url("/api/eshop"), headers={"Shoptet-Access-Token": tokens[0]}, trust_env=False)
    assert expired.status_code == 401
    assert assert_contract(expired, "GET", "/api/eshop")["errors"][0]["errorCode"] == "expired-token"
    assert access_token(sb, oauth).status_code == 200  # expired tokens no longer count
    assert sb.state()["tokens"]["access_tokens_refused"] >= 1


def test_bad_bearer(sb):
    assert access_token(sb, "nonsense").status_code == 401
    no_header = httpx.get(sb.url("/action/ApiOAuthServer/getAccessToken"), trust_env=False)
    assert no_header.status_code == 401 and no_header.json() == {"error": "invalid_token"}
