"""Reaching a WooCommerce store: its credentials, a client built from them, and the store's facts.

A store is known by its home URL; the hub's `shops.external_id` (a number, the platform's id of the shop)
is derived from that URL, so connecting the same store again finds the same shop. The consumer key and
secret are stored encrypted together (app/crypto.py) and never logged. Over https the client sends them as
HTTP Basic, over plain http it signs OAuth 1.0a (what WooCommerce accepts there, API_NOTES §2).
"""

from __future__ import annotations

import hashlib
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import current_app

from app.channels.base import CurrencyRate, MissingCredentials, ShopFacts
from app.channels.woocommerce.budget import ApiBudgetRecorder
from app.crypto import decrypt, encrypt
from app.woocommerce import WooClient


def normalized_url(url: str) -> str:
    """`https://Shop.example/` → `https://shop.example` (scheme and host lower-cased, no trailing slash)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"A WooCommerce store needs its address (--url), e.g. https://shop.example; got {url!r}.")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def store_id(url: str) -> int:
    """The hub's number for a store: 63 bits of a hash of its address without the scheme (http and https of
    one store are the same store)."""
    address = normalized_url(url).split("://", 1)[1]
    return int.from_bytes(hashlib.sha256(address.encode()).digest()[:8], "big") >> 1


@dataclass(frozen=True)
class WooCredentials:
    """A store (its address, and the number the hub knows it by) and the REST API key the hub calls it with."""

    external_id: int
    url: str
    consumer_key: str
    consumer_secret: str

    def __repr__(self) -> str:  # never a key in a log line or a traceback
        return f"WooCredentials(url={self.url!r}, consumer_key={self.consumer_key[:7]}…)"


def credentials_from(values: Mapping[str, Any]) -> WooCredentials:
    """From an operator's input: `url`, `consumer_key`, `consumer_secret` (`flask hub shop-add` options)."""
    url = normalized_url(values.get("url") or "")
    key, secret = (values.get("consumer_key") or "").strip(), (values.get("consumer_secret") or "").strip()
    if not key.startswith("ck_") or not secret.startswith("cs_"):
        raise ValueError("A WooCommerce store needs a REST API key: --consumer-key ck_… and --consumer-secret cs_… "
                         "(WooCommerce → Settings → Advanced → REST API, permissions Read/Write).")
    return WooCredentials(store_id(url), url, key, secret)


def attach(shop, credentials: WooCredentials, api_url: str | None) -> None:
    shop.external_id = credentials.external_id
    shop.auth_mode = "keys"
    shop.oauth_url = None
    shop.api_token_encrypted = encrypt(json.dumps({"key": credentials.consumer_key,
                                                   "secret": credentials.consumer_secret}))
    if not shop.url:
        shop.url = credentials.url
    shop.api_url = normalized_url(api_url or shop.api_url or credentials.url)


def keys_of(shop) -> tuple[str, str]:
    stored = decrypt(shop.api_token_encrypted)
    if not stored:
        raise MissingCredentials(f"Shop {shop.name} has no WooCommerce key: connect the store again.")
    keys = json.loads(stored)
    return keys["key"], keys["secret"]


def client_for_shop(shop, **options) -> WooClient:
    key, secret = keys_of(shop)
    options.setdefault("on_response", ApiBudgetRecorder(current_app.extensions["redis"], shop.id))
    ca_file = current_app.config.get("WOOCOMMERCE_CA_FILE")
    if ca_file:
        options.setdefault("verify", ssl.create_default_context(cafile=ca_file))
    return WooClient(shop.api_url or shop.url, key, secret, **options)


def shop_facts(shop) -> ShopFacts:
    """`GET /settings/general`: the store's currency; WordPress's REST index `GET /wp-json/` (no
    authentication): the site's name and time zone (`timezone_string`, empty when the site is set to a bare
    UTC offset, which has no IANA name: then none). WooCommerce's REST API says nothing of a language."""
    with client_for_shop(shop) as client:
        settings = client.get("/settings/general")
        site = _site_index(client, shop)
    values = {item.get("id"): item.get("value") for item in settings if isinstance(item, dict)}
    currency = (values.get("woocommerce_currency") or "").upper() or None
    decimals = str(values.get("woocommerce_price_num_decimals"))
    rates = (CurrencyRate(currency, Decimal(1), int(decimals) if decimals.isdigit() else None),) if currency else ()
    timezone = site.get("timezone_string") if isinstance(site.get("timezone_string"), str) else None
    name = site.get("name") if isinstance(site.get("name"), str) else None
    return ShopFacts(name=name or None, url=shop.url or None, currency=currency, timezone=timezone or None,
                     currencies=rates)


def _site_index(client: WooClient, shop) -> dict:
    """The WordPress site's own description; {} when a host hides it (not needed to connect)."""
    try:
        response = client.transport.http.get(f"{(shop.api_url or shop.url).rstrip('/')}/wp-json/",
                                             headers={"Accept": "application/json"})
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
