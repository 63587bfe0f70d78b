"""Add and change shops. Tokens are encrypted before they touch the session. Flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.crypto import decrypt, encrypt
from app.orgs.models import Organization
from app.shops.models import SHOPTET_API_URL, Shop


class ShopError(ValueError):
    """Bad input for a shop; the message says what to fix."""


def add_shop(session: Session, org_id: int, *, name: str, eshop_id: int, url: str = "",
             private_token: str | None = None, api_url: str | None = None, languages: str = "cs",
             currency: str = "CZK", actor_id: int | None = None) -> Shop:
    if session.get(Organization, org_id) is None:
        raise ShopError(f"There is no organization with id {org_id}.")
    name = (name or "").strip()
    if not name:
        raise ShopError("A shop needs a name.")
    if eshop_id <= 0:
        raise ShopError("The Shoptet eshop id is a positive number (Shoptet admin → Settings → Basic info).")
    if session.execute(select(Shop.id).where(Shop.organization_id == org_id, Shop.platform == "shoptet",
                                             Shop.external_id == eshop_id)).first():
        raise ShopError(f"Shoptet shop {eshop_id} is already connected to this organization.")
    codes = [code.strip() for code in languages.split(",") if code.strip()] or ["cs"]
    shop = Shop(organization_id=org_id, name=name, platform="shoptet", external_id=eshop_id, url=url or "",
                api_url=(api_url or SHOPTET_API_URL).rstrip("/"), auth_mode="private",
                api_token_encrypted=encrypt(private_token) if private_token else None,
                default_language=codes[0], languages=",".join(codes), currency=currency.upper()[:3])
    session.add(shop)
    session.flush()
    record(session, organization_id=org_id, actor_id=actor_id, action="shop.added", target_type="shop",
           target_id=shop.id, name=name, eshop_id=eshop_id)
    return shop


def api_token(shop: Shop) -> str | None:
    return decrypt(shop.api_token_encrypted)


def disconnect(session: Session, shop: Shop, *, reason: str, actor_id: int | None = None) -> None:
    """Stop syncing the shop and keep its data: active runs are cancelled, the scheduler skips it."""
    from app.sync import ledger
    from app.sync.models import ACTIVE_STATUSES, SyncRun

    if shop.status == "disconnected":
        return
    shop.status, shop.status_reason = "disconnected", reason
    for run in session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id,
                                                     SyncRun.status.in_(ACTIVE_STATUSES))).scalars():
        ledger.cancel(session, run)
    record(session, organization_id=shop.organization_id, actor_id=actor_id, action="shop.disconnected",
           target_type="shop", target_id=shop.id, reason=reason)
