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
    SNAPSHOT_FIRST_POLL_SECONDS: float = 2.0  # first look at a snapshot job; the interval doubles after
    IMPORTS_DIR: str = ""  # downloaded snapshot files; default var/imports
    EXPORTS_DIR: str = ""  # CSV exports of the tables; default var/exports
    EXPORT_KEEP_HOURS: float = 24.0  # an export's file is deleted this long after it was written
    # The hub's Shoptet addon (partner admin → Connections → API partner): client credentials, the partner
    # e-shop's OAuth server, and the addon's page where an owner installs it.
    SHOPTET_CLIENT_ID: str = ""
    SHOPTET_CLIENT_SECRET: str = ""
    SHOPTET_OAUTH_URL: str = ""
    SHOPTET_ADDON_URL: str = ""
    SHOPTET_API_URL: str = ""  # the API base for shops connected by install (default Shoptet's)
    # Operations (issue 7): backups, alerts, metrics. Platform-wide, so from the environment, not per organization.
    BACKUP_DIR: str = ""  # where `flask hub backup` writes; default var/backups
    BACKUP_KEEP_DAILY: int = 7  # newest backup of each of the last N days
    BACKUP_KEEP_WEEKLY: int = 4  # and of each of the last M ISO weeks
    BACKUP_HOUR_UTC: int = 2  # the nightly backup is enqueued from this hour on
    BACKUP_VERIFY: bool = True  # restore each nightly backup into a scratch database and compare counts
    BACKUP_MAX_AGE_HOURS: float = 26.0  # an older newest backup opens an incident
    PG_BIN_DIR: str = ""  # pg_dump/pg_restore to use; default: the ones matching the server's major version
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_FROM: str = "commerce-hub@localhost"
    SMTP_STARTTLS: bool = True
    OPS_ALERT_EMAIL: str = ""  # comma-separated; platform incidents (queues, workers, backups) go here
    OPS_ALERT_WEBHOOK_URL: str = ""
    ALERT_QUEUE_DEPTH: int = 500  # jobs waiting in one queue
    ALERT_QUEUE_AGE_MINUTES: float = 30.0  # the oldest waiting job of a queue
    METRICS_TOKEN: str = ""  # if set, /metrics wants `Authorization: Bearer <token>`

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
            SNAPSHOT_FIRST_POLL_SECONDS=float(os.environ.get("HUB_SNAPSHOT_FIRST_POLL_SECONDS", "2")),
            IMPORTS_DIR=os.environ.get("HUB_IMPORTS_DIR", ""),
            EXPORTS_DIR=os.environ.get("HUB_EXPORTS_DIR", ""),
            EXPORT_KEEP_HOURS=float(os.environ.get("HUB_EXPORT_KEEP_HOURS", "24")),
            BACKUP_DIR=os.environ.get("BACKUP_DIR", ""),
            BACKUP_KEEP_DAILY=int(os.environ.get("HUB_BACKUP_KEEP_DAILY", "7")),
            BACKUP_KEEP_WEEKLY=int(os.environ.get("HUB_BACKUP_KEEP_WEEKLY", "4")),
            BACKUP_HOUR_UTC=int(os.environ.get("HUB_BACKUP_HOUR_UTC", "2")),
            BACKUP_VERIFY=_flag("HUB_BACKUP_VERIFY", True),
            BACKUP_MAX_AGE_HOURS=float(os.environ.get("HUB_BACKUP_MAX_AGE_HOURS", "26")),
            PG_BIN_DIR=os.environ.get("HUB_PG_BIN_DIR", ""),
            SMTP_HOST=os.environ.get("SMTP_HOST", ""),
            SMTP_PORT=int(os.environ.get("SMTP_PORT", "587")),
            SMTP_USER=os.environ.get("SMTP_USER", ""),
            SMTP_PASSWORD=os.environ.get("SMTP_PASSWORD", ""),
            SMTP_FROM=os.environ.get("SMTP_FROM", "commerce-hub@localhost"),
            SMTP_STARTTLS=_flag("SMTP_STARTTLS", True),
            OPS_ALERT_EMAIL=os.environ.get("HUB_OPS_ALERT_EMAIL", ""),
            OPS_ALERT_WEBHOOK_URL=os.environ.get("HUB_OPS_ALERT_WEBHOOK_URL", ""),
            ALERT_QUEUE_DEPTH=int(os.environ.get("HUB_ALERT_QUEUE_DEPTH", "500")),
            ALERT_QUEUE_AGE_MINUTES=float(os.environ.get("HUB_ALERT_QUEUE_AGE_MINUTES", "30")),
            METRICS_TOKEN=os.environ.get("HUB_METRICS_TOKEN", ""),
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
            "SNAPSHOT_FIRST_POLL_SECONDS": self.SNAPSHOT_FIRST_POLL_SECONDS,
            "IMPORTS_DIR": self.IMPORTS_DIR,
            "EXPORTS_DIR": self.EXPORTS_DIR,
            "EXPORT_KEEP_HOURS": self.EXPORT_KEEP_HOURS,
            "BACKUP_DIR": self.BACKUP_DIR,
            "BACKUP_KEEP_DAILY": self.BACKUP_KEEP_DAILY,
            "BACKUP_KEEP_WEEKLY": self.BACKUP_KEEP_WEEKLY,
            "BACKUP_HOUR_UTC": self.BACKUP_HOUR_UTC,
            "BACKUP_VERIFY": self.BACKUP_VERIFY,
            "BACKUP_MAX_AGE_HOURS": self.BACKUP_MAX_AGE_HOURS,
            "PG_BIN_DIR": self.PG_BIN_DIR,
            "SMTP_HOST": self.SMTP_HOST,
            "SMTP_PORT": self.SMTP_PORT,
            "SMTP_USER": self.SMTP_USER,
            "SMTP_PASSWORD": self.SMTP_PASSWORD,
            "SMTP_FROM": self.SMTP_FROM,
            "SMTP_STARTTLS": self.SMTP_STARTTLS,
            "OPS_ALERT_EMAIL": self.OPS_ALERT_EMAIL,
            "OPS_ALERT_WEBHOOK_URL": self.OPS_ALERT_WEBHOOK_URL,
            "ALERT_QUEUE_DEPTH": self.ALERT_QUEUE_DEPTH,
            "ALERT_QUEUE_AGE_MINUTES": self.ALERT_QUEUE_AGE_MINUTES,
            "METRICS_TOKEN": self.METRICS_TOKEN,
        }


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres:// URLs (as ops tools print them) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _limits_url(redis_url: str) -> str:
    return redis_url or "memory://"
