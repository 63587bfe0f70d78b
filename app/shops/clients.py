"""A Shoptet client for a shop, built from its stored (encrypted) credentials."""

from __future__ import annotations

from flask import current_app

from app.monitoring.budget import recorder_for_shop
from app.shops.models import Shop
from app.shops.services import api_token
from app.shops.token_cache import RedisTokenCache
from app.shoptet import ShoptetClient


class MissingCredentials(RuntimeError):
    """The shop has no usable API token; connect it again."""


def client_for_shop(shop: Shop, **options) -> ShoptetClient:
    token = api_token(shop)
    if not token:
        raise MissingCredentials(f"Shop {shop.name} has no API token: add a private token or reconnect the addon.")
    options.setdefault("on_response", recorder_for_shop(current_app.extensions["redis"], shop.id))  # monitoring
    if shop.auth_mode == "oauth":
        cache = RedisTokenCache(current_app.extensions["redis"])
        return ShoptetClient.with_oauth_token(token, shop.oauth_url, cache=cache, base_url=shop.api_url, **options)
    return ShoptetClient.with_private_token(token, base_url=shop.api_url, **options)
