"""Orders written the way imports write them (the order writer, hooks included), with exact times and values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from app.channels.shoptet.mapping import map_order
from app.imports.partitions import ensure_months, month_start
from app.imports.writers.orders import OrderWriter

STATUSES = {
    "new": (-1, "Nevyřízena"), "processing": (-2, "Vyřizuje se"), "completed": (-3, "Vyřízena"),
    "cancelled": (-4, "Stornována"), "refunded": (7, "Vráceno"), "failed": (8, "Platba selhala"),
}
_numbers = itertools.count(1)


def order_json(created: datetime, *, code: str | None = None, status: str = "completed", currency: str = "CZK",
               total: str = "121.00", without_vat: str | None = None, customer: str | None = None,
               payment: str = "Kartou", shipping: str = "PPL", items: list[tuple[str, str, str]] | None = None,
               changed: datetime | None = None) -> dict:
    """A Shoptet order; `items` are (code, amount, line total with VAT) product lines (a shipping line is added)."""
    number = next(_numbers)
    status_id, status_name = STATUSES[status]
    lines = [{"itemId": position, "itemType": "product", "code": item_code, "productGuid": f"guid-{item_code}",
              "name": f"Product {item_code}", "amount": amount,
              "itemPrice": {"withVat": line_total, "withoutVat": f"{float(line_total) / 1.21:.2f}", "vatRate": "21"}}
             for position, (item_code, amount, line_total) in enumerate(items or [("P1", "1.000", total)], 1)]
    lines.append({"itemId": 99, "itemType": "shipping", "code": None, "name": shipping, "amount": "1.000",
                  "itemPrice": {"withVat": "0.00", "withoutVat": "0.00", "vatRate": "21"}})
    return {
        "code": code or f"D{number:07d}", "guid": f"order-{number}",
        "creationTime": created.isoformat(), "changeTime": (changed or created).isoformat(),
        "status": {"id": status_id, "name": status_name}, "customerGuid": customer,
        "email": f"buyer{number}@example.com", "billingAddress": {"fullName": f"Buyer {number}"},
        "price": {"currencyCode": currency, "withVat": total,
                  "withoutVat": without_vat or f"{float(total) / 1.21:.2f}", "exchangeRate": "1"},
        "paymentMethod": {"name": payment}, "shipping": {"name": shipping}, "items": lines,
    }


def write_orders(session, shop, orders: list[dict]) -> None:
    """One import batch of these orders (inserted or updated), in the session's transaction."""
    records = [map_order(dict(order, items=[dict(item) for item in order["items"]])) for order in orders]
    ensure_months(session.connection(), {month_start(record.created) for record in records})
    OrderWriter(shop.id).write(session.connection().connection.driver_connection.cursor(), records)


def later(order: dict, **changes) -> dict:
    """The same order as a later version (its change time moved on), with `changes` applied."""
    changed = datetime.fromisoformat(order["changeTime"]) + timedelta(hours=1)
    updated = dict(order, changeTime=changed.isoformat())
    if "status" in changes:
        status_id, status_name = STATUSES[changes.pop("status")]
        updated["status"] = {"id": status_id, "name": status_name}
    updated.update(changes)
    return updated


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
