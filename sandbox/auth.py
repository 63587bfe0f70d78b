"""Addon OAuth (install code -> OAuth token -> 30-minute API tokens) and private tokens.

Mirrors Shoptet: an install code works once; an OAuth access token never expires;
at most 5 API access tokens may be valid per OAuth token (429
`maximum_tokens_reached`); private API tokens (Premium) never expire.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass

_ALNUM = string.ascii_lowercase + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass
class AccessToken:
    eshop_id: int
    oauth_token: str
    expires_at: float


class OAuthError(Exception):
    """`{"error": code}` answer of the OAuth server (not the API envelope)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status = status
        self.code = code


class TokenError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Auth:
    def __init__(self, shops, ttl: float = 1800.0, max_tokens: int = 5):
        self.ttl = ttl
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self.client_id = shops[0].client_id if shops else ""
        self.client_secret = shops[0].client_secret if shops else ""
        self._install_codes = {shop.install_code: shop.eshop_id for shop in shops}
        self._private = {shop.private_token: shop.eshop_id for shop in shops}
        self._oauth: dict[str, int] = {}
        self._access: dict[str, AccessToken] = {}
        self.counters = {"install_codes_used": 0, "oauth_tokens_issued": 0, "access_tokens_issued": 0,
                         "access_tokens_refused": 0, "access_tokens_expired_by_fault": 0}

    # -- addon installation ---------------------------------------------------------------
    def new_install_code(self, eshop_id: int) -> str:
        code = _random(96)
        with self._lock:
            self._install_codes[code] = eshop_id
        return code

    def exchange_code(self, body: dict) -> tuple[str, int]:
        """POST /action/ApiOAuthServer/token.  Error codes follow OAuth 2 (UNCERTAIN:
        Shoptet documents only the success shape)."""
        for key in ("client_id", "client_secret", "code"):
            if not body.get(key):
                raise OAuthError(400, "invalid_request")
        if body.get("grant_type", "authorization_code") != "authorization_code":
            raise OAuthError(400, "unsupported_grant_type")
        if body.get("scope", "api") != "api":
            raise OAuthError(400, "invalid_scope")
        if body["client_id"] != self.client_id or not secrets.compare_digest(
                str(body["client_secret"]), self.client_secret):
            raise OAuthError(401, "invalid_client")
        with self._lock:
            eshop_id = self._install_codes.pop(str(body["code"]), None)
            if eshop_id is None:
                raise OAuthError(400, "invalid_grant")
            token = f"{eshop_id}-o-{_random(64)}"
            self._oauth[token] = eshop_id
            self.counters["install_codes_used"] += 1
            self.counters["oauth_tokens_issued"] += 1
        return token, eshop_id

    # -- API access tokens -----------------------------------------------------------------
    def issue_access_token(self, oauth_token: str) -> tuple[str, int]:
        now = time.time()
        with self._lock:
            eshop_id = self._oauth.get(oauth_token)
            if eshop_id is None:
                raise OAuthError(401, "invalid_token")
            valid = sum(1 for t in self._access.values() if t.oauth_token == oauth_token and t.expires_at > now)
            if valid >= self.max_tokens:
                self.counters["access_tokens_refused"] += 1
                raise OAuthError(429, "maximum_tokens_reached")
            token = f"{eshop_id}-a-{_random(40)}"
            self._access[token] = AccessToken(eshop_id, oauth_token, now + self.ttl)
            self.counters["access_tokens_issued"] += 1
            self._forget_old(now)
        return token, int(self.ttl)

    def _forget_old(self, now: float) -> None:
        """Keep expired tokens a while so they answer `expired-token`, not `invalid-token`."""
        horizon = now - max(3600.0, self.ttl * 4)
        if len(self._access) > 2000:
            for token in [t for t, v in self._access.items() if v.expires_at < horizon]:
                del self._access[token]

    def resolve(self, access: str | None, private: str | None) -> tuple[int, str, str]:
        """Header value(s) -> (eshop_id, token kind, token); raises TokenError."""
        if private:
            eshop_id = self._private.get(private)
            if eshop_id is None:
                raise TokenError("invalid-token", "Invalid access token.")
            return eshop_id, "private", private
        if not access:
            raise TokenError("missing-access-token",
                             "Missing access token. Please add `Shoptet-Access-Token` header to your request.")
        record = self._access.get(access)
        if record is None:
            raise TokenError("invalid-token", "Invalid access token.")
        if record.expires_at <= time.time():
            raise TokenError("expired-token", "Token is expired. Please ask for new one.")
        return record.eshop_id, "addon", access

    def expire_all(self, eshop_id: int | None = None) -> int:
        now = time.time()
        expired = 0
        with self._lock:
            for record in self._access.values():
                if record.expires_at > now and (eshop_id is None or record.eshop_id == eshop_id):
                    record.expires_at = now - 0.001
                    expired += 1
            self.counters["access_tokens_expired_by_fault"] += expired
        return expired

    def snapshot(self) -> dict:
        now = time.time()
        with self._lock:
            valid = sum(1 for t in self._access.values() if t.expires_at > now)
            return {**self.counters, "access_tokens_valid": valid, "oauth_tokens": len(self._oauth)}
