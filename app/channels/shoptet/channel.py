"""`ShoptetChannel`: the protocol of app/channels/base.py, implemented by this package's modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

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
    StockLogBatch,
    VariantFacts,
)
from app.channels.shoptet import api, feeds, inventory, mapping, statuses, webhooks
from app.channels.shoptet.api import ShoptetCredentials, client_for_shop
from app.channels.shoptet.routes import bp
from app.channels.shoptet.snapshots import SnapshotFileSource, SnapshotSource
from app.channels.shoptet.writes import ShoptetWriter
from app.shoptet import JobFailed, ShoptetError


class ShoptetChannel(Channel):
    platform = "shoptet"
    title = "Shoptet"
    feed_history = timedelta(days=30)  # Shoptet keeps 30 days of changes (API_NOTES §3.2)
    blueprint = bp
    kinds = ("orders", "customers", "products", "credit_notes")

    def credentials(self, values: Mapping[str, Any]) -> ShoptetCredentials:
        return api.credentials_from(values)

    def attach(self, shop, credentials: ShoptetCredentials, *, api_url: str | None = None) -> None:
        api.attach(shop, credentials, api_url)

    def shop_facts(self, shop) -> ShopFacts:
        try:
            return api.shop_facts(shop)
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet: {exc}", retryable=exc.retryable) from exc

    def register_webhooks(self, shop, url: str) -> None:
        try:
            with client_for_shop(shop) as client:
                webhooks.register(client, shop, url)
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet: {exc}", retryable=exc.retryable) from exc

    def record_mapper(self, shop, kind: str, language: str | None = None) -> Callable[[dict], Any]:
        return mapping.mapper_for(kind, shop, language)

    def full_import(self, shop, kind: str, context: ImportContext) -> FullSource:
        return SnapshotSource(shop, kind, context, mapping.mapper_for(kind, shop, context.language))

    def file_import(self, shop, kind: str, path: str, context: ImportContext) -> FullSource:
        return SnapshotFileSource(path, mapping.mapper_for(kind, shop, context.language), context.checkpoint)

    def changes(self, shop, kind: str, since: datetime) -> Iterator[ChangeBatch]:
        return feeds.changes(shop, kind, since)

    def marketing_consents(self, shop):
        from app.channels.shoptet.consents import marketing_consents

        return marketing_consents(shop)

    def stock_changes(self, shop, position_of: Callable[[str], int | None]) -> Iterator[StockBatch]:
        return feeds.stock_changes(shop, position_of)

    def verify_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> bool:
        return webhooks.verify(shop, body, headers)

    def parse_webhook(self, shop, body: bytes, headers: Mapping[str, str]) -> InboundEvent | None:
        return webhooks.parse(shop, body)

    def classify(self, event: str) -> EventMeaning:
        return webhooks.classify(event)

    def writer(self, shop) -> ShoptetWriter:
        return ShoptetWriter(shop)

    def normalized_status(self, status_id: int | None, status_name: str | None) -> str:
        return statuses.normalized_status(status_id, status_name)

    def explain(self, exc: Exception) -> tuple[bool, str] | None:
        if isinstance(exc, JobFailed):
            return True, f"Shoptet's snapshot job failed ({exc}); a new one will be requested."
        if isinstance(exc, ShoptetError):
            return getattr(exc, "retryable", False), f"Shoptet: {exc}"
        if isinstance(exc, httpx.TransportError):
            return True, f"Network error while downloading the snapshot: {exc!r}"
        if isinstance(exc, httpx.HTTPStatusError):
            return exc.response.status_code >= 500, f"Snapshot download answered {exc.response.status_code}"
        return None

    def stock_log(self, shop, position_of: Callable[[int], int | None]) -> Iterator[StockLogBatch]:
        return inventory.stock_log(shop, position_of)

    def variant_facts(self, product_raw: dict, variant_raw: dict) -> VariantFacts:
        return inventory.variant_facts(product_raw, variant_raw)
