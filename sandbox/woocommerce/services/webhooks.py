"""Webhook registration writes: required topic and delivery URL, a ping on create, force-only delete."""

from __future__ import annotations

import secrets
import string
from urllib.parse import urlparse

from sandbox.woocommerce.rest import WooError, invalid_id
from sandbox.woocommerce.services.common import missing_param
from sandbox.woocommerce.store import Store
from sandbox.woocommerce.store.webhooks import Webhook

RESOURCES = ("coupon", "customer", "order", "product")
EVENTS = ("created", "updated", "deleted", "restored")
WEBHOOK_STATUSES = ("active", "paused", "disabled")
_SECRET_CHARS = string.ascii_letters + string.digits + "!@#$%^&*()-_ []{}<>~`+=,.;:/?|"
INVALID_ACTIONS = {"action.woocommerce_login_credentials", "action.woocommerce_webhook_should_deliver",
                   "action.woocommerce_product_csv_importer_check_import_file_path"}


def valid_topic(topic) -> bool:
    if not isinstance(topic, str) or topic in INVALID_ACTIONS:
        return False
    if topic.startswith(("action.woocommerce_", "action.wc_")):
        return True
    resource, _, event = topic.partition(".")
    return resource in RESOURCES and event in EVENTS


def _check(body: dict, creating: bool) -> None:
    if creating:
        missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
        if missing:
            raise missing_param(*missing)
    if "topic" in body and not valid_topic(str(body["topic"]).lower()):
        raise WooError(400, "woocommerce_rest_shop_webhook_invalid_topic",
                       "Webhook topic is required and must be valid.")
    if "delivery_url" in body:
        url = urlparse(str(body["delivery_url"]))
        if url.scheme not in ("http", "https") or not url.netloc:
            raise WooError(400, "woocommerce_rest_shop_webhook_invalid_delivery_url",
                           "Webhook delivery URL must be a valid URL starting with http:// or https://.")
    if "status" in body and body["status"] not in WEBHOOK_STATUSES:
        raise WooError(400, "woocommerce_rest_shop_webhook_invalid_status", "Webhook status must be valid.")


def create(store: Store, body: dict) -> Webhook:
    if body.get("id"):
        raise WooError(400, "woocommerce_rest_shop_webhook_exists", "Cannot create existing shop_webhook.")
    _check(body, creating=True)
    now = store.now()
    # No secret given: current WooCommerce makes a 50-character one with special characters.
    secret = str(body.get("secret") or "".join(secrets.choice(_SECRET_CHARS) for _ in range(50)))
    hook = Webhook(id=store.webhooks.new_id(), name=str(body.get("name") or f"Webhook created on {now}"),
                   status=str(body.get("status", "active")), topic=str(body["topic"]).lower(),
                   delivery_url=str(body["delivery_url"]), secret=secret, created=now, modified=now)
    with store.webhooks.lock:
        store.webhooks.items[hook.id] = hook
    return hook


def get(store: Store, wid: int, status: int = 404) -> Webhook:
    hook = store.webhooks.items.get(wid)
    if hook is None:
        raise invalid_id("shop_webhook", status)
    return hook


def update(store: Store, wid: int, body: dict) -> Webhook:
    hook = get(store, wid, 400)
    _check(body, creating=False)
    with store.webhooks.lock:
        for name in ("name", "status", "delivery_url", "secret"):
            if body.get(name) is not None:
                setattr(hook, name, str(body[name]))
        if "topic" in body:
            hook.topic = str(body["topic"]).lower()
        # Setting status back to active does not reset the failure count (WooCommerce keeps it).
        hook.modified = store.now()
    return hook


def delete(store: Store, wid: int, force: bool) -> Webhook:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
    hook = get(store, wid)
    with store.webhooks.lock:
        store.webhooks.items.pop(wid, None)
    return hook
