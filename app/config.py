"""Every setting of the hub, declared once (name, variable, type, default, help) and loaded in one place.

`Config` is a pydantic model: the types and constraints validate a value whether it comes from the
environment (`Config.from_env()`, read inside the factory, never at import) or from keyword values
(`Config(SECRET_KEY=..., ENV="test")`, as tests build it; the environment is then not read at all). Why
plain pydantic and not pydantic-settings: keyword construction by attribute name must not read the
environment, and pydantic-settings reads every field by its attribute name as well once that is allowed,
so a shell's `ENV` variable would become the hub's environment. Reading the declared variables ourselves
is the ten lines of `from_env()`.

A few settings are read before or outside the app (`read_by`): the embedded servers' folder, gunicorn's
sizing, deploy.sh's grace period. They are declared here too, so they are documented and validated with
the rest; those readers use `Config.env_value()`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from dotenv import load_dotenv
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

CORE, IMPORTS, SHOPTET, OPERATIONS, PROCESSES = "Core", "Imports and syncs", "Shoptet addon", "Operations", "Processes"


class ConfigError(RuntimeError):
    """Settings that cannot be used; the message names each variable and what to fix."""


def _url(*schemes: str):
    def check(value: str | None):
        if value:
            parts = urlsplit(value)
            if parts.scheme not in schemes or not (parts.netloc or parts.path):
                raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value

    return AfterValidator(check)


def _fernet_keys(value: str) -> str:
    for key in (k.strip() for k in value.split(",")):
        if key:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError("each comma-separated key must be a Fernet key (32 url-safe base64-encoded "
                                 "bytes)") from None
    return value


HttpUrl = Annotated[str, _url("http", "https")]
DatabaseUrl = Annotated[str | None, _url("postgres", "postgresql", "postgresql+psycopg")]
RedisUrl = Annotated[str | None, _url("redis", "rediss", "unix")]
FernetKeys = Annotated[str, AfterValidator(_fernet_keys)]


def setting(default: Any, env: str, help: str, *, section: str, example: str | None = None,
            required_in_production: bool = False, secret: bool = False, read_by: str = "app", **constraints):
    """One declaration: the variable, its default, what it means (README and hub.env.example show `help`)."""
    return Field(default, validation_alias=env, description=help, repr=not secret, json_schema_extra={
        "section": section, "example": example, "required_in_production": required_in_production,
        "secret": secret, "read_by": read_by}, **constraints)


class Config(BaseModel):
    """Everything the hub reads from its environment. Attribute names are the Flask config keys."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, validate_assignment=True,
                              extra="forbid")

    # --- core ---------------------------------------------------------------------------------------
    ENV: Literal["development", "production", "test"] = setting(
        "development", "HUB_ENV", "`development`, `production` (Secure `__Host-` cookies, HSTS; the values "
        "marked required must be set) or `test`", section=CORE, example="production")
    DATABASE_URL: DatabaseUrl = setting(
        None, "DATABASE_URL", "PostgreSQL >= 15 (`postgresql://…`); unset: an embedded server under `var/`",
        section=CORE, example="postgresql://hub:CHANGE-ME@127.0.0.1:5432/hub", required_in_production=True,
        secret=True)
    REDIS_URL: RedisUrl = setting(
        None, "REDIS_URL", "Redis or Valkey (`redis://…`); unset: an embedded Valkey under `var/`",
        section=CORE, example="redis://127.0.0.1:6379/0", required_in_production=True, secret=True)
    SECRET_KEY: str = setting(
        "", "SECRET_KEY", "signs sessions and install states; local runs keep a generated one in "
        "`var/secret_key`. Make one: `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`",
        section=CORE, example="CHANGE-ME", required_in_production=True, secret=True)
    TOKEN_ENCRYPTION_KEYS: FernetKeys = setting(
        "", "TOKEN_ENCRYPTION_KEYS", "comma-separated Fernet keys, newest first, for secrets at rest (shop "
        "tokens, secret settings); local runs keep a generated one in `var/`. Make one: `python3 -c 'from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`",
        section=CORE, example="CHANGE-ME", required_in_production=True, secret=True)
    HUB_PUBLIC_URL: HttpUrl = setting(
        "http://127.0.0.1:5000", "HUB_PUBLIC_URL", "where Shoptet reaches the hub (webhooks, addon install)",
        section=CORE, example="https://hub.example.com")
    SESSION_IDLE_MINUTES: int = setting(120, "SESSION_IDLE_MINUTES", "idle timeout of a login session",
                                        section=CORE, ge=1)
    SESSION_COOKIE_SECURE: bool = setting(
        False, "SESSION_COOKIE_SECURE", "Secure `__Host-` cookies outside production too (a TLS staging site); "
        "production always has them", section=CORE)
    PROXY_COUNT: int = setting(
        0, "HUB_PROXY_COUNT", "how many proxies in front of the hub set `X-Forwarded-For`/`-Proto` (the shipped "
        "nginx: 1); the client address (login throttling, sessions) is taken from them. 0: direct connections "
        "only, forwarded headers are ignored", section=CORE, example="1", ge=0, le=5)
    REDIS_PREFIX: str = setting(
        "", "HUB_REDIS_PREFIX", "prefix of the hub's Redis keys (settings cache, throttles and limits, monitoring; "
        "RQ queues and job ids carry a digest of it); unset: derived from the database (its cluster's system "
        "identifier and name), so hubs sharing a Redis never mix",
        section=CORE, example="")
    METRICS_TOKEN: str = setting(
        "", "HUB_METRICS_TOKEN", "bearer token `/metrics` wants (none: protect it in nginx, as the site does)",
        section=CORE, example="", secret=True)

    # --- imports and syncs --------------------------------------------------------------------------
    LEASE_SECONDS: float = setting(60.0, "HUB_LEASE_SECONDS", "a run's lease: a worker silent this long is "
                                   "presumed dead", section=IMPORTS, gt=0)
    IMPORT_BATCH_SIZE: int = setting(2000, "HUB_IMPORT_BATCH_SIZE", "snapshot lines per transaction and "
                                     "checkpoint", section=IMPORTS, ge=1)
    SNAPSHOT_WAIT_SECONDS: float = setting(1800.0, "HUB_SNAPSHOT_WAIT_SECONDS", "how long to wait for a "
                                           "Shoptet snapshot job", section=IMPORTS, gt=0)
    SNAPSHOT_FIRST_POLL_SECONDS: float = setting(2.0, "HUB_SNAPSHOT_FIRST_POLL_SECONDS", "first look at a "
                                                 "snapshot job; the interval doubles after", section=IMPORTS, gt=0)
    IMPORTS_DIR: str = setting("", "HUB_IMPORTS_DIR", "downloaded snapshot files (default `var/imports`)",
                               section=IMPORTS, example="/srv/commerce-hub/shared/imports")
    EXPORTS_DIR: str = setting("", "HUB_EXPORTS_DIR", "CSV exports of the tables (default `var/exports`)",
                               section=IMPORTS)
    EXPORT_KEEP_HOURS: float = setting(24.0, "HUB_EXPORT_KEEP_HOURS", "an export's file is deleted this long "
                                       "after it was written", section=IMPORTS, gt=0)

    # --- the Shoptet addon (partner admin → Connections → API partner) ------------------------------
    SHOPTET_CLIENT_ID: str = setting("", "SHOPTET_CLIENT_ID", "the addon's OAuth client id", section=SHOPTET,
                                     example="")
    SHOPTET_CLIENT_SECRET: str = setting("", "SHOPTET_CLIENT_SECRET", "the addon's OAuth client secret",
                                         section=SHOPTET, example="", secret=True)
    SHOPTET_OAUTH_URL: HttpUrl = setting("", "SHOPTET_OAUTH_URL", "the partner e-shop's OAuth server "
                                         "(`https://<partner shop>/action/ApiOAuthServer`)", section=SHOPTET,
                                         example="")
    SHOPTET_ADDON_URL: HttpUrl = setting("", "SHOPTET_ADDON_URL", "the addon's page where an owner installs "
                                         "it; unset: the shop page says the addon is not configured",
                                         section=SHOPTET, example="")
    SHOPTET_API_URL: HttpUrl = setting("", "SHOPTET_API_URL", "API base of shops connected by install "
                                       "(default `https://api.myshoptet.com`)", section=SHOPTET,
                                       example="")
    WOOCOMMERCE_CA_FILE: str = setting("", "WOOCOMMERCE_CA_FILE", "the CA bundle (PEM) the hub trusts for "
                                       "WooCommerce stores on https instead of the public CAs (stores with a "
                                       "private CA, as the sandbox store on https)", section=IMPORTS, example="")

    # --- operations: backups, alerts (platform-wide, so from the environment, not per organization) ----
    BACKUP_DIR: str = setting("", "BACKUP_DIR", "where backups go; setting it turns on the nightly backup and "
                              "the stale-backup alert (unset: `flask hub backup` writes to `var/backups`, "
                              "nothing is scheduled)", section=OPERATIONS, example="/var/backups/commerce-hub")
    BACKUP_KEEP_DAILY: int = setting(7, "HUB_BACKUP_KEEP_DAILY", "retention: the newest backup of each of the "
                                     "last N days", section=OPERATIONS, ge=0)
    BACKUP_KEEP_WEEKLY: int = setting(4, "HUB_BACKUP_KEEP_WEEKLY", "retention: the newest backup of each of "
                                      "the last M ISO weeks", section=OPERATIONS, ge=0)
    BACKUP_HOUR_UTC: int = setting(2, "HUB_BACKUP_HOUR_UTC", "the nightly backup is queued from this hour on",
                                   section=OPERATIONS, ge=0, le=23)
    BACKUP_VERIFY: bool = setting(True, "HUB_BACKUP_VERIFY", "restore each nightly backup into a scratch "
                                  "database and compare counts", section=OPERATIONS)
    BACKUP_MAX_AGE_HOURS: float = setting(26.0, "HUB_BACKUP_MAX_AGE_HOURS", "an older newest backup opens an "
                                          "incident", section=OPERATIONS, gt=0)
    PG_BIN_DIR: str = setting("", "HUB_PG_BIN_DIR", "pg_dump/pg_restore to use; default: those matching the "
                              "server's major version", section=OPERATIONS)
    SMTP_HOST: str = setting("", "SMTP_HOST", "how alert e-mails leave (unset: no e-mails)", section=OPERATIONS,
                             example="smtp.example.com")
    SMTP_PORT: int = setting(587, "SMTP_PORT", "the SMTP server's port", section=OPERATIONS, ge=1, le=65535)
    SMTP_USER: str = setting("", "SMTP_USER", "SMTP login (none: no login)", section=OPERATIONS, example="")
    SMTP_PASSWORD: str = setting("", "SMTP_PASSWORD", "SMTP password", section=OPERATIONS, example="",
                                 secret=True)
    SMTP_FROM: str = setting("commerce-hub@localhost", "SMTP_FROM", "sender of alert e-mails",
                             section=OPERATIONS, example="hub@example.com")
    SMTP_STARTTLS: bool = setting(True, "SMTP_STARTTLS", "STARTTLS before logging in", section=OPERATIONS)
    OPS_ALERT_EMAIL: str = setting("", "HUB_OPS_ALERT_EMAIL", "comma-separated; every alert goes here "
                                   "(operators)", section=OPERATIONS, example="ops@example.com")
    OPS_ALERT_WEBHOOK_URL: HttpUrl = setting("", "HUB_OPS_ALERT_WEBHOOK_URL", "every alert is also POSTed "
                                             "here as JSON (operators)", section=OPERATIONS, example="")
    ALERT_QUEUE_DEPTH: int = setting(500, "HUB_ALERT_QUEUE_DEPTH", "a queue \"backs up\" past this many "
                                     "waiting jobs", section=OPERATIONS, ge=1)
    ALERT_QUEUE_AGE_MINUTES: float = setting(30.0, "HUB_ALERT_QUEUE_AGE_MINUTES", "… or when its oldest job "
                                             "waited this long", section=OPERATIONS, gt=0)

    # --- read before or outside the app ---------------------------------------------------------------
    VAR_DIR: str = setting("", "HUB_VAR_DIR", "local data: the embedded servers, generated local keys, "
                           "default imports/exports/backups folders (default `./var`)", section=PROCESSES,
                           example="/srv/commerce-hub/shared/var", read_by="app/embedded.py")
    WEB_BIND: str = setting("127.0.0.1:8000", "HUB_WEB_BIND", "gunicorn's address when started by hand "
                            "(systemd passes its socket)", section=PROCESSES, read_by="deploy/gunicorn.conf.py")
    WEB_WORKERS: int = setting(3, "HUB_WEB_WORKERS", "gunicorn worker processes", section=PROCESSES,
                               read_by="deploy/gunicorn.conf.py", ge=1)
    WEB_THREADS: int = setting(4, "HUB_WEB_THREADS", "threads per gunicorn worker", section=PROCESSES,
                               read_by="deploy/gunicorn.conf.py", ge=1)
    WORKER_GRACE_SECONDS: int = setting(120, "HUB_WORKER_GRACE_SECONDS", "a deploy lets a busy worker finish "
                                        "its job this long, then kills it (the run resumes from its checkpoint)",
                                        section=PROCESSES, read_by="deploy/deploy.sh", ge=0)

    @model_validator(mode="after")
    def _production_has_what_it_needs(self) -> Config:
        if self.ENV == "production":
            missing = [env_name(name) for name, info in type(self).model_fields.items()
                       if _extra(info)["required_in_production"] and not getattr(self, name)]
            if missing:
                raise ValueError(f"{', '.join(missing)} must be set in production (see deploy/hub.env.example)")
        return self

    # --- loading ------------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        """Read every declared variable (and a local .env, which never overrides the environment).

        An empty value means "unset" (the default). Every problem is reported at once, by variable name.
        """
        if environ is None:
            load_dotenv(override=False)
            environ = dict(os.environ)
        values = {env_name(name): environ[env_name(name)] for name in cls.model_fields
                  if environ.get(env_name(name), "").strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(explain(exc)) from None

    @classmethod
    def env_value(cls, name: str) -> Any:
        """One setting from the environment, for code that runs before the app exists (see `read_by`)."""
        info = cls.model_fields[name]
        raw = os.environ.get(env_name(name), "").strip()
        if not raw:
            return info.default
        annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        try:
            return TypeAdapter(annotation).validate_python(raw)
        except ValidationError as exc:
            shown = "" if _extra(info)["secret"] else f" (got {raw!r})"
            raise ConfigError(f"{env_name(name)}: {exc.errors()[0]['msg']}{shown}") from None

    def to_flask(self) -> dict:
        """The keys Flask, its extensions and the hub read: each setting under its own name, plus derived ones."""
        values = {name: getattr(self, name) for name, info in type(self).model_fields.items()
                  if _extra(info)["read_by"] == "app"}
        secure_cookies = self.ENV == "production" or self.SESSION_COOKIE_SECURE
        return {
            **values,
            **FIXED_FLASK_SETTINGS,
            "HUB_ENV": self.ENV,
            "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(self.DATABASE_URL or ""),
            # __Host- cookies must be Secure; plain http on localhost keeps the plain name.
            "SESSION_COOKIE_NAME": "__Host-hub" if secure_cookies else "hub_session",
            "SESSION_COOKIE_SECURE": secure_cookies,
            "PERMANENT_SESSION_LIFETIME": timedelta(minutes=self.SESSION_IDLE_MINUTES),
            "RATELIMIT_STORAGE_URI": self.REDIS_URL or "memory://",
        }


# Not configuration but policy: the same on every installation.
FIXED_FLASK_SETTINGS = {
    # hide_parameters: bound values (user input: e-mails, search text) never reach error messages and logs.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
    "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",
    "SETTINGS_LOCAL_TTL_SECONDS": 2.0,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    # No X-RateLimit-*/Retry-After from Flask-Limiter: it would stretch a throttled login's Retry-After to the
    # per-address window; the 429 answers set their own (app/auth/routes.py, app/core/routes.py).
    "RATELIMIT_HEADERS_ENABLED": False,
    # Request bodies (413 beyond): forms are small; a platform's webhook delivery up to 1 MB.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "WEBHOOK_MAX_BYTES": 1024 * 1024,
}


def _extra(info) -> dict:
    return info.json_schema_extra


def env_name(name: str) -> str:
    """The environment variable of setting `name`."""
    return Config.model_fields[name].validation_alias


def explain(exc: ValidationError) -> str:
    """One line per problem, each naming its variable; secrets are not echoed."""
    by_env = {env_name(name): name for name in Config.model_fields}
    lines = []
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else ""
        name = by_env.get(where, where)
        message = error["msg"].removeprefix("Value error, ")
        if name in Config.model_fields:
            secret = _extra(Config.model_fields[name])["secret"]
            shown = "" if secret or error["input"] in (None, "") else f" (got {error['input']!r})"
            lines.append(f"{env_name(name)}: {message}{shown}")
        else:
            lines.append(message)
    return "invalid settings: " + "; ".join(lines)


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres:// URLs (as ops tools print them) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
