"""Shoptet's change feeds (`/api/{orders,customers,products,credit-notes}/changes`) and stock movement logs.

A feed is read in windows: `from=watermark` (inclusive), one page, then the watermark becomes the newest
change time in that page. Paging deeper into a list that changes while we read it would let entries slip
between pages; restarting from the watermark cannot. Entries that share the watermark's second are paged
through until the time moves on. Each changed entity's detail is read and mapped like a snapshot line.

Stock follows each warehouse's movement log by `lastId` (amounts are absolute, so replays are harmless); a
warehouse seen for the first time is read whole from its supplies first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from app.channels.base import ChangeBatch, Deletion, StockBatch
from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.mapping import mapper_for
from app.channels.shoptet.snapshots import INCLUDES
from app.shoptet import NotFound

FEEDS = {
    # kind: (changes path, key of the entity id, page size (Shoptet's max))
    "orders": ("/api/orders/changes", "code", 1000),
    "customers": ("/api/customers/changes", "guid", 20),
    "products": ("/api/products/changes", "guid", 1000),
    "credit_notes": ("/api/credit-notes/changes", "code", 1000),
}
STOCK_BATCH = 500  # movements per committed batch


def changes(shop, kind: str, since: datetime) -> Iterator[ChangeBatch]:
    path, key, page_size = FEEDS[kind]
    mapper = mapper_for(kind, shop)
    watermark = since
    with client_for_shop(shop) as client:
        while True:
            entries = _window(client, path, watermark, page_size)
            if not entries:
                return
            records = []
            for entry in entries:
                if entry["changeType"] != "delete" and (detail := _detail(client, kind, entry[key])) is not None:
                    records.append(mapper(detail))
            deletions = [Deletion(entry[key], _parse(entry["changeTime"]))
                         for entry in entries if entry["changeType"] == "delete"]
            newest = max(_parse(e["changeTime"]) for e in entries)
            yield ChangeBatch(records, deletions, newest, len(entries))
            if newest == watermark or len(entries) < page_size:
                return
            watermark = newest


def _window(client, path: str, since: datetime, page_size: int) -> list[dict]:
    """Changes at or after `since`: the first page, plus further pages while they all share `since`'s
    second (otherwise the watermark could not move past a crowd of same-second changes)."""
    entries: list[dict] = []
    for page in client.pages(path, "changes", {"from": since}, items_per_page=page_size):
        entries.extend(page.items)
        same_second = all(_parse(e["changeTime"]) <= since for e in page.items)
        if not same_second or page.page >= page.page_count:
            break
    return entries


def _detail(client, kind: str, identifier: str) -> dict | None:
    """The entity as it is now; None if it vanished since the feed listed it (its delete follows)."""
    try:
        if kind == "orders":
            return client.get_order(identifier, include=list(INCLUDES["orders"]))
        if kind == "customers":
            return client.get_customer(identifier)
        if kind == "credit_notes":
            return client.get_credit_note(identifier)
        return client.get_product(identifier, include=list(INCLUDES["products"]))
    except NotFound:
        return None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def stock_changes(shop, position_of: Callable[[str], int | None]) -> Iterator[StockBatch]:
    with client_for_shop(shop) as client:
        for stock_id in [stock["id"] for stock in client.list_stocks()]:
            stream = f"stock:{stock_id}"
            last_id = position_of(stream)
            if last_id is None:
                last_id = int(client.get_last_stock_movement(stock_id).get("lastId") or 0)
                amounts = {s["code"]: (s.get("amount"), s.get("location")) for s in client.iter_supplies(stock_id)}
                yield StockBatch(stream, stock_id, amounts, last_id, supplies=len(amounts))
            batch: dict[str, tuple] = {}
            newest, moved = last_id, 0
            for movement in client.iter_stock_movements(stock_id, last_id=last_id):
                batch[movement["productCode"]] = (movement.get("actualAmount"), None)
                newest = max(newest, int(movement["id"]))
                moved += 1
                if len(batch) >= STOCK_BATCH:
                    yield StockBatch(stream, stock_id, batch, newest, movements=moved)
                    batch, moved = {}, 0
            yield StockBatch(stream, stock_id, batch, newest, movements=moved)
