"""A Shoptet client for a shop, built from its stored (encrypted) credentials."""

from __future__ import annotations

from app.shops.models import Shop
from app.shops.services import api_token
from app.shoptet import ShoptetClient


class MissingCredentials(RuntimeError):
    """The shop has no usable API token; connect it again."""


def client_for_shop(shop: Shop, **options) -> ShoptetClient:
    token = api_token(shop)
    if not token:
        raise MissingCredentials(f"Shop {shop.name} has no API token: add a private token or reconnect the addon.")
    return ShoptetClient.with_private_token(token, base_url=shop.api_url, **options)
