"""WooCommerce authentication in the sandbox: Basic only over TLS, OAuth 1.0a, key permissions, exact 401s."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

import httpx
import pytest
from authlib.oauth1 import SIGNATURE_TYPE_HEADER, SIGNATURE_TYPE_QUERY, ClientAuth

from sandbox.woocommerce.auth import signature
from sandbox.woocommerce.testing import run_woo_sandbox

CANNOT_LIST = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
               "data": {"status": 401}}


def _plain(woo, path: str = "/orders", **kw) -> httpx.Response:
    return httpx.get(woo.api_url(path), timeout=30, trust_env=False, **kw)


def _tls(woo, path: str = "/orders", **kw) -> httpx.Response:
    return httpx.get(woo.api_url(path, tls=True), verify=woo.tls_context(), timeout=30, trust_env=False, **kw)


def _signed(woo, method: str, path: str, *, key=None, secret=None, sig_method="HMAC-SHA1", timestamp=None,
            nonce=None, extra=None, tls=False) -> str:
    """A URL carrying OAuth params signed the way WooCommerce checks them (for the timestamp/nonce tests)."""
    url = woo.api_url(path, tls=tls)
    params = {**(extra or {}), "oauth_consumer_key": key or woo.consumer_key,
              "oauth_timestamp": str(timestamp or int(time.time())), "oauth_nonce": nonce or f"n{time.time_ns()}",
              "oauth_signature_method": sig_method}
    params["oauth_signature"] = signature(method, url, params, secret or woo.consumer_secret)
    return f"{url}?{urlencode(params)}"


def test_basic_auth_needs_tls(woo):
    credentials = (woo.consumer_key, woo.consumer_secret)
    assert _tls(woo, auth=credentials).status_code == 200
    over_http = _plain(woo, auth=credentials)
    assert over_http.status_code == 401 and over_http.json() == CANNOT_LIST
    pair = {"consumer_key": woo.consumer_key, "consumer_secret": woo.consumer_secret}
    assert _tls(woo, params=pair).status_code == 200
    assert _plain(woo, params=pair).json() == CANNOT_LIST


def test_basic_auth_refusals(woo):
    wrong = _tls(woo, auth=(woo.consumer_key, "cs_wrong"))
    assert wrong.status_code == 401
    assert wrong.json() == {"code": "woocommerce_rest_authentication_error", "message": "Consumer secret is invalid.",
                            "data": {"status": 401}}
    unknown = _tls(woo, "/orders/200000", auth=("ck_unknown", "cs_unknown"))
    assert unknown.json()["message"] == "Sorry, you cannot view this resource."
    forwarded = _plain(woo, auth=(woo.consumer_key, woo.consumer_secret), headers={"X-Forwarded-Proto": "https"})
    assert forwarded.json() == CANNOT_LIST, "stock WordPress does not trust X-Forwarded-Proto"


@pytest.mark.parametrize("placement", [SIGNATURE_TYPE_QUERY, SIGNATURE_TYPE_HEADER])
def test_oauth1_over_http_signed_by_authlib(woo, placement):
    """An independent RFC 5849 implementation (Authlib) produces what the sandbox accepts."""
    signer = ClientAuth(woo.consumer_key, woo.consumer_secret, signature_type=placement)
    url = woo.api_url("/orders") + "?" + urlencode({"per_page": 3, "modified_after": "2024-01-01T00:00:00",
                                                    "search": "a b+c/d"})
    signed_url, headers, _ = signer.prepare("GET", url, {}, b"")
    response = httpx.get(signed_url, headers=headers, trust_env=False)
    assert response.status_code == 200, response.text


def test_oauth1_hmac_sha256_and_over_tls(woo):
    assert _plain(woo, params=None).status_code == 401
    assert httpx.get(_signed(woo, "GET", "/orders", sig_method="HMAC-SHA256"), trust_env=False).status_code == 200
    tls = httpx.get(_signed(woo, "GET", "/orders", tls=True), verify=woo.tls_context(), trust_env=False)
    assert tls.status_code == 200, "OAuth is also accepted over TLS"


@pytest.mark.parametrize(("change", "message"), [
    ({"secret": "cs_other"}, "Invalid signature - provided signature does not match."),
    ({"sig_method": "PLAINTEXT"}, "Invalid signature - signature method is invalid."),
    ({"timestamp": int(time.time()) - 16 * 60}, "Invalid timestamp."),
    ({"key": "ck_0000"}, "Consumer key is invalid."),
])
def test_oauth1_refusals(woo, change, message):
    response = httpx.get(_signed(woo, "GET", "/orders", **change), trust_env=False)
    assert response.status_code == 401
    assert response.json() == {"code": "woocommerce_rest_authentication_error", "message": message,
                               "data": {"status": 401}}


def test_oauth1_nonce_replay_and_missing_params(woo):
    url = _signed(woo, "GET", "/orders", nonce="replayed-nonce")
    assert httpx.get(url, trust_env=False).status_code == 200
    replay = httpx.get(url, trust_env=False)
    assert replay.json()["message"] == "Invalid nonce - nonce has already been used."
    partial = _plain(woo, params={"oauth_consumer_key": woo.consumer_key})
    assert partial.json() == {"code": "woocommerce_rest_authentication_missing_parameter",
                              "message": "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, "
                                         "oauth_signature_method", "data": {"status": 401}}


def test_signature_base_string_is_woocommerce_s():
    """The base string WooCommerce builds, written out by hand: each key and value RFC 3986-encoded, pairs
    joined, the whole encoded again; sorted by key; URL = scheme://host + path."""
    params = {"b": "x y", "a": "2024-01-01T00:00:00", "oauth_consumer_key": "ck", "oauth_nonce": "n",
              "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1"}
    base = ("GET&http%3A%2F%2Fshop.test%2Fwp-json%2Fwc%2Fv3%2Forders&"
            "a%3D2024-01-01T00%253A00%253A00%26b%3Dx%2520y%26oauth_consumer_key%3Dck%26oauth_nonce%3Dn"
            "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1")
    expected = base64.b64encode(hmac.new(b"cs&", base.encode(), hashlib.sha1).digest()).decode()
    assert signature("GET", "http://shop.test/wp-json/wc/v3/orders", params, "cs") == expected


def test_key_permissions(woo):
    read, write = woo.key("read"), woo.key("write")
    assert _tls(woo, auth=(read["consumer_key"], read["consumer_secret"])).status_code == 200
    refused = httpx.post(woo.api_url("/orders", tls=True), json={}, verify=woo.tls_context(), trust_env=False,
                         auth=(read["consumer_key"], read["consumer_secret"]))
    assert refused.status_code == 401
    assert refused.json()["message"] == "The API key provided does not have write permissions."
    no_read = _tls(woo, auth=(write["consumer_key"], write["consumer_secret"]))
    assert no_read.json()["message"] == "The API key provided does not have read permissions."


def test_index_needs_no_auth_and_unknown_routes(woo):
    index = _plain(woo, "")
    assert index.status_code == 200 and "/wc/v3/orders" in index.json()["routes"]
    missing = _tls(woo, "/nothing-here", auth=(woo.consumer_key, woo.consumer_secret))
    assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"


def test_trusted_forwarded_proto():
    """A store behind a proxy whose wp-config maps X-Forwarded-Proto: Basic over plain HTTP then works."""
    with run_woo_sandbox(orders=10, trust_forwarded_proto=True) as store:
        credentials = (store.consumer_key, store.consumer_secret)
        assert _plain(store, auth=credentials, headers={"X-Forwarded-Proto": "https"}).status_code == 200
        assert _plain(store, auth=credentials).json() == CANNOT_LIST
