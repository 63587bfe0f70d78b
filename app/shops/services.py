"""Add and change shops. Credentials are encrypted before they touch the session. Flush, never commit.

`add_shop` only stores a shop; connecting one (facts from its API, webhooks, first imports) is the connect
service's (connect.py), which the addon install, the demo and `flask hub shop-add` all go through.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.channels import Channel, UnknownPlatform, channel_named
from app.crypto import decrypt
from app.orgs.models import Organization
from app.security import is_http_url
from app.shops.models import Shop
from app.sync import ledger
from app.sync.models import ACTIVE_STATUSES, SyncRun

DEFAULT_PLATFORM = "shoptet"  # the `shops.platform` column's default: the hub's first platform


class ShopError(ValueError):
    """Bad input for a shop; the message says what to fix."""


def language_codes(languages: str | None) -> list[str]:
    return [code.strip() for code in (languages or "").split(",") if code.strip()]


def channel_and_credentials(platform: str, values: dict) -> tuple[Channel, object]:
    """The platform's channel and the credentials it makes of an operator's input; ShopError if either is bad."""
    try:
        channel = channel_named(platform)
        return channel, channel.credentials(values)
    except (UnknownPlatform, ValueError) as exc:
        raise ShopError(str(exc)) from None


def create_shop(session: Session, org_id: int, channel: Channel, credentials, *, name: str, url: str = "",
                api_url: str | None = None, languages: list[str] | None = None, currency: str = "CZK",
                actor_id: int | None = None) -> Shop:
    if session.get(Organization, org_id) is None:
        raise ShopError(f"There is no organization with id {org_id}.")
    name = (name or "").strip()
    if not name:
        raise ShopError("A shop needs a name.")
    if find_shop(session, org_id, channel.platform, credentials.external_id) is not None:
        raise ShopError(f"{channel.title} shop {credentials.external_id} is already connected to this organization.")
    check_shop_url(url)
    codes = languages or ["cs"]
    shop = Shop(organization_id=org_id, name=name, platform=channel.platform, url=(url or "").rstrip("/"),
                default_language=codes[0], languages=",".join(codes), currency=currency.upper()[:3])
    channel.attach(shop, credentials, api_url=api_url)
    session.add(shop)
    session.flush()
    record(session, organization_id=org_id, actor_id=actor_id, action="shop.added", target_type="shop",
           target_id=shop.id, name=name, platform=channel.platform, external_id=credentials.external_id)
    return shop


def check_shop_url(url: str | None) -> None:
    """A shop's address is shown as a link: only http(s) (never `javascript:`)."""
    if url and not is_http_url(url):
        raise ShopError(f"The shop's URL must start with http:// or https:// (got {url[:80]!r}).")


def add_shop(session: Session, org_id: int, *, name: str, url: str = "", api_url: str | None = None,
             languages: str = "cs", currency: str = "CZK", actor_id: int | None = None,
             platform: str = DEFAULT_PLATFORM, **credentials) -> Shop:
    """Store a shop with its credentials (by the channel's names, e.g. `eshop_id`, `private_token`); its API
    is not asked anything."""
    channel, parsed = channel_and_credentials(platform, {"url": url, **credentials})  # a store is known by its URL
    return create_shop(session, org_id, channel, parsed, name=name, url=url, api_url=api_url,
                       languages=language_codes(languages), currency=currency, actor_id=actor_id)


def find_shop(session: Session, org_id: int, platform: str, external_id: int) -> Shop | None:
    return session.execute(select(Shop).where(Shop.organization_id == org_id, Shop.platform == platform,
                                              Shop.external_id == external_id)).scalar_one_or_none()


def api_token(shop: Shop) -> str | None:
    return decrypt(shop.api_token_encrypted)


def disconnect(session: Session, shop: Shop, *, reason: str, actor_id: int | None = None) -> None:
    """Stop syncing the shop and keep its data: active runs are cancelled, the scheduler skips it."""
    if shop.status == "disconnected":
        return
    shop.status, shop.status_reason = "disconnected", reason
    for run in session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id,
                                                     SyncRun.status.in_(ACTIVE_STATUSES))).scalars():
        ledger.cancel(session, run)
    record(session, organization_id=shop.organization_id, actor_id=actor_id, action="shop.disconnected",
           target_type="shop", target_id=shop.id, reason=reason)
