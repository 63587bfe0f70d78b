"""WooCommerce's app authorization (`/wc-auth/v1/authorize`) in the sandbox."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx


def _authorize_url(woo, receiver, **override) -> str:
    params = {"app_name": "Commerce Hub", "scope": "read_write", "user_id": "org-7",
              "return_url": receiver.url + "/return", "callback_url": receiver.url + "/callback", **override}
    return f"{woo.base_url}/wc-auth/v1/authorize?{urlencode(params)}"


def _link(page: str, element_id: str) -> str:
    return unescape(re.search(rf'id="{element_id}" href="([^"]+)"', page).group(1))


def test_approve_posts_the_keys_then_returns(woo, receiver):
    page = httpx.get(_authorize_url(woo, receiver), trust_env=False)
    assert page.status_code == 200 and "Commerce Hub would like to connect" in page.text
    granted = httpx.get(urljoin(woo.base_url, _link(page.text, "approve")), trust_env=False)
    assert granted.status_code == 302
    target = urlparse(granted.headers["Location"])
    assert target.path == "/return" and parse_qs(target.query) == {"success": ["1"], "user_id": ["org-7"]}
    callback = [c for c in receiver.calls if c["path"] == "/callback"][-1]
    keys = json.loads(callback["body"])
    assert set(keys) == {"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"}
    assert keys["user_id"] == "org-7" and keys["key_permissions"] == "read_write"
    works = httpx.get(woo.api_url("/orders", tls=True), verify=woo.tls_context(), trust_env=False,
                      auth=(keys["consumer_key"], keys["consumer_secret"]), params={"per_page": 1})
    assert works.status_code == 200
    reused = httpx.get(urljoin(woo.base_url, _link(page.text, "approve")), trust_env=False)
    assert reused.status_code == 401 and "Invalid nonce verification" in reused.text


def test_deny_and_auto_approve(woo, receiver):
    page = httpx.get(_authorize_url(woo, receiver, scope="read"), trust_env=False).text
    deny = urlparse(_link(page, "deny"))
    assert deny.path == "/return" and parse_qs(deny.query) == {"success": ["0"], "user_id": ["org-7"]}
    woo.set_auto_approve(True)
    try:
        straight = httpx.get(_authorize_url(woo, receiver, scope="read"), trust_env=False, follow_redirects=False)
        assert straight.status_code == 302 and "/wc-auth/v1/access_granted" in straight.headers["Location"]
        done = httpx.get(urljoin(woo.base_url, straight.headers["Location"]), trust_env=False)
        assert parse_qs(urlparse(done.headers["Location"]).query)["success"] == ["1"]
    finally:
        woo.set_auto_approve(False)
    keys = json.loads([c for c in receiver.calls if c["path"] == "/callback"][-1]["body"])
    assert keys["key_permissions"] == "read"


def test_refusals(woo, receiver):
    missing = httpx.get(f"{woo.base_url}/wc-auth/v1/authorize?app_name=x", trust_env=False)
    assert missing.status_code == 401 and "Missing parameter user_id" in missing.text
    plain = httpx.get(_authorize_url(woo, receiver, callback_url="http://hub.example/callback"), trust_env=False)
    assert "The callback_url needs to be over SSL" in plain.text
    receiver.fail_first["/broken"] = 1
    page = httpx.get(_authorize_url(woo, receiver, callback_url=receiver.url + "/broken"), trust_env=False).text
    failed = httpx.get(urljoin(woo.base_url, _link(page, "approve")), trust_env=False)
    assert failed.status_code == 401 and "unable to send the consumer data" in failed.text
    keys = json.loads([c for c in receiver.calls if c["path"] == "/broken"][0]["body"])
    refused = httpx.get(woo.api_url("/orders", tls=True), verify=woo.tls_context(), trust_env=False,
                        auth=(keys["consumer_key"], keys["consumer_secret"]))
    assert refused.status_code == 401, "the key is deleted again when the callback fails"
