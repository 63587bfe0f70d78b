"""Customer writes: customers are WordPress users, so deleting needs `force=true` (no trash)."""

from __future__ import annotations

import copy
import re

from sandbox.woocommerce.generator.customers import avatar_url
from sandbox.woocommerce.rest import WooError
from sandbox.woocommerce.services.common import invalid_param, merged_address, merged_meta, missing_param
from sandbox.woocommerce.store import Store

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_TAKEN = ("An account is already registered with your email address. "
               '<a href="#" class="showlogin">Please log in.</a>')


def _check_email(store: Store, email, own_id: int | None) -> str:
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise invalid_param("email", "Invalid email address.")
    owner = store.customers.find_email(email)
    if owner is not None and owner != own_id:
        raise WooError(400, "registration-error-email-exists", EMAIL_TAKEN)
    return email


def create(store: Store, body: dict) -> dict:
    if body.get("id"):
        raise WooError(400, "woocommerce_rest_customer_exists", "Cannot create existing resource.")
    if not body.get("email"):
        raise missing_param("email")
    with store.lock:
        email = _check_email(store, body["email"], None)
        now = store.now()
        raw = {"id": store.new_user_id(), "email": email, "first_name": "", "last_name": "", "role": "customer",
               "username": str(body.get("username") or email.split("@")[0]),
               "billing": merged_address(None, None, True), "shipping": merged_address(None, None, False),
               "is_paying_customer": False, "avatar_url": avatar_url(email), "meta_data": [],
               "_ts": {"created": now, "modified": now}}
        _apply(store, raw, body)
        store.customers.put(raw)
        store.emit("customer.created", raw["id"])
        return raw


def update(store: Store, cid: int, body: dict) -> dict:
    with store.lock:
        current = store.customers.get(cid)
        if current is None:
            raise WooError(400, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        raw = copy.deepcopy(current)
        if "email" in body:
            raw["email"] = _check_email(store, body["email"], cid)
            raw["avatar_url"] = avatar_url(raw["email"])
        _apply(store, raw, body)
        raw["_ts"]["modified"] = max(store.now(), raw["_ts"]["modified"])
        store.customers.put(raw)
        store.emit("customer.updated", cid)
        return raw


def delete(store: Store, cid: int, force: bool) -> dict:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing.")
    with store.lock:
        current = store.customers.get(cid)
        if current is None:
            raise WooError(400, "woocommerce_rest_invalid_id", "Invalid resource id.")
        store.customers.remove(cid)
        store.emit("customer.deleted", cid)
        return current


def _apply(store: Store, raw: dict, body: dict) -> None:
    for name in ("first_name", "last_name"):
        if name in body and body[name] is not None:
            raw[name] = str(body[name])
    raw["billing"] = merged_address(raw["billing"], body.get("billing"), True)
    raw["shipping"] = merged_address(raw["shipping"], body.get("shipping"), False)
    if "meta_data" in body:
        raw["meta_data"] = merged_meta(raw["meta_data"], body["meta_data"], store.new_item_id)
