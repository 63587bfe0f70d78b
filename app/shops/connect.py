"""One way to connect a shop: the addon install, `make demo` and `flask hub shop-add` all come here.

`connect_shop` stores the credentials (encrypted) on a new shop or the one already connected, reads the
shop's facts from its API where it can (currency, languages, time zone, name, today's exchange rates),
registers the webhooks with their signing secret kept on the shop, and starts the first full import of every
kind never imported yet (the scheduler only follows kinds a full import has given a watermark). What the
operator gave wins over the API's facts; a currency nobody gave (the API unreachable) is refused, never
guessed. What could not be done (webhooks with the API down, imports without a token) is returned as
warnings. Flush, never commit: the caller commits, and the imports are enqueued once it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.channels import channel_named
from app.channels.base import ChannelError, ShopFacts
from app.money.rates import rates_day, record_rates
from app.security import is_http_url
from app.shops.models import Shop
from app.shops.services import ShopError, check_shop_url, create_shop, find_shop
from app.sync.ledger import KINDS, LedgerError
from app.sync.models import SyncCursor
from app.sync.services import start_import
from app.webhooks.urls import webhook_url

# Catalog first; customers before their orders, orders before the credit notes that refund them.
FIRST_IMPORT_ORDER = ("products", "customers", "orders", "credit_notes")
assert set(FIRST_IMPORT_ORDER) == set(KINDS)


@dataclass
class Connected:
    shop: Shop
    created: bool
    imports: list[str] = field(default_factory=list)  # kinds whose first full import started now
    warnings: list[str] = field(default_factory=list)


def connect_shop(session: Session, org_id: int, platform: str, credentials, *, name: str | None = None,
                 url: str | None = None, api_url: str | None = None, languages: list[str] | None = None,
                 currency: str | None = None, actor_id: int | None = None) -> Connected:
    """Connect (or reconnect) the platform's shop `credentials.external_id` in the organization."""
    channel = channel_named(platform)
    shop = find_shop(session, org_id, platform, credentials.external_id)
    created = shop is None
    if created:
        fallback_name = (url or "").rstrip("/").split("//")[-1] or f"{channel.title} {credentials.external_id}"
        shop = create_shop(session, org_id, channel, credentials, name=name or fallback_name, url=url or "",
                           api_url=api_url, languages=languages, currency=currency or "CZK", actor_id=actor_id)
    else:
        check_shop_url(url)
        channel.attach(shop, credentials, api_url=api_url)
        shop.status, shop.status_reason = "active", None
        if url:
            shop.url = url.rstrip("/")
        session.flush()
        record(session, organization_id=org_id, actor_id=actor_id, action="shop.connected", target_type="shop",
               target_id=shop.id, platform=platform, external_id=credentials.external_id)
    result = Connected(shop, created)
    try:
        facts, reachable = channel.shop_facts(shop), True
    except ChannelError as exc:
        if created and not currency:
            raise ShopError(f"The shop's currency could not be read from {channel.title} ({exc}): check the "
                            "credentials and the API URL, or give the currency (--currency).") from exc
        facts, reachable = ShopFacts(), False
        result.warnings.append(f"The shop's facts could not be read from {channel.title}: {exc}")
    _apply_facts(shop, facts, languages=languages, currency=currency)
    if created and not name and facts.name:
        shop.name = facts.name
    session.flush()
    if reachable:
        record_rates(session, shop.id, shop.currency, facts.currencies, rates_day(shop))
    try:
        if not reachable:
            raise ChannelError(f"{channel.title} could not be reached")
        channel.register_webhooks(shop, webhook_url(shop))
    except ChannelError as exc:
        result.warnings.append(f"Webhooks were not registered ({exc}); until the shop is connected again, it is "
                               "only as current as its sync interval.")
    session.flush()
    for kind in _never_imported(session, shop, channel.kinds):
        try:
            start_import(session, shop, kind, actor_id=actor_id)
        except LedgerError as exc:
            result.warnings.append(f"The first import of {kind} was not started: {exc}")
        else:
            result.imports.append(kind)
    return result


def _apply_facts(shop: Shop, facts: ShopFacts, *, languages: list[str] | None, currency: str | None) -> None:
    """What the operator gave wins; then the API's facts; else what the shop had."""
    codes = languages or list(facts.languages)
    if codes:
        shop.default_language, shop.languages = codes[0], ",".join(codes)
    if currency or facts.currency:
        shop.currency = (currency or facts.currency).upper()[:3]
    if facts.timezone:
        shop.timezone = facts.timezone
    if facts.url and not shop.url and is_http_url(facts.url):  # the platform's word is input too
        shop.url = facts.url


def _never_imported(session: Session, shop: Shop, kinds: tuple[str, ...]) -> list[str]:
    """Kinds the channel imports without a watermark: no full import has finished for them."""
    imported = set(session.execute(select(SyncCursor.stream).where(
        SyncCursor.shop_id == shop.id, SyncCursor.watermark.is_not(None))).scalars())
    return [kind for kind in FIRST_IMPORT_ORDER if kind in kinds and kind not in imported]
