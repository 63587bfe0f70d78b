"""Connecting a shop by Shoptet's addon install.

1. An owner asks to connect (`start_install`): a single-use nonce is stored and signed into a state.
2. Shoptet calls the hub's install URL with a one-time `code` (and the state comes back with it):
   `claim_state` checks the state (signature, age, nonce unused), `exchange_code` trades the code for
   the permanent OAuth token (the client's Authlib exchange); the route then connects the shop in the
   owner's organization through the one connect service (app/shops/connect.py): token stored encrypted,
   facts read, webhooks registered with their signature key, first full imports started.
A forged state fails the signature; a replayed one finds its nonce used: neither does anything.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.shops.models import ShopInstall
from app.shoptet import Installation, ShoptetError, exchange_install_code

STATE_MAX_AGE = timedelta(hours=1)


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
