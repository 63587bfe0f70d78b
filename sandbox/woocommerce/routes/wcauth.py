"""`/wc-auth/v1/...`: WooCommerce's app authorization, as class-wc-auth.php does it.

`authorize` shows the grant page (the sandbox's merchant is always logged in as
the shop manager) with one Approve link, or goes straight on when
`--auto-approve` is set; `access_granted` (single-use nonce) creates the key,
POSTs `{key_id, user_id, consumer_key, consumer_secret, key_permissions}` as JSON
to `callback_url` (only an exact 200 counts, else the key is deleted again and the
merchant sees an error), then redirects to `return_url?success=1&user_id=..`.
Deny redirects with `success=0`.  WooCommerce requires an https callback; the
sandbox also accepts http on loopback hosts, where the hub runs in tests.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from urllib.parse import unquote, urlencode, urlparse

import httpx
import orjson
from flask import Blueprint, Response, g, redirect, request

bp = Blueprint("woo_wcauth", __name__)
PARAMS = ("app_name", "user_id", "return_url", "callback_url", "scope")
SCOPES = {"read": "Read", "write": "Write", "read_write": "Read/Write"}
NONCE_TTL = 3600
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class GrantNonces:
    """Single-use nonces of the grant links (wp_nonce_url in WooCommerce)."""

    def __init__(self):
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        nonce = secrets.token_hex(10)
        with self._lock:
            now = time.time()
            for old in [n for n, t in self._issued.items() if t < now - NONCE_TTL]:
                del self._issued[old]
            self._issued[nonce] = now
        return nonce

    def spend(self, nonce: str) -> bool:
        with self._lock:
            return self._issued.pop(nonce, None) is not None


class AuthDenied(Exception):
    pass


def _formatted(url: str) -> str:
    url = unquote(url)
    return url if "://" in url else f"https://{url}"


def _with_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _validated() -> dict:
    data = {}
    for name in PARAMS:
        value = request.args.get(name, "")
        if not value:
            raise AuthDenied(f"Missing parameter {name}")
        data[name] = value
    if data["scope"] not in SCOPES:
        raise AuthDenied(f"Invalid scope {data['scope']}")
    for name in ("return_url", "callback_url"):
        parsed = urlparse(_formatted(data[name]))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise AuthDenied(f"The {_formatted(data[name])} is not a valid URL")
    callback = urlparse(_formatted(data["callback_url"]))
    if callback.scheme != "https" and callback.hostname not in LOOPBACK:
        raise AuthDenied("The callback_url needs to be over SSL")
    return data


def _die(message: str) -> Response:
    page = (f"<!doctype html><html><head><title>Access denied</title></head><body id=\"error-page\">"
            f"<p>Error: {html.escape(message)}.</p></body></html>")
    return Response(page, status=401, content_type="text/html; charset=UTF-8")


@bp.get("/wc-auth/v1/authorize")
def authorize():
    try:
        data = _validated()
    except AuthDenied as exc:
        return _die(str(exc))
    nonce = g.sandbox.grant_nonces.issue()
    granted = f"/wc-auth/v1/access_granted?{urlencode({**data, 'wc_auth_nonce': nonce})}"
    if g.sandbox.auto_approve:
        return redirect(granted, code=302)
    deny = _with_query(_formatted(data["return_url"]), success=0, user_id=data["user_id"])
    app_name = html.escape(data["app_name"])
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Connect an app</title></head><body>"
        f"<h1>{app_name} would like to connect to your store</h1>"
        f"<p>This will give \"{app_name}\" <strong>{SCOPES[data['scope']]}</strong> access.</p>"
        f"<p>Logged in as shop manager</p>"
        f"<p><a id=\"approve\" href=\"{html.escape(granted)}\">Approve</a> "
        f"<a id=\"deny\" href=\"{html.escape(deny)}\">Deny</a></p></body></html>"
    )
    return Response(page, content_type="text/html; charset=UTF-8")


@bp.get("/wc-auth/v1/access_granted")
def access_granted():
    try:
        data = _validated()
        if not g.sandbox.grant_nonces.spend(request.args.get("wc_auth_nonce", "")):
            raise AuthDenied("Invalid nonce verification")
    except AuthDenied as exc:
        return _die(str(exc))
    key = g.sandbox.keys.create(data["scope"], f"{data['app_name'][:170]} - API ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    consumer = {"key_id": key.key_id, "user_id": data["user_id"], "consumer_key": key.consumer_key,
                "consumer_secret": key.consumer_secret, "key_permissions": key.permissions}
    try:
        response = httpx.post(_formatted(data["callback_url"]), content=orjson.dumps(consumer), timeout=60,
                              headers={"Content-Type": "application/json;charset=UTF-8"}, trust_env=False)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    g.sandbox.counters["wc_auth_callbacks_ok" if ok else "wc_auth_callbacks_failed"] += 1
    if not ok:
        g.sandbox.keys.delete(key.key_id)
        return _die("An error occurred in the request and at the time were unable to send the consumer data")
    return redirect(_with_query(_formatted(data["return_url"]), success=1, user_id=data["user_id"]), code=302)
