"""The hub's changes going to a Shoptet shop: order statuses (bulk, ≤ 100 a call), stock (≤ 300 a call,
absolute `quantity`, or relative `amountChange` for the master shop's pool), texts per language
(`PATCH /api/products/{guid}?language=`), a product's visibility (the same PATCH, no language), prices through
the shop's default price list (`PATCH /api/pricelists/{id}`, ≤ 300 a call, `price.price` as the shop enters
it; product updates carry no prices)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
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
        return _pushed(amounts, "the stock", lambda: self.client.update_stock(
            stock_id, [{"productCode": code, "quantity": float(amount)} for code, amount in amounts.items()]))

    def move_stock(self, stock_id: int, changes: Mapping[str, Any]) -> PushResult:
        return _pushed(changes, "the stock movement", lambda: self.client.update_stock(
            stock_id, [{"productCode": code, "amountChange": float(change)} for code, change in changes.items()]))

    def stock_position(self, stock_id: int) -> int:
        try:
            return int(self.client.get_last_stock_movement(stock_id).get("lastId") or 0)
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet's stock log could not be read: {exc}", retryable=exc.retryable) from exc

    def api_stock_moves(self, stock_id: int, after: int) -> dict[str, Decimal]:
        """Changes by the API (`changedBy` is neither the admin nor a customer: an API service's e-mail)."""
        moved: dict[str, Decimal] = defaultdict(Decimal)
        try:
            for movement in self.client.iter_stock_movements(stock_id, last_id=after):
                if movement.get("changedBy") not in ("admin", "customer"):
                    moved[movement["productCode"]] += Decimal(str(movement.get("amountChange") or 0))
        except ShoptetError as exc:
            raise ChannelError(f"Shoptet's stock log could not be read: {exc}", retryable=exc.retryable) from exc
        return dict(moved)

    def set_prices(self, prices: Mapping[str, Any]) -> PushResult:
        rows = [{"code": code, "price": {"price": f"{Decimal(price):.2f}"}} for code, price in prices.items()]
        return _pushed(prices, "the prices",
                       lambda: self.client.update_pricelist(self.client.default_pricelist_id(), rows))

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

    def set_visibility(self, visibility: Mapping[str, str]) -> PushResult:
        result = PushResult()
        for guid, value in visibility.items():
            try:
                self.client.update_product(guid, {"visibility": value})
            except ShoptetError as exc:
                result.failed[guid] = str(exc)
            else:
                result.changed.append(guid)
        return result


def _pushed(values: Mapping[str, Any], what: str, send) -> PushResult:
    """Send a bulk write; a refused call is a ChannelError, the rows Shoptet refused are `failed`, the rest changed."""
    try:
        result = send()
    except ShoptetError as exc:
        raise ChannelError(f"Shoptet refused {what}: {exc}", retryable=exc.retryable) from exc
    failed = {code: _failure(item) for code, item in result.failed.items()}
    return PushResult(changed=[code for code in values if code not in failed], failed=failed)
