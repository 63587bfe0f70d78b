"""Reaching a Shoptet shop: its credentials, a client built from them, and the shop's facts.

Private-token shops send the token as is; addon (OAuth) shops trade their OAuth token for 30-minute access
tokens, shared by every hub process through Redis (token_cache.py). Every client reports its answers to the
shop's API budget (budget.py). Tokens are stored encrypted (app/crypto.py) and never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app

from app.channels.base import CurrencyRate, MissingCredentials, ShopFacts
from app.channels.shoptet.budget import ApiBudgetRecorder
from app.channels.shoptet.token_cache import RedisTokenCache
from app.crypto import decrypt, encrypt
from app.shops.models import Shop
from app.shoptet import ShoptetClient

API_URL = "https://api.myshoptet.com"


def client_for_shop(shop: Shop, **options) -> ShoptetClient:
    token = decrypt(shop.api_token_encrypted)
    if not token:
        raise MissingCredentials(f"Shop {shop.name} has no API token: add a private token or reconnect the addon.")
    redis = current_app.extensions["redis"]
    options.setdefault("on_response", ApiBudgetRecorder(redis, shop.id))
    base_url = shop.api_url or API_URL
    if shop.auth_mode == "oauth":
        return ShoptetClient.with_oauth_token(token, shop.oauth_url, cache=RedisTokenCache(redis),
                                              base_url=base_url, **options)
    return ShoptetClient.with_private_token(token, base_url=base_url, **options)


@dataclass(frozen=True)
class ShoptetCredentials:
    """An e-shop (its `eshopId`) and the token the hub calls it with: a private API token, or the addon's
    OAuth token with the partner e-shop's OAuth server that trades it for access tokens."""

    external_id: int
    token: str | None
    oauth_url: str | None = None

    def __repr__(self) -> str:  # never a token in a log line or a traceback
        return f"ShoptetCredentials(external_id={self.external_id}, oauth={self.oauth_url is not None})"


def credentials_from(values: Mapping[str, Any]) -> ShoptetCredentials:
    """From an operator's input: `eshop_id` and `private_token` (`flask hub shop-add` options)."""
    try:
        eshop_id = int(values.get("eshop_id") or 0)
    except (TypeError, ValueError):
        eshop_id = 0
    if eshop_id <= 0:
        raise ValueError("A Shoptet shop needs its eshop id (--eshop-id), a positive number: Shoptet admin → "
                         "Settings → Basic info.")
    return ShoptetCredentials(eshop_id, values.get("private_token") or None)


def attach(shop: Shop, credentials: ShoptetCredentials, api_url: str | None) -> None:
    shop.external_id = credentials.external_id
    shop.auth_mode = "oauth" if credentials.oauth_url else "private"
    shop.oauth_url = credentials.oauth_url.rstrip("/") if credentials.oauth_url else None
    shop.api_token_encrypted = encrypt(credentials.token) if credentials.token else None
    shop.api_url = (api_url or shop.api_url or API_URL).rstrip("/")


def shop_facts(shop: Shop) -> ShopFacts:
    """`GET /api/eshop`: name, address, base currency, languages (default first; the shop's one language
    when the languages module is off) and time zone."""
    with client_for_shop(shop) as client:
        eshop = client.get_eshop()
    contact, settings = eshop.get("contactInformation") or {}, eshop.get("settings") or {}
    currency = next((c.get("code") for c in eshop.get("currencies") or [] if c.get("isDefault")), None)
    listed = sorted(eshop.get("languages") or [],
                    key=lambda lang: (not lang.get("isDefault"), lang.get("priority") or 0))
    languages = tuple(lang["code"] for lang in listed if lang.get("code"))
    if not languages and settings.get("eshopLanguage"):
        languages = (settings["eshopLanguage"],)
    return ShopFacts(name=contact.get("eshopName"), url=(contact.get("url") or "").rstrip("/") or None,
                     currency=currency, languages=languages, timezone=settings.get("timezone"),
                     currencies=currency_rates(eshop))


def currency_rates(eshop: dict) -> tuple[CurrencyRate, ...]:
    """`currencies[]` as base-currency units per unit of each. Shoptet writes a CZK shop's EUR rate as CZK per
    EUR (25.3); `settings.exchangeRateFlip` says a shop writes it the other way round (EUR per CZK), and such a
    rate is inverted here (the flag's meaning is read from its name and the spec's note that CZ and SK shops
    write rates differently; no example of a flipped shop was at hand)."""
    flipped = bool((eshop.get("settings") or {}).get("exchangeRateFlip"))
    rates = []
    for entry in eshop.get("currencies") or []:
        code = entry.get("code")
        try:
            rate = Decimal(str(entry.get("exchangeRate") or "1"))
        except InvalidOperation:
            continue
        if not code or not rate.is_finite() or rate <= 0:
            continue
        if entry.get("isDefault"):
            rate = Decimal(1)
        elif flipped:
            rate = (Decimal(1) / rate).quantize(Decimal("0.00000001"))
        decimals = entry.get("priceDecimalPlaces")
        rates.append(CurrencyRate(code.upper(), rate, decimals if isinstance(decimals, int) else None,
                                  entry.get("rounding") if isinstance(entry.get("rounding"), str) else None))
    return tuple(rates)
