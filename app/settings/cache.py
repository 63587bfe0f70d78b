"""Settings served from a versioned cache: Redis plus a short in-process layer.

Reads never query the database while the cache is warm. Each organization has a settings version
(`organizations.settings_version`, the truth) mirrored in Redis. A write bumps the version in its
transaction and, after commit, raises the Redis copy; every reader looks at the version first (once
per request in a web process, at most every few seconds in a worker), so a change is visible on the
next request everywhere. Values are cached under (org, shop, version) and never need deleting.

Every key lives in the database's namespace (app/core/namespace.py): two hubs sharing a Redis, or a database
restored beside its old Redis, never read each other's values. A stored value that no longer fits its setting
(written before validation existed, or by hand) reads as the default, with a warning, instead of failing pages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import orjson
from flask import current_app, g, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.namespace import database_prefix
from app.orgs.models import Organization
from app.settings.models import SettingValue
from app.settings.registry import SETTINGS

log = logging.getLogger(__name__)

VERSION_TTL_SECONDS = 3600
VALUES_TTL_SECONDS = 86400
STATS_NAME = "settings:cache:stats"

# Raise the version only upwards, so two writers finishing out of order cannot go back in time.
_RAISE_VERSION = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class SettingsCache:
    def __init__(self, redis: Redis, local_ttl: float = 2.0, namespace: Callable[[], str] | None = None):
        self.redis = redis
        self._namespace = namespace or (lambda: database_prefix(current_app))
        self.local_ttl = local_ttl
        self._local: dict[tuple[int, int | None], tuple[int, dict]] = {}
        self._local_versions: dict[int, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._unflushed = 0

    # -- keys: in the database's namespace ----------------------------------------------------------

    def _version_key(self, org_id: int) -> str:
        return f"{self._namespace()}settings:version:{org_id}"

    def _values_key(self, org_id: int, shop_id: int | None, version: int) -> str:
        return f"{self._namespace()}settings:values:{org_id}:{shop_id or 0}:{version}"

    @property
    def _stats_key(self) -> str:
        return self._namespace() + STATS_NAME

    # -- reading ----------------------------------------------------------------------------------

    def values(self, session: Session, org_id: int, shop_id: int | None = None) -> dict[str, object]:
        """All settings for the organization (or one of its shops), defaults filled in."""
        version = self._current_version(session, org_id)
        local = self._local.get((org_id, shop_id))
        if version is not None and local is not None and local[0] == version:
            self._count(hit=True)
            return local[1]
        if version is not None:
            blob = self._redis_get(self._values_key(org_id, shop_id, version))
            if blob is not None:
                values = orjson.loads(blob)
                self._remember(org_id, shop_id, version, values)
                self._count(hit=True)
                return values
        self._count(hit=False)
        version, values = load_from_database(session, org_id, shop_id)
        self._remember(org_id, shop_id, version, values)
        self._memo_version(org_id, version)
        self._redis_call(lambda: self.redis.set(self._values_key(org_id, shop_id, version), orjson.dumps(values),
                                                ex=VALUES_TTL_SECONDS))
        self._redis_call(lambda: self.redis.set(self._version_key(org_id), version, ex=VERSION_TTL_SECONDS, nx=True))
        return values

    def _current_version(self, session: Session, org_id: int) -> int | None:
        if has_request_context():
            per_request = g.setdefault("settings_versions", {})
            if org_id not in per_request:
                per_request[org_id] = self._redis_version(org_id)
            return per_request[org_id]
        cached = self._local_versions.get(org_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        version = self._redis_version(org_id)
        if version is not None:
            self._local_versions[org_id] = (version, time.monotonic() + self.local_ttl)
        return version

    def _memo_version(self, org_id: int, version: int) -> None:
        """After a load from the database, later reads in this request (or for a few seconds in a
        worker) use the version we just read instead of asking Redis again."""
        if has_request_context():
            g.setdefault("settings_versions", {})[org_id] = version
        else:
            self._local_versions[org_id] = (version, time.monotonic() + self.local_ttl)

    def _redis_version(self, org_id: int) -> int | None:
        raw = self._redis_get(self._version_key(org_id))
        return int(raw) if raw is not None else None

    def _remember(self, org_id: int, shop_id: int | None, version: int, values: dict) -> None:
        with self._lock:
            self._local[(org_id, shop_id)] = (version, values)

    # -- writing ----------------------------------------------------------------------------------

    def publish_version(self, org_id: int, version: int) -> None:
        """Called after the commit that bumped the version."""
        with self._lock:
            self._local_versions.pop(org_id, None)
        if has_request_context():
            g.setdefault("settings_versions", {}).pop(org_id, None)
        self._redis_call(lambda: self.redis.eval(_RAISE_VERSION, 1, self._version_key(org_id), version,
                                                 VERSION_TTL_SECONDS))

    # -- counters ---------------------------------------------------------------------------------

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1
            self._unflushed += 1
            flush = self._unflushed >= 100 or not hit
            if flush:
                hits, misses = self.hits, self.misses
                self.hits = self.misses = self._unflushed = 0
        if flush:
            self._redis_call(lambda: self.redis.pipeline().hincrby(self._stats_key, "hits", hits)
                             .hincrby(self._stats_key, "misses", misses).execute())

    def stats(self) -> dict[str, int]:
        """Hit and miss counts across all processes (the monitoring page shows the rate)."""
        raw = self._redis_call(lambda: self.redis.hgetall(self._stats_key)) or {}
        hits = int(raw.get(b"hits", 0)) + self.hits
        misses = int(raw.get(b"misses", 0)) + self.misses
        return {"hits": hits, "misses": misses}

    # -- Redis, failing soft: the database is always there to answer ----------------------------------

    def _redis_get(self, key: str):
        return self._redis_call(lambda: self.redis.get(key))

    def _redis_call(self, call):
        try:
            return call()
        except RedisError as exc:
            log.warning("settings cache: Redis unavailable (%s); reading from the database", exc)
            return None


def load_from_database(session: Session, org_id: int, shop_id: int | None) -> tuple[int, dict[str, object]]:
    """Version and values read in one statement, so the pair is consistent."""
    rows = session.execute(
        select(Organization.settings_version, SettingValue.key, SettingValue.value, SettingValue.shop_id)
        .outerjoin(SettingValue, (SettingValue.organization_id == Organization.id)
                   & ((SettingValue.shop_id.is_(None)) | (SettingValue.shop_id == shop_id)))
        .where(Organization.id == org_id)
    ).all()
    if not rows:
        raise LookupError(f"There is no organization with id {org_id}.")
    version = rows[0][0]
    org_level = {key: value for _v, key, value, row_shop in rows if key is not None and row_shop is None}
    shop_level = {key: value for _v, key, value, row_shop in rows if key is not None and row_shop is not None}
    values: dict[str, object] = {}
    for definition in SETTINGS.values():
        if definition.scope == "org" and shop_id is not None:
            continue
        if definition.scope == "shop" and shop_id is None:
            values[definition.key] = org_level.get(definition.key, definition.default)
            continue
        if shop_id is not None and definition.key in shop_level:
            values[definition.key] = shop_level[definition.key]
        else:
            values[definition.key] = org_level.get(definition.key, definition.default)
    return version, {key: _usable(org_id, shop_id, key, value) for key, value in values.items()}


def _usable(org_id: int, shop_id: int | None, key: str, value: object) -> object:
    """The stored value, or the default (with a warning) when it no longer fits its setting."""
    definition = SETTINGS[key]
    if definition.secret or definition.is_valid(value):  # a secret is stored sealed; reveal() checks it
        return value
    log.warning("setting %s of organization %s%s holds an invalid value; using the default %r", key, org_id,
                f" shop {shop_id}" if shop_id else "", definition.default)
    return definition.default


def settings_cache() -> SettingsCache:
    return current_app.extensions["settings_cache"]
