"""Response headers that make the browser enforce our rules (no inline scripts, no framing)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
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
    @app.after_request
    def _headers(response):
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
