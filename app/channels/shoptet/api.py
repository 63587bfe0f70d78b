"""A Shoptet client for a shop, built from its stored (encrypted) credentials.

Private-token shops send the token as is; addon (OAuth) shops trade their OAuth token for 30-minute access
tokens, shared by every hub process through Redis (token_cache.py). Every client reports its answers to the
shop's API budget (budget.py).
"""

from __future__ import annotations

from flask import current_app

from app.channels.base import MissingCredentials
from app.channels.shoptet.budget import ApiBudgetRecorder
from app.channels.shoptet.token_cache import RedisTokenCache
from app.shops.models import Shop
from app.shops.services import api_token
from app.shoptet import ShoptetClient

API_URL = "https://api.myshoptet.com"


def client_for_shop(shop: Shop, **options) -> ShoptetClient:
    token = api_token(shop)
    if not token:
        raise MissingCredentials(f"Shop {shop.name} has no API token: add a private token or reconnect the addon.")
    redis = current_app.extensions["redis"]
    options.setdefault("on_response", ApiBudgetRecorder(redis, shop.id))
    base_url = shop.api_url or API_URL
    if shop.auth_mode == "oauth":
        return ShoptetClient.with_oauth_token(token, shop.oauth_url, cache=RedisTokenCache(redis),
                                              base_url=base_url, **options)
    return ShoptetClient.with_private_token(token, base_url=base_url, **options)
