"""Settings from the environment (and a local .env), read inside the factory, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

from dotenv import load_dotenv


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Config:
    """Everything the app reads from its environment, in one place."""

    SECRET_KEY: str = ""
    ENV: str = "development"  # development | production | test
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = field(default_factory=lambda: {"pool_pre_ping": True})
    SESSION_IDLE_MINUTES: int = 120
    LOGIN_LIMIT_PER_ACCOUNT: str = "10 per 15 minutes"
    LOGIN_LIMIT_PER_IP: str = "30 per 15 minutes"
    SETTINGS_LOCAL_TTL_SECONDS: float = 2.0
    TOKEN_ENCRYPTION_KEYS: str = ""  # comma-separated Fernet keys, newest first (MultiFernet rotation)
    WTF_CSRF_TIME_LIMIT: int | None = None  # token lives as long as the session
    HUB_PUBLIC_URL: str = "http://127.0.0.1:5000"  # where Shoptet reaches the hub (webhooks, addon install)
    LEASE_SECONDS: float = 60.0  # a run's lease; a worker silent this long is presumed dead
    IMPORT_BATCH_SIZE: int = 2000  # snapshot lines per transaction (and per checkpoint)
    SNAPSHOT_WAIT_SECONDS: float = 1800.0  # how long to wait for a Shoptet snapshot job
    IMPORTS_DIR: str = ""  # downloaded snapshot files; default var/imports

    @classmethod
    def from_env(cls) -> Config:
        load_dotenv(override=False)
        env = os.environ.get("HUB_ENV", "development")
        return cls(
            SECRET_KEY=os.environ.get("SECRET_KEY", ""),
            ENV=env,
            DATABASE_URL=os.environ.get("DATABASE_URL") or None,
            REDIS_URL=os.environ.get("REDIS_URL") or None,
            SESSION_IDLE_MINUTES=int(os.environ.get("SESSION_IDLE_MINUTES", "120")),
            TOKEN_ENCRYPTION_KEYS=os.environ.get("TOKEN_ENCRYPTION_KEYS", ""),
            HUB_PUBLIC_URL=os.environ.get("HUB_PUBLIC_URL", "http://127.0.0.1:5000"),
            LEASE_SECONDS=float(os.environ.get("HUB_LEASE_SECONDS", "60")),
            IMPORT_BATCH_SIZE=int(os.environ.get("HUB_IMPORT_BATCH_SIZE", "2000")),
            SNAPSHOT_WAIT_SECONDS=float(os.environ.get("HUB_SNAPSHOT_WAIT_SECONDS", "1800")),
            IMPORTS_DIR=os.environ.get("HUB_IMPORTS_DIR", ""),
        )

    def to_flask(self) -> dict:
        """Translate into the keys Flask and its extensions read."""
        secure_cookies = self.ENV == "production" or _flag("SESSION_COOKIE_SECURE", False)
        return {
            "SECRET_KEY": self.SECRET_KEY,
            "HUB_ENV": self.ENV,
            "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(self.DATABASE_URL or ""),
            "SQLALCHEMY_ENGINE_OPTIONS": self.SQLALCHEMY_ENGINE_OPTIONS,
            "REDIS_URL": self.REDIS_URL,
            # __Host- cookies must be Secure; plain http on localhost keeps the plain name.
            "SESSION_COOKIE_NAME": "__Host-hub" if secure_cookies else "hub_session",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "PERMANENT_SESSION_LIFETIME": timedelta(minutes=self.SESSION_IDLE_MINUTES),
            "SESSION_REFRESH_EACH_REQUEST": True,
            "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
            "LOGIN_LIMIT_PER_ACCOUNT": self.LOGIN_LIMIT_PER_ACCOUNT,
            "LOGIN_LIMIT_PER_IP": self.LOGIN_LIMIT_PER_IP,
            "SETTINGS_LOCAL_TTL_SECONDS": self.SETTINGS_LOCAL_TTL_SECONDS,
            "TOKEN_ENCRYPTION_KEYS": self.TOKEN_ENCRYPTION_KEYS,
            "WTF_CSRF_TIME_LIMIT": self.WTF_CSRF_TIME_LIMIT,
            "RATELIMIT_STORAGE_URI": _limits_url(self.REDIS_URL or ""),
            "RATELIMIT_HEADERS_ENABLED": True,
            "HUB_PUBLIC_URL": self.HUB_PUBLIC_URL,
            "LEASE_SECONDS": self.LEASE_SECONDS,
            "IMPORT_BATCH_SIZE": self.IMPORT_BATCH_SIZE,
            "SNAPSHOT_WAIT_SECONDS": self.SNAPSHOT_WAIT_SECONDS,
            "IMPORTS_DIR": self.IMPORTS_DIR,
        }


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres:// URLs (as ops tools print them) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _limits_url(redis_url: str) -> str:
    return redis_url or "memory://"
