"""Connecting a store by WooCommerce's app authorization (`/wc-auth/v1/authorize`, API_NOTES §2).

1. An owner gives the store's address (`start`): a single-use nonce is stored (the install row Shoptet's
   addon install uses too) and signed, with the address, into a state; the owner is sent to the store's
   authorization page with that state as WooCommerce's `user_id`.
2. The merchant approves; the store POSTs the new key to the hub's callback with the `user_id` it was
   given: `claim` checks the state (signature, age, nonce unused: a forged or replayed callback does
   nothing), and the route connects the store in the owner's organization through the one connect service
   (keys encrypted, facts, webhooks, first imports).
3. The store sends the owner back to the return URL (`success=1`), which shows the connected shop.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.channels.woocommerce.api import normalized_url
from app.shops.models import ShopInstall

STATE_MAX_AGE = timedelta(hours=1)
APP_NAME = "Commerce Hub"
SCOPE = "read_write"


class AuthorizationError(ValueError):
    """The authorization cannot go ahead; the message says why (shown to the owner)."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="woocommerce-wc-auth")


def start(session: Session, org_id: int, user_id: int | None, store_url: str, *, callback_url: str,
          return_url: str) -> str:
    """The store's authorization page for this owner (ValueError for an address that is not a store's)."""
    url = normalized_url(store_url)
    install = ShopInstall(organization_id=org_id, user_id=user_id, nonce=secrets.token_urlsafe(24),
                          expires_at=datetime.now(UTC) + STATE_MAX_AGE)
    session.add(install)
    session.flush()
    state = _serializer().dumps({"install": install.id, "nonce": install.nonce, "url": url})
    query = urlencode({"app_name": APP_NAME, "scope": SCOPE, "user_id": state, "return_url": return_url,
                       "callback_url": callback_url})
    return f"{url}/wc-auth/v1/authorize?{query}"


def _load(state: str) -> dict:
    try:
        return _serializer().loads(state or "", max_age=int(STATE_MAX_AGE.total_seconds()))
    except BadSignature:
        raise AuthorizationError("This authorization is not valid (forged or expired). Start again from the "
                                 "hub.") from None


def claim(session: Session, state: str) -> tuple[ShopInstall, str]:
    """The install row and the store's address of a valid, unused state; marks it used."""
    data = _load(state)
    install = session.execute(select(ShopInstall).where(ShopInstall.id == data.get("install"))
                              .with_for_update()).scalar_one_or_none()
    if install is None or not secrets.compare_digest(install.nonce, str(data.get("nonce"))):
        raise AuthorizationError("This authorization is not valid. Start again from the hub.")
    if install.used_at is not None:
        raise AuthorizationError("This authorization was already used.")
    if install.expires_at < datetime.now(UTC):
        raise AuthorizationError("This authorization has expired. Start again from the hub.")
    install.used_at = datetime.now(UTC)
    return install, str(data["url"])


def returned(session: Session, state: str) -> ShopInstall:
    """The install row of the owner coming back from the store (its shop is set once the keys came)."""
    data = _load(state)
    install = session.get(ShopInstall, data.get("install"))
    if install is None or not secrets.compare_digest(install.nonce, str(data.get("nonce"))):
        raise AuthorizationError("This authorization is not valid. Start again from the hub.")
    return install
