"""Credentials for Shoptet: add-on OAuth tokens and private API tokens.

Add-on mode has two tokens. The *OAuth token* comes once from the install
exchange and never expires; it is used only to ask the partner e-shop's OAuth
server for short-lived (30 min) *API access tokens*, of which at most 5 may be
valid at once. So access tokens are cached (pluggable :class:`TokenCache`, so
RQ workers can share them through Redis later) and renewed a margin before
expiry or when the API rejects one.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

import httpx
import orjson
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .errors import AuthError, NetworkError, NetworkTimeout, ServerError, TokenLimitReached, ValidationError
from .limits import REAL_CLOCK, Clock

OAUTH_PATH = "/action/ApiOAuthServer"
ACCESS_TOKEN_HEADER = "Shoptet-Access-Token"  # noqa: S105 (a header name)
PRIVATE_TOKEN_HEADER = "Shoptet-Private-Api-Token"  # noqa: S105 (a header name)
OAUTH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_ACCESS_TOKEN_TTL = 1800.0
#: Error codes with which the API rejects an access token that a fresh one may fix.
REFRESHABLE_CODES = frozenset({"expired-token", "invalid-token"})


def oauth_endpoint(oauth_url: str, name: str) -> str:
    """URL of ``/action/ApiOAuthServer/<name>`` on the partner e-shop.

    Accepts the e-shop root, the ``.../ApiOAuthServer`` prefix or a full
    ``.../token`` URL as shown in the partner admin.
    """
    url = oauth_url.rstrip("/")
    for suffix in ("/token", "/getAccessToken"):
        if url.endswith(OAUTH_PATH + suffix):
            url = url[: -len(suffix)]
    if not url.endswith(OAUTH_PATH):
        url += OAUTH_PATH
    return f"{url}/{name}"


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def _json_or_none(resp: httpx.Response) -> Any:
    try:
        return orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return None


def _oauth_error(resp: httpx.Response, what: str) -> AuthError:
    body = _json_or_none(resp)
    code = body.get("error") if isinstance(body, dict) else None
    desc = body.get("error_description") if isinstance(body, dict) else None
    message = f"{what} failed: {desc or code or resp.text[:200] or resp.reason_phrase}"
    kw = dict(status=resp.status_code, error_code=code, method=resp.request.method, url=str(resp.request.url))
    if code == "maximum_tokens_reached" or resp.status_code == 429:
        return TokenLimitReached(message, **kw)
    if resp.status_code >= 500:
        return ServerError(message, **kw)
    return AuthError(message, **kw)


# --------------------------------------------------------------------------- install


@dataclass(frozen=True)
class Installation:
    """Result of the install exchange: store ``oauth_token`` per e-shop, never show it."""

    oauth_token: str
    eshop_id: int | None
    eshop_url: str | None
    contact_email: str | None
    scope: str | None
    raw: dict


_JSON_BODY = "client_secret_json"  # the name of Shoptet's token-request style (not a secret)


def _json_token_request(auth, method, uri, headers, body):
    """Shoptet's token endpoint takes JSON, with the client credentials in it (a secret only if set)."""
    data = dict(parse_qsl(body))
    data["client_id"] = auth.client_id
    if auth.client_secret:
        data["client_secret"] = auth.client_secret
    headers["Content-Type"] = "application/json"
    headers["Accept"] = "application/json"
    return uri, headers, orjson.dumps(data).decode()


def exchange_install_code(
    oauth_url: str,
    *,
    client_id: str,
    client_secret: str | None,
    code: str,
    redirect_uri: str,
    timeout: float = 4.0,
) -> Installation:
    """Trade the one-time ``code`` from Shoptet's install GET for the permanent OAuth token (Authlib).

    Must finish inside Shoptet's ~5 s install request, hence the short
    timeout and no retries (the code is single-use).
    """
    with OAuth2Session(client_id, client_secret, token_endpoint_auth_method=_JSON_BODY) as session:
        session.register_client_auth_method((_JSON_BODY, _json_token_request))
        try:
            data = dict(session.fetch_token(oauth_endpoint(oauth_url, "token"), code=code, scope="api",
                                            grant_type="authorization_code", redirect_uri=redirect_uri,
                                            timeout=timeout))
        except OAuthError as exc:
            message = f"install code exchange failed: {exc.description or exc.error}"
            if exc.error == "maximum_tokens_reached":
                raise TokenLimitReached(message, error_code=exc.error) from exc
            raise AuthError(message, error_code=exc.error) from exc
        except requests.Timeout as exc:
            raise NetworkTimeout(f"install code exchange timed out: {exc!r}") from exc
        except requests.RequestException as exc:
            raise NetworkError(f"install code exchange failed: {exc!r}") from exc
        except ValueError as exc:  # a non-JSON answer (an error page)
            raise ServerError(f"install code exchange got no JSON answer: {exc}") from exc
    if not data.get("access_token"):
        raise ValidationError("install code exchange returned no access_token", status=200)
    eshop_id = data.get("eshopId")
    return Installation(
        oauth_token=str(data["access_token"]),
        eshop_id=int(eshop_id) if eshop_id is not None else None,
        eshop_url=data.get("eshopUrl"),
        contact_email=data.get("contactEmail"),
        scope=data.get("scope"),
        raw=data,
    )


# --------------------------------------------------------------------------- token cache


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float  # wall-clock epoch seconds


