"""The web's security rules in one place: response headers (no inline scripts, no framing, no-store for
logged-in pages and downloads), the open-redirect check, trusted proxies, http(s)-only links, and the
redaction of secrets that travel in URLs from access logs."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_security_headers(app: Flask) -> None:
    app.jinja_env.tests["http_url"] = is_http_url  # `{% if shop.url is http_url %}<a href=…>`

    @app.after_request
    def _headers(response):
        if request.endpoint != "static" and (_logged_in() or _is_download(response)):
            # A logged-in page or a download (customers' names, e-mails) must not stay in a shared cache or
            # the browser's back-forward history after logout.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def safe_next_url(target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path on this site, else `fallback`: the one open-redirect check (login's `next`).

    Checked after the normalisation a browser applies to a Location (WHATWG URL parsing): leading and trailing
    C0 controls and spaces are dropped, tabs and newlines removed anywhere, and a backslash read as a slash. So
    `/%09/evil.example` (a tab decoded from the query) becomes `//evil.example`, another host, and is refused.
    """
    if not target:
        return fallback
    normalised = target.strip("".join(map(chr, range(33)))).replace("\\", "/")
    for character in "\t\n\r":
        normalised = normalised.replace(character, "")
    if not normalised.startswith("/") or normalised.startswith("//"):
        return fallback
    if any(ord(character) < 32 or ord(character) == 127 for character in target.strip()):
        return fallback  # a path of ours has none: CR/LF would split the Location header
    parts = urlsplit(normalised)
    if parts.scheme or parts.netloc:
        return fallback
    return normalised


def trust_proxies(app: Flask) -> None:
    """Behind `HUB_PROXY_COUNT` proxies (the shipped nginx: 1), take the client's address and scheme from the
    `X-Forwarded-For` / `X-Forwarded-Proto` they append; with 0, forwarded headers are ignored (a client could
    forge them)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def _logged_in() -> bool:
    from flask_login import current_user

    return bool(current_user) and current_user.is_authenticated


def _is_download(response) -> bool:
    return "attachment" in response.headers.get("Content-Disposition", "")


# Secrets that travel in URLs: invitation tokens in the path, OAuth codes and install states in the query.
_SECRET_PATH = re.compile(r"(/invite/)[^/?#\s\"]+")
_SECRET_QUERY = re.compile(r"((?:^|[?&;])(?:code|state|token|access_token|key)=)[^&#\s\"]*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_url(text: str) -> str:
    """`text` (a URL, a request line, a Referer) with invitation tokens and OAuth codes replaced, for logs."""
    if not text:
        return text
    return _SECRET_QUERY.sub(r"\1" + REDACTED, _SECRET_PATH.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Redacts URL secrets in a log record's message and arguments (gunicorn's access log passes a dict of
    atoms: request line, path, query, Referer; Werkzeug's a tuple)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        if isinstance(record.args, dict):  # in place: gunicorn's atoms dict answers "-" for missing keys
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    record.args[key] = redact_url(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(redact_url(value) if isinstance(value, str) else value for value in record.args)
        return True


ACCESS_LOGGERS = ("gunicorn.access", "werkzeug")


def redact_access_logs() -> None:
    """Keep invitation tokens and OAuth codes out of the access logs (gunicorn's, the development server's)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
            logger.addFilter(RedactingFilter())


def is_http_url(value: object) -> bool:
    """An absolute http(s) URL with a host: the only kind the hub stores as a link or calls (never
    `javascript:`, `data:` or a scheme-relative `//host`)."""
    if not isinstance(value, str) or not value or any(ord(ch) <= 32 or ord(ch) == 127 for ch in value):
        return False  # no spaces or controls: a browser would strip them and read another URL
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
