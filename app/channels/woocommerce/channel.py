"""`WooCommerceChannel`: the protocol of app/channels/base.py, implemented by this package's modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from app.channels.base import (
    ChangeBatch,
    Channel,
    ChannelError,
    EventMeaning,
    FullSource,
    ImportContext,
    InboundEvent,
    ShopFacts,
    StockBatch,
)
from app.channels.woocommerce import api, mapping, reader, statuses, webhooks
from app.channels.woocommerce.api import WooCredentials, client_for_shop
from app.channels.woocommerce.routes import bp
from app.channels.woocommerce.writes import WooWriter
from app.woocommerce import WooError


def _channel_error(exc: WooError) -> ChannelError:
    return ChannelError(f"WooCommerce: {exc}", retryable=exc.retryable)


class WooCommerceChannel(Channel):
    platform = "woocommerce"
    title = "WooCommerce"
    feed_history = None  # a `modified_after` walk reaches any date
    blueprint = bp

    def credentials(self, values: Mapping[str, Any]) -> WooCredentials:
        return api.credentials_from(values)

    def attach(self, shop, credentials: WooCredentials, *, api_url: str | None = None) -> None:
        api.attach(shop, credentials, api_url)

    def shop_facts(self, shop) -> ShopFacts:
        try:
            return api.shop_facts(shop)
        except WooError as exc:
            raise _channel_error(exc) from exc

    def register_webhooks(self, shop, url: str) -> None:
        try:
            with client_for_shop(shop) as client:
                webhooks.register(client, shop, url)
        except WooError as exc:
            raise _channel_error(exc) from exc

    def record_mapper(self, shop, kind: str, language: str | None = None) -> Callable[[dict], Any]:
        return mapping.mapper_for(kind, shop, language)

    def full_import(self, shop, kind: str, context: ImportContext) -> FullSource:
        return reader.full_import(shop, kind, context)

    def changes(self, shop, kind: str, since: datetime) -> Iterator[ChangeBatch]:
        return reader.changes(shop, kind, since)

    def stock_changes(self, shop, position_of: Callable[[str], int | None]) -> Iterator[StockBatch]:
        return reader.stock_changes(shop, position_of)

    def verify_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> bool:
        return webhooks.verify(shop, body, headers)

    def parse_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> InboundEvent | None:
        return webhooks.parse(shop, body, headers)

    def classify(self, event: str) -> EventMeaning:
        return webhooks.classify(event)

    def writer(self, shop) -> WooWriter:
        return WooWriter(shop)

    def normalized_status(self, status_id: int | None, status_name: str | None) -> str:
        return statuses.normalized_status(status_id, status_name)

    def explain(self, exc: Exception) -> tuple[bool, str] | None:
        if isinstance(exc, WooError):
            return exc.retryable, f"WooCommerce: {exc}"
        return None
