"""The hub's changes going to a Shoptet shop: order statuses (bulk, ≤ 100 a call), stock (≤ 300 a call,
absolute `quantity`), texts per language (`PATCH /api/products/{guid}?language=`). Prices go through
Shoptet's price lists, which the client does not write yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.channels.base import ChannelError, PushResult, ShopWriter
from app.channels.shoptet.api import client_for_shop
from app.shoptet import ShoptetError

# The hub's text fields → Shoptet's product fields.
TEXT_FIELDS = {"name": "name", "short_description": "shortDescription", "description": "description",
               "meta_title": "metaTitle", "meta_description": "metaDescription", "additional_name": "additionalName"}


def _failure(item) -> str:
    return f"{item.message} ({item.error_code})"


class ShoptetWriter(ShopWriter):
    title = "Shoptet"

    def __init__(self, shop):
        self.client = client_for_shop(shop)

    def __exit__(self, *exc) -> None:
        self.client.close()

    def set_order_status(self, codes: list[str], status_id: int) -> PushResult:
        try:
            result = self.client.set_orders_status(codes, status_id)
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet refused the change: {exc}", retryable=exc.retryable) from exc
        failed = {code: _failure(item) for code, item in result.failed.items()}
        return PushResult(changed=result.succeeded, failed=failed)

    def set_stock(self, stock_id: int, amounts: Mapping[str, Any]) -> PushResult:
        try:
            result = self.client.update_stock(stock_id, [{"productCode": code, "quantity": float(amount)}
                                                         for code, amount in amounts.items()])
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet refused the stock: {exc}", retryable=exc.retryable) from exc
        failed = {code: _failure(item) for code, item in result.failed.items()}
        return PushResult(changed=[code for code in amounts if code not in failed], failed=failed)

    def set_texts(self, language: str, texts: Mapping[str, Mapping[str, Any]]) -> PushResult:
        result = PushResult()
        for guid, fields in texts.items():
            data = {TEXT_FIELDS[name]: value for name, value in fields.items()}
            try:
                self.client.update_product(guid, data, language=language)
            except ShoptetError as exc:
                result.failed[guid] = str(exc)
            else:
                result.changed.append(guid)
        return result
