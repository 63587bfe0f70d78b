"""Consumer keys and WooCommerce's REST authentication, as `class-wc-rest-authentication.php` does it.

* `is_ssl()`: the request came in on the TLS port (or, with
  `--trust-forwarded-proto`, carries `X-Forwarded-Proto: https`).  Only then are
  HTTP Basic and the `consumer_key`/`consumer_secret` query pair tried (query
  pair first); over plain HTTP they are ignored and the request is anonymous.
* Then OAuth 1.0a one-legged (also over TLS when Basic found nothing): params from
  the query, a form body and an `Authorization: OAuth` header; base string =
  METHOD & enc(scheme://host + path) & enc(sorted enc(k)=enc(v) pairs); key =
  secret + "&"; HMAC-SHA1 or HMAC-SHA256; timestamp within 15 minutes; a nonce
  may not repeat within 15 minutes (WooCommerce keeps one nonce per timestamp;
  the sandbox keeps them all, which is stricter).  A JSON body is not signed.
* The key's permission decides the methods: GET/HEAD need read, writes need write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_plus

from flask import Request

from sandbox.formats import mix
from sandbox.woocommerce.rest import WooError

NONCE_WINDOW = 15 * 60
OAUTH_REQUIRED = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
                  "oauth_signature_method")
_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')
WOO_CREDENTIALS = 120
READ_METHODS = {"GET", "HEAD"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class ApiKey:
    key_id: int
    user_id: int
    permissions: str  # read | write | read_write
    consumer_key: str
    consumer_secret: str
    description: str
    nonces: dict[str, int] = field(default_factory=dict)  # nonce -> timestamp

    def describe(self) -> dict:
        return {"key_id": self.key_id, "permissions": self.permissions, "consumer_key": self.consumer_key,
                "consumer_secret": self.consumer_secret, "description": self.description}


def auth_error(message: str, code: str = "woocommerce_rest_authentication_error") -> WooError:
    return WooError(401, code, message)


def rfc3986(value: str) -> str:
    """PHP's rawurlencode."""
    return quote(value, safe="-._~")


