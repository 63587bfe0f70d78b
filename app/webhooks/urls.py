"""Where a platform delivers a shop's webhooks: the endpoint in app/webhooks/routes.py."""

from __future__ import annotations

from flask import current_app


def webhook_url(shop) -> str:
    """The public URL of the shop's webhook endpoint (HUB_PUBLIC_URL is where the platform reaches the hub)."""
    base = (current_app.config.get("HUB_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/webhooks/{shop.platform}/{shop.id}"
