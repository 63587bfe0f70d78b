"""What inventory planning reads from Shoptet: the warehouses' movement logs (stock-out history) and each
variant's supplier and purchase price from the stored product snapshot lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from app.channels.base import StockLogBatch, VariantFacts
from app.channels.shoptet.api import client_for_shop

LOG_BATCH = 5000  # movements per batch handed to the caller (it commits each with the position)


def stock_log(shop, position_of: Callable[[int], int | None]) -> Iterator[StockLogBatch]:
    """The default warehouse's movements after its position, oldest first (`lastId` walk; from 0: all kept).
    Orders take their goods from the default warehouse, so its zero is when the shop cannot sell."""
    with client_for_shop(shop) as client:
        stocks = client.request("GET", "/api/stocks").data or {}
        default = stocks.get("defaultStockId") or next((s["id"] for s in stocks.get("stocks") or []), None)
        for stock_id in [int(default)] if default is not None else []:
            last_id = position_of(stock_id) or 0
            batch: list[tuple[str, datetime, float]] = []
            for movement in client.iter_stock_movements(stock_id, last_id=last_id):
                code, amount = movement.get("productCode"), movement.get("actualAmount")
                last_id = max(last_id, int(movement["id"]))
                if code and amount is not None and movement.get("changeTime"):
                    batch.append((code, datetime.fromisoformat(movement["changeTime"]).astimezone(UTC),
                                  float(amount)))
                if len(batch) >= LOG_BATCH:
                    yield StockLogBatch(stock_id, batch, last_id)
                    batch = []
            yield StockLogBatch(stock_id, batch, last_id)


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _purchase_price(value) -> Decimal | None:
    """`{price, vatRate, includingVat}` (the variant's), or `{withVat, withoutVat}` (an order item's): net."""
    if not isinstance(value, dict):
        return _decimal(value)
    if "withoutVat" in value:
        return _decimal(value["withoutVat"])
    price, rate = _decimal(value.get("price")), _decimal(value.get("vatRate")) or Decimal(0)
    if price is None:
        return None
    return (price * 100 / (100 + rate)).quantize(Decimal("0.01")) if value.get("includingVat") else price


def variant_facts(product_raw: dict, variant_raw: dict) -> VariantFacts:
    supplier = product_raw.get("supplier") or {}
    prices = variant_raw.get("prices") or {}
    return VariantFacts(supplier_key=supplier.get("guid"), supplier_name=supplier.get("name"),
                        purchase_price=_purchase_price(prices.get("purchasePrice")))