class KeyStore:
    """API keys: three deterministic ones (read_write, read, write) plus those made by wc-auth."""

    def __init__(self, seed: int):
        self._lock = threading.Lock()
        self._by_key: dict[str, ApiKey] = {}
        self._next = 0
        for permissions in ("read_write", "read", "write"):
            rng = random.Random(mix(seed, WOO_CREDENTIALS, self._next))
            self._add(permissions, f"Sandbox {permissions} key",
                      "ck_" + "".join(f"{rng.getrandbits(8):02x}" for _ in range(20)),
                      "cs_" + "".join(f"{rng.getrandbits(8):02x}" for _ in range(20)))

    def _add(self, permissions: str, description: str, key: str, secret: str) -> ApiKey:
        with self._lock:
            self._next += 1
            api_key = ApiKey(self._next, 1, permissions, key, secret, description)
            self._by_key[key] = api_key
            return api_key

    def create(self, permissions: str, description: str) -> ApiKey:
        return self._add(permissions, description, "ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20))

    def delete(self, key_id: int) -> None:
        with self._lock:
            for key, api_key in list(self._by_key.items()):
                if api_key.key_id == key_id:
                    del self._by_key[key]

    def find(self, consumer_key: str) -> ApiKey | None:
        return self._by_key.get(consumer_key)

    def all(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._by_key.values(), key=lambda k: k.key_id)

    def use_nonce(self, api_key: ApiKey, nonce: str, now: int) -> bool:
        """Record a nonce; False when it was already used within the window."""
        with self._lock:
            for old in [n for n, ts in api_key.nonces.items() if ts < now - NONCE_WINDOW]:
                del api_key.nonces[old]
            if nonce in api_key.nonces:
                return False
            api_key.nonces[nonce] = now
            return True


class Authenticator:
    def __init__(self, keys: KeyStore, trust_forwarded_proto: bool):
        self.keys = keys
        self.trust_forwarded_proto = trust_forwarded_proto

    def is_ssl(self, request: Request) -> bool:
        if request.environ.get("wsgi.url_scheme") == "https":
            return True
        return self.trust_forwarded_proto and request.headers.get("X-Forwarded-Proto", "").lower() == "https"

    def authenticate(self, request: Request) -> ApiKey | None:
        """The key that authenticated the request, None for anonymous; raises the auth error (401)."""
        error: WooError | None = None
        if self.is_ssl(request):
            user, error = self._basic(request)
            if user is not None:
                return user
        user, oauth_error = self._oauth(request)
        error = oauth_error or error
        if error is not None:
            raise error
        return user

    # -- HTTP Basic (TLS only) ----------------------------------------------------------------------
    def _basic(self, request: Request) -> tuple[ApiKey | None, WooError | None]:
        key, secret = request.args.get("consumer_key"), request.args.get("consumer_secret")
        if not (key and secret) and request.authorization and request.authorization.type == "basic":
            key, secret = request.authorization.username, request.authorization.password
        if not key or not secret:
            return None, None
        user = self.keys.find(key)
        if user is None:
            return None, None  # an unknown key is not an error: the request goes on anonymous
        if not hmac.compare_digest(user.consumer_secret.encode(), secret.encode()):
            return None, auth_error("Consumer secret is invalid.")
        return user, None

    # -- OAuth 1.0a one-legged --------------------------------------------------------------------
    def _oauth(self, request: Request) -> tuple[ApiKey | None, WooError | None]:
        params = _merged_params(request)
        present = [name for name in OAUTH_REQUIRED if params.get(name)]
        if not present:
            return None, None
        missing = [name for name in OAUTH_REQUIRED if not params.get(name)]
        if missing:
            label = "Missing OAuth parameter" if len(missing) == 1 else "Missing OAuth parameters"
            return None, auth_error(f"{label} {', '.join(missing)}",
                                    "woocommerce_rest_authentication_missing_parameter")
        user = self.keys.find(str(params["oauth_consumer_key"]))
        if user is None:
            return None, auth_error("Consumer key is invalid.")
        method = str(params["oauth_signature_method"])
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return None, auth_error("Invalid signature - signature method is invalid.")
        scheme = "https" if self.is_ssl(request) else "http"
        expected = signature(request.method, f"{scheme}://{request.host}{request.path}", params, user.consumer_secret)
        given = str(params["oauth_signature"]).replace(" ", "+")
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return None, auth_error("Invalid signature - provided signature does not match.")
        now = int(time.time())
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            timestamp = 0
        if abs(timestamp - now) > NONCE_WINDOW:
            return None, auth_error("Invalid timestamp.")
        if not self.keys.use_nonce(user, str(params["oauth_nonce"]), now):
            return None, auth_error("Invalid nonce - nonce has already been used.")
        return user, None


def check_permissions(user: ApiKey, method: str) -> None:
    if method in READ_METHODS and user.permissions not in ("read", "read_write"):
        raise auth_error("The API key provided does not have read permissions.")
    if method in WRITE_METHODS and user.permissions not in ("write", "read_write"):
        raise auth_error("The API key provided does not have write permissions.")


def _merged_params(request: Request) -> dict:
    """$_GET + $_POST (a form body) + the OAuth header's params; repeated keys keep the last value,
    `x[]` keys become lists like PHP's arrays."""
    params: dict = {}
    sources = [request.args]
    if request.mimetype == "application/x-www-form-urlencoded":
        sources.append(request.form)
    for source in sources:
        for key in source:
            values = source.getlist(key)
            if key.endswith("[]"):
                params[key[:-2]] = values
            else:
                params[key] = values[-1]
    header = request.headers.get("Authorization", "").strip()
    if header.startswith("OAuth "):
        for match in _HEADER_PARAM.finditer(header):
            params[match.group(1)] = unquote_plus(match.group(3) or match.group(4))
    return params


def signature(method: str, url: str, params: dict, secret: str) -> str:
    """WooCommerce's check_oauth_signature(): what the client must have signed."""
    pairs = []
    for key in sorted(k for k in params if k != "oauth_signature"):
        value = params[key]
        if isinstance(value, list):
            for index, item in enumerate(value):
                pairs.append(rfc3986(f"{rfc3986(key)}%5B{index}%5D={rfc3986(str(item))}"))
        else:
            pairs.append(rfc3986(f"{rfc3986(key)}={rfc3986(str(value))}"))
    base = f"{method.upper()}&{rfc3986(url)}&{'%26'.join(pairs)}"
    digest = hashlib.sha256 if params.get("oauth_signature_method") == "HMAC-SHA256" else hashlib.sha1
    return base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()).decode()
