"""How the client proves itself: HTTP Basic over TLS, OAuth 1.0a one-legged over plain HTTP.

WooCommerce tries Basic only when WordPress sees TLS (`is_ssl()`); over plain
HTTP it ignores Basic and wants OAuth 1.0a.  `auth_for` picks Basic for an
https store URL (or when the caller says the store sees TLS, e.g. behind a proxy
that tells it so), OAuth otherwise.  Signing is Authlib's RFC 5849 client; it
gains HMAC-SHA256, which WooCommerce also accepts.  Parameters must be sent as
comma lists, never `x[]=`, since WooCommerce signs arrays differently.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Protocol

import httpx
from authlib.oauth1 import SIGNATURE_TYPE_HEADER, SIGNATURE_TYPE_QUERY, ClientAuth
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape

HMAC_SHA1 = "HMAC-SHA1"
HMAC_SHA256 = "HMAC-SHA256"


class Auth(Protocol):
    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, str], bytes]:
        """Return the request (url, headers, body) carrying the credentials."""


class BasicAuth:
    """Consumer key and secret as HTTP Basic credentials, or as the `consumer_key`/`consumer_secret`
    query pair for hosts that strip the Authorization header."""

    def __init__(self, key: str, secret: str, *, in_query: bool = False):
        self.key = key
        self.secret = secret
        self.in_query = in_query
        self._header = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, str], bytes]:
        if self.in_query:
            return str(httpx.URL(url).copy_merge_params({"consumer_key": self.key,
                                                         "consumer_secret": self.secret})), headers, body
        return url, {**headers, "Authorization": self._header}, body


def _sign_hmac_sha256(client: ClientAuth, request) -> str:
    base = generate_signature_base_string(request)
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


class _Signer(ClientAuth):
    SIGNATURE_METHODS = {**ClientAuth.SIGNATURE_METHODS, HMAC_SHA256: _sign_hmac_sha256}


class OAuth1Auth:
    """One-legged OAuth 1.0a (no token): a fresh nonce and timestamp per request.  A JSON body is not
    part of WooCommerce's base string; Authlib adds `oauth_body_hash`, which both sides then sign as a
    plain parameter."""

    def __init__(self, key: str, secret: str, *, method: str = HMAC_SHA256, in_header: bool = False):
        self.signer = _Signer(key, secret, signature_method=method,
                              signature_type=SIGNATURE_TYPE_HEADER if in_header else SIGNATURE_TYPE_QUERY,
                              force_include_body=True)

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, str], bytes]:
        signed_url, signed_headers, signed_body = self.signer.prepare(method, url, dict(headers), body)
        if isinstance(signed_body, str):
            signed_body = signed_body.encode()
        return signed_url, dict(signed_headers), signed_body or b""


def auth_for(store_url: str, key: str, secret: str, *, store_sees_tls: bool | None = None,
             oauth_method: str = HMAC_SHA256, oauth_in_header: bool = False, basic_in_query: bool = False) -> Auth:
    """Basic when the store will see TLS, OAuth 1.0a otherwise (what the store will accept)."""
    tls = httpx.URL(store_url).scheme == "https" if store_sees_tls is None else store_sees_tls
    if tls:
        return BasicAuth(key, secret, in_query=basic_in_query)
    return OAuth1Auth(key, secret, method=oauth_method, in_header=oauth_in_header)


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup on any mapping (webhook receivers get plain dicts)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