class TokenCache(Protocol):
    """Where access tokens live between calls. Keys are opaque strings (no secrets)."""

    def get(self, key: str) -> CachedToken | None: ...

    def set(self, key: str, token: CachedToken) -> None: ...

    def discard(self, key: str, value: str) -> None:
        """Forget ``key`` only if it still holds ``value`` (another worker may have renewed it)."""
        ...


class MemoryTokenCache:
    """In-process default cache (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, CachedToken] = {}

    def get(self, key: str) -> CachedToken | None:
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, token: CachedToken) -> None:
        with self._lock:
            self._data[key] = token

    def discard(self, key: str, value: str) -> None:
        with self._lock:
            cur = self._data.get(key)
            if cur is not None and cur.value == value:
                del self._data[key]


_default_cache = MemoryTokenCache()
_refresh_locks_guard = threading.Lock()
_refresh_locks: dict[str, threading.Lock] = {}


def _refresh_lock(key: str) -> threading.Lock:
    with _refresh_locks_guard:
        return _refresh_locks.setdefault(key, threading.Lock())


# --------------------------------------------------------------------------- auth strategies


class Auth(Protocol):
    """What the transport needs from a credential."""

    #: Identifies the token for the per-token in-flight limit (a hash, not the secret).
    limiter_key: str

    def headers(self) -> dict[str, str]: ...

    def renew(self, rejected_headers: dict[str, str]) -> bool:
        """Called after a 401 expired/invalid token; True if a retry may succeed."""
        ...


class PrivateTokenAuth:
    """Shoptet Premium private API token: static, sent as ``Shoptet-Private-Api-Token``."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("private token is empty")
        self._token = token
        self.limiter_key = "private:" + _fingerprint(token)

    def headers(self) -> dict[str, str]:
        return {PRIVATE_TOKEN_HEADER: self._token}

    def renew(self, rejected_headers: dict[str, str]) -> bool:
        return False

    def __repr__(self) -> str:
        return f"PrivateTokenAuth({self.limiter_key})"


class OAuthTokenAuth:
    """Add-on mode: fetches and caches short-lived access tokens from the OAuth token.

    A token is renewed ``margin`` seconds before it expires, and once when
    the API says it expired/is invalid. Concurrent renewals in one process
    are serialised so we do not burn through the 5-valid-tokens limit.
    """

    def __init__(
        self,
        oauth_token: str,
        oauth_url: str,
        *,
        cache: TokenCache | None = None,
        margin: float = 60.0,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = OAUTH_TIMEOUT,
        clock: Clock = REAL_CLOCK,
        max_attempts: int = 3,
    ) -> None:
        if not oauth_token:
            raise ValueError("OAuth token is empty")
        self._oauth_token = oauth_token
        self._url = oauth_endpoint(oauth_url, "getAccessToken")
        self._cache = cache if cache is not None else _default_cache
        self._margin = margin
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._max_attempts = max_attempts
        fp = _fingerprint(oauth_token)
        self.cache_key = f"shoptet:access-token:{fp}"
        self.limiter_key = "oauth:" + fp
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"OAuthTokenAuth({self.limiter_key}, {self._url})"

    def _fresh(self, tok: CachedToken | None) -> bool:
        return tok is not None and tok.expires_at - self._margin > self._clock.time()

    def access_token(self) -> str:
        tok = self._cache.get(self.cache_key)
        if self._fresh(tok):
            return tok.value  # type: ignore[union-attr]
        with _refresh_lock(self.cache_key):
            tok = self._cache.get(self.cache_key)
            if self._fresh(tok):
                return tok.value  # type: ignore[union-attr]
            tok = self._fetch()
            self._cache.set(self.cache_key, tok)
            return tok.value

    def headers(self) -> dict[str, str]:
        return {ACCESS_TOKEN_HEADER: self.access_token()}

    def renew(self, rejected_headers: dict[str, str]) -> bool:
        rejected = rejected_headers.get(ACCESS_TOKEN_HEADER)
        if rejected:
            self._cache.discard(self.cache_key, rejected)
        return True

    def _fetch(self) -> CachedToken:
        client = self._http or httpx.Client(timeout=self._timeout)
        try:
            last: Exception | None = None
            for attempt in range(1, self._max_attempts + 1):
                try:
                    resp = client.get(
                        self._url,
                        headers={"Authorization": f"Bearer {self._oauth_token}", "Accept": "application/json"},
                        timeout=self._timeout,
                    )
                except httpx.TimeoutException as exc:
                    last = NetworkTimeout(f"getAccessToken timed out: {exc!r}", method="GET", url=self._url)
                except httpx.TransportError as exc:
                    last = NetworkError(f"getAccessToken failed: {exc!r}", method="GET", url=self._url)
                else:
                    if resp.status_code == 200:
                        return self._parse(resp)
                    last = _oauth_error(resp, "getAccessToken")
                    if not isinstance(last, ServerError):
                        raise last
                if attempt < self._max_attempts:
                    self._clock.sleep(0.5 * 2 ** (attempt - 1))
            assert last is not None
            raise last
        finally:
            if self._http is None:
                client.close()

    def _parse(self, resp: httpx.Response) -> CachedToken:
        data = _json_or_none(resp)
        if not isinstance(data, dict) or not data.get("access_token"):
            raise AuthError("getAccessToken returned no access_token", status=resp.status_code, url=self._url)
        ttl = data.get("expires_in")
        ttl = float(ttl) if isinstance(ttl, (int, float)) and ttl > 0 else DEFAULT_ACCESS_TOKEN_TTL
        self.tokens_fetched += 1
        return CachedToken(value=str(data["access_token"]), expires_at=self._clock.time() + ttl)
