"""Shoptet access tokens shared by every hub process through Redis, encrypted.

Shoptet allows at most 5 valid access tokens per OAuth token, and RQ runs each job in a fresh work-horse
process, so an in-process cache would ask for a new token per job. Redis keeps one per shop for all, in the
database's namespace (app/core/namespace.py): a hub beside it on the same Redis (a staging restored from
production, with other encryption keys) neither reads nor discards this one's tokens.
"""

from __future__ import annotations

import time

from redis import Redis

from app.core.namespace import redis_key
from app.crypto import decrypt, encrypt
from app.shoptet import CachedToken

_DISCARD_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTokenCache:
    def __init__(self, redis: Redis, prefix: str | None = None):
        """Made in the app context (`prefix` defaults to the database's namespace)."""
        self.redis = redis
        self.prefix = prefix if prefix is not None else redis_key("shoptet:access-token:")

    def get(self, key: str) -> CachedToken | None:
        raw = self.redis.get(self.prefix + key)
        if raw is None:
            return None
        expires_at, _, sealed = raw.partition(b"|")
        return CachedToken(value=decrypt(sealed), expires_at=float(expires_at))

    def set(self, key: str, token: CachedToken) -> None:
        ttl = max(1, int(token.expires_at - time.time()))
        self.redis.set(self.prefix + key, f"{token.expires_at}|".encode() + encrypt(token.value), ex=ttl)

    def discard(self, key: str, value: str) -> None:
        current = self.get(key)
        if current is not None and current.value == value:
            raw = self.redis.get(self.prefix + key)
            if raw is not None:
                self.redis.eval(_DISCARD_IF_SAME, 1, self.prefix + key, raw)
