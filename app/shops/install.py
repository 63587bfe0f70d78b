"""Connecting a shop by Shoptet's addon install.

1. An owner asks to connect (`start_install`): a single-use nonce is stored and signed into a state.
2. Shoptet calls the hub's install URL with a one-time `code` (and the state comes back with it):
   `claim_state` checks the state (signature, age, nonce unused), `exchange_code` trades the code for
   the permanent OAuth token (the client's Authlib exchange), `complete_install` stores it encrypted and
   creates (or reconnects) the shop in the owner's organization; then the hub registers its webhooks,
   renews the signature key and starts the first full imports.
A forged state fails the signature; a replayed one finds its nonce used: neither does anything.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.crypto import encrypt
from app.shops.models import Shop, ShopInstall
from app.shoptet import Installation, ShoptetError, exchange_install_code
from app.sync.ledger import KINDS

STATE_MAX_AGE = timedelta(hours=1)
WEBHOOK_EVENTS = (
    "job:finished", "order:create", "order:update", "order:delete", "customer:create", "customer:update",
    "customer:delete", "product:create", "product:update", "product:delete", "stock:movement",
)


class InstallError(ValueError):
    """The install cannot go ahead; the message says why (shown to the owner)."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shoptet-install")


def start_install(session: Session, org_id: int, user_id: int) -> str:
    """A signed state for this owner's connection; valid for an hour, once."""
    install = ShopInstall(organization_id=org_id, user_id=user_id, nonce=secrets.token_urlsafe(24),
                          expires_at=datetime.now(UTC) + STATE_MAX_AGE)
    session.add(install)
    session.flush()
    return _serializer().dumps({"install": install.id, "nonce": install.nonce})


def claim_state(session: Session, state: str) -> ShopInstall:
    try:
        data = _serializer().loads(state or "", max_age=int(STATE_MAX_AGE.total_seconds()))
    except BadSignature:
        raise InstallError("This install link is not valid (forged or expired). Start again from the hub.") from None
    install = session.execute(select(ShopInstall).where(ShopInstall.id == data.get("install"))
                              .with_for_update()).scalar_one_or_none()
    if install is None or not secrets.compare_digest(install.nonce, str(data.get("nonce"))):
        raise InstallError("This install link is not valid. Start again from the hub.")
    if install.used_at is not None:
        raise InstallError("This install link was already used.")
    if install.expires_at < datetime.now(UTC):
        raise InstallError("This install link has expired. Start again from the hub.")
    install.used_at = datetime.now(UTC)
    return install


def exchange_code(code: str, redirect_uri: str) -> Installation:
    """Trade the single-use install code for the permanent OAuth token (and the shop's identity).

    Config: SHOPTET_CLIENT_ID, SHOPTET_CLIENT_SECRET and SHOPTET_OAUTH_URL (the partner e-shop, whose
    OAuth server issues tokens).
    """
    config = current_app.config
    try:
        return exchange_install_code(config["SHOPTET_OAUTH_URL"], client_id=config["SHOPTET_CLIENT_ID"],
                                     client_secret=config["SHOPTET_CLIENT_SECRET"], code=code,
                                     redirect_uri=redirect_uri)
    except ShoptetError as exc:
        raise InstallError(f"Shoptet did not accept the install code ({exc}). Install the addon again.") from exc


def complete_install(session: Session, install: ShopInstall, installation: Installation) -> Shop:
    """Create or reconnect the shop in the install's organization with the new OAuth token."""
    eshop_id = installation.eshop_id
    shop = session.execute(select(Shop).where(Shop.organization_id == install.organization_id,
                                              Shop.platform == "shoptet", Shop.external_id == eshop_id)
                           ).scalar_one_or_none()
    url = (installation.eshop_url or "").rstrip("/")
    if shop is None:
        shop = Shop(organization_id=install.organization_id, platform="shoptet", external_id=eshop_id,
                    name=url.split("//")[-1] or f"Shoptet {eshop_id}", url=url)
        session.add(shop)
    shop.auth_mode = "oauth"
    shop.oauth_url = current_app.config["SHOPTET_OAUTH_URL"].rstrip("/")
    shop.api_token_encrypted = encrypt(installation.oauth_token)
    shop.status, shop.status_reason = "active", None
    if current_app.config.get("SHOPTET_API_URL"):
        shop.api_url = current_app.config["SHOPTET_API_URL"]
    session.flush()
    install.shop_id = shop.id
    record(session, organization_id=shop.organization_id, actor_id=install.user_id, action="shop.connected",
           target_type="shop", target_id=shop.id, eshop_id=eshop_id)
    return shop


def register_webhooks(client, shop: Shop, hook_url: str) -> None:
    """Every event the hub follows points at this shop's endpoint; a fresh signature key is stored."""
    existing = {hook["event"]: hook for hook in client.iter_webhooks()}
    for hook in existing.values():
        if hook["event"] in WEBHOOK_EVENTS and hook["url"] != hook_url:
            client.delete_webhook(hook["id"], missing_ok=True)
    missing = [{"event": event, "url": hook_url} for event in WEBHOOK_EVENTS
               if event not in existing or existing[event]["url"] != hook_url]
    if missing:
        client.register_webhooks(missing)
    shop.webhook_key_encrypted = encrypt(client.renew_signature_key())


def start_first_imports(session: Session, shop: Shop, actor_id: int | None) -> None:
    from app.sync.services import start_import

    for kind in KINDS:
        start_import(session, shop, kind, actor_id=actor_id)
