"""Reading a WooCommerce store: the full import and the change feeds, both by modification date.

WooCommerce has no snapshots: a full import walks the list by (`date_modified_gmt`, id) ascending
(app/woocommerce/walk.py, which neither misses nor repeats records that change during the walk), and its
checkpoint is the last record handed to the pipeline, so a killed import resumes just after the last
committed batch. The change feed is the same walk from the watermark, asking `modified_after` a minute
before it (the filter is exclusive and a change can commit late with an older date); what it reads again
hashes alike and is left unchanged by the writers.

Deletions: WooCommerce trashes orders and products (`status=trash`, their `date_modified_gmt` the time of
trashing), which a walk over the trash finds; it runs before the walk of live records and never moves the
watermark, so a crash between the two loses neither. Customers cannot be trashed and have no date filter
(API_NOTES §6): their feed lists them all (a reconcile), and a customer the hub has that the listing
lacks is confirmed gone by id before it is marked deleted. Orders and products deleted for good leave no
trace a date can find (no webhook either): after each walk one request compares the store's count with the
hub's, and only a difference lists the store's ids to find them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.channels.base import ChangeBatch, Deletion, ImportContext, StockBatch
from app.channels.woocommerce import webhooks
from app.channels.woocommerce.api import client_for_shop
from app.channels.woocommerce.mapping import STOCK_ID, mapper_for, variant_code
from app.extensions import db
from app.imports.records import BadRecord, RecordError
from app.webhooks.urls import webhook_url
from app.woocommerce import NotFound as WooNotFound
from app.woocommerce import WalkCursor, WooClient
from app.woocommerce.walk import from_epoch, to_epoch

PATHS = {"orders": "/orders", "customers": "/customers", "products": "/products"}
FEED_OVERLAP = timedelta(seconds=60)  # modified_after this far before the watermark (late commits)
BATCH = 100  # records per change batch (one page)


def _gmt_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def with_variations(client: WooClient, product: dict) -> dict:
    """A variable product carries only its variations' ids: read them (in pages of 100)."""
    if product.get("type") == "variable" and product.get("variations"):
        product["_variations"] = list(client.iter_items(f"/products/{product['id']}/variations",
                                                        {"orderby": "id", "order": "asc"}))
    return product


class WalkSource:
    """A full import of orders or products: every live record, walked by modification date; the checkpoint
    (`woo_position`: date and id of the last record yielded, `requested_at`) lets a new attempt go on.

    The walk runs a few pages ahead in a thread of its own (the store answers while the pipeline writes the
    batch before), each record carrying the walk's position after it, so the checkpoint is always that of
    the last record handed to the pipeline, never of a page read ahead.
    """

    AHEAD = 300  # records read ahead of the pipeline (three pages)

    def __init__(self, shop, kind: str, context: ImportContext, mapper: Callable[[dict], object]):
        self.shop, self.kind, self.mapper = shop, kind, mapper
        self.state = dict(context.checkpoint)
        self.state.setdefault("requested_at", datetime.now(UTC).isoformat())
        self.done = int(self.state.get("woo_done") or 0)
        self._total: int | None = self.state.get("woo_total")
        self._position = self.state.get("woo_position")

    def records(self) -> Iterator:
        position = self.state.get("woo_position")
        params = {"status": "any"} if self.kind == "orders" else {}
        with client_for_shop(self.shop) as client:
            walk = client.walk_modified(PATHS[self.kind], params=params, overlap_seconds=1,
                                        resume_after=tuple(position) if position else None)

            def read() -> Iterator[tuple[dict, tuple, int | None]]:
                for obj in walk:
                    if self.kind == "products":
                        with_variations(client, obj)
                    yield obj, walk.position, walk.total

            for obj, after, remaining in read_ahead(read(), self.AHEAD):
                if self._total is None and remaining is not None:
                    self._total = self.done + remaining
                self.done += 1
                self._position = list(after)
                try:
                    yield self.mapper(obj)
                except (RecordError, KeyError, TypeError, ValueError) as exc:
                    yield BadRecord(self.done, f"{type(exc).__name__}: {exc}", repr(obj.get("id")).encode())

    def checkpoint(self) -> dict:
        state = {**self.state, "woo_done": self.done, "woo_total": self._total}
        if self._position:
            state["woo_position"] = self._position
        return state

    def total(self) -> int | None:
        return self._total


_END = object()


def read_ahead(items: Iterator, depth: int) -> Iterator:
    """`items`, produced by a thread up to `depth` ahead of the consumer; its exception is raised here, and
    a consumer that stops early stops it."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((_END, exc))

    thread = threading.Thread(target=produce, name="woo-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def iter_by_id(client: WooClient, path: str, params: dict | None = None, *, after_id: int = 0,
               per_page: int = 100) -> Iterator[dict]:
    """Every record of a list without dates to walk by (customers), by id ascending, none skipped while
    records are deleted meanwhile: each page is asked to start one record back (`offset`), and only a page
    that begins with a record already handed out is trusted; one that begins later (records before it were
    deleted, the offsets shifted) is asked again from further back. Ids only grow, so a new record comes at
    the end."""
    offset, last, total = 0, after_id, None
    while True:
        response = client.request("GET", path, params={**(params or {}), "orderby": "id", "order": "asc",
                                                       "per_page": per_page, "offset": offset})
        items = response.data if isinstance(response.data, list) else []
        if total is None:
            total = response.total
        if offset and items and int(items[0]["id"]) > last:
            offset = max(0, offset - per_page)  # shifted: step back until the page overlaps what we have
            continue
        for item in items:
            if int(item["id"]) > last:
                last = int(item["id"])
                yield item
        if len(items) < per_page:
            return
        offset += len(items) - 1


class ListingSource:
    """A full import of customers: WooCommerce lists them by id (no dates to walk by, `iter_by_id`); the
    checkpoint is the last id written, so a resumed import skips what it wrote."""

    def __init__(self, shop, context: ImportContext, mapper: Callable[[dict], object]):
        self.shop, self.mapper = shop, mapper
        self.state = dict(context.checkpoint)
        self.state.setdefault("requested_at", datetime.now(UTC).isoformat())
        self.done = int(self.state.get("woo_done") or 0)
        self.last_id = int(self.state.get("woo_last_id") or 0)
        self._total: int | None = None

    def records(self) -> Iterator:
        with client_for_shop(self.shop) as client:
            if self._total is None:
                self._total = client.request("GET", "/customers", params={"per_page": 1}).total
            for obj in iter_by_id(client, "/customers", after_id=self.last_id):
                self.done += 1
                self.last_id = int(obj["id"])
                try:
                    yield self.mapper(obj)
                except (RecordError, KeyError, TypeError, ValueError) as exc:
                    yield BadRecord(self.done, f"{type(exc).__name__}: {exc}", repr(obj.get("id")).encode())

    def checkpoint(self) -> dict:
        return {**self.state, "woo_done": self.done, "woo_last_id": self.last_id}

    def total(self) -> int | None:
        return self._total


def full_import(shop, kind: str, context: ImportContext):
    mapper = mapper_for(kind, shop, context.language)
    if kind == "customers":
        return ListingSource(shop, context, mapper)
    return WalkSource(shop, kind, context, mapper)


# --- the change feeds ------------------------------------------------------------------------------------

def changes(shop, kind: str, since: datetime) -> Iterator[ChangeBatch]:
    mapper = mapper_for(kind, shop)
    with client_for_shop(shop) as client:
        if kind == "customers":
            yield from _customer_changes(shop, client, mapper)
            return
        cursor = WalkCursor(from_epoch(int(since.timestamp())))
        # Trash first, without moving the watermark (see the module docstring).
        trashed = client.walk_modified(PATHS[kind], cursor=cursor, overlap_seconds=int(FEED_OVERLAP.total_seconds()),
                                       params={"status": "trash"})
        deletions = [Deletion(str(obj["id"]), _gmt_datetime(obj["date_modified_gmt"])) for obj in trashed]
        for start in range(0, len(deletions), BATCH):
            yield ChangeBatch([], deletions[start:start + BATCH], since, len(deletions[start:start + BATCH]))
        walk = client.walk_modified(PATHS[kind], cursor=cursor, overlap_seconds=int(FEED_OVERLAP.total_seconds()),
                                    params={"status": "any"} if kind == "orders" else {})
        records, newest = [], since
        for obj in walk:
            newest = max(newest, _gmt_datetime(obj["date_modified_gmt"]))
            if kind == "products":
                with_variations(client, obj)
            records.append(mapper(obj))
            if len(records) >= BATCH:
                yield ChangeBatch(records, [], newest, len(records))
                records = []
        if records:
            yield ChangeBatch(records, [], newest, len(records))
        gone = _deleted_for_good(shop.id, kind, client)
        if gone:
            yield ChangeBatch([], gone, newest, len(gone))


def _deleted_for_good(shop_id: int, kind: str, client: WooClient) -> list[Deletion]:
    """Records deleted for good (no trash, no webhook, no date to find): one request compares the store's
    count of live records with the hub's; only when the hub holds more are the store's ids listed
    (`_fields=id`) and each missing one confirmed gone by id before it becomes a deletion."""
    table, key = ("orders", "code") if kind == "orders" else ("products", "guid")
    params = {"status": "any"} if kind == "orders" else {}
    first = client.request("GET", PATHS[kind], params={**params, "per_page": 1, "_fields": "id"})
    store_total = first.total or 0
    ours = _hub_keys(shop_id, table, key)
    if len(ours) <= store_total:
        return []
    listed = {str(item["id"]) for item in client.iter_items(PATHS[kind], {**params, "orderby": "id",
                                                                          "order": "asc", "_fields": "id"})}
    missing = sorted(code for code in ours if code not in listed)
    now, gone = datetime.now(UTC), []
    for start in range(0, len(missing), BATCH):
        chunk = missing[start:start + BATCH]
        found = {str(item["id"]) for item in client.iter_items(PATHS[kind], {
            "include": chunk, "status": "any,trash" if kind == "orders" else "any", "_fields": "id"})}
        gone.extend(Deletion(code, now) for code in chunk if code not in found)
    return gone


def _hub_keys(shop_id: int, table: str, key: str) -> set[str]:
    rows = db.session.execute(text(f"SELECT {key} FROM {table} WHERE shop_id = :shop "  # noqa: S608 (constants)
                                   "AND deleted_at IS NULL"), {"shop": shop_id}).scalars().all()
    db.session.commit()
    return set(rows)


def _customer_changes(shop, client: WooClient, mapper) -> Iterator[ChangeBatch]:
    started = datetime.now(UTC)
    listed: set[str] = set()
    records = []
    for obj in iter_by_id(client, "/customers"):
        listed.add(str(obj["id"]))
        records.append(mapper(obj))
        if len(records) >= BATCH:
            yield ChangeBatch(records, [], started, len(records))
            records = []
    if records:
        yield ChangeBatch(records, [], started, len(records))
    missing = [guid for guid in _hub_customer_guids(shop.id) if guid not in listed]
    gone = []
    for start in range(0, len(missing), BATCH):  # a listing by pages can skip one that moved: ask by id
        chunk = missing[start:start + BATCH]
        still = {str(obj["id"]) for obj in client.iter_items("/customers", {"include": chunk, "role": "all"})}
        gone.extend(guid for guid in chunk if guid not in still)
    if gone:
        yield ChangeBatch([], [Deletion(guid, started) for guid in gone], started, len(gone))


def _hub_customer_guids(shop_id: int) -> list[str]:
    """The store's own customers the hub holds (not the guests it derived, not those already deleted)."""
    rows = db.session.execute(text("SELECT guid FROM customers WHERE shop_id = :shop AND deleted_at IS NULL "
                                   "AND guid NOT LIKE 'guest:%'"), {"shop": shop_id}).scalars().all()
    db.session.commit()
    return list(rows)


def stock_changes(shop, position_of: Callable[[str], int | None]) -> Iterator[StockBatch]:
    """One warehouse's amounts (WooCommerce keeps one stock quantity per product or variation), polled.

    A product's record carries its stock, but a sale lowers a variation's stock without touching its parent
    (no `product.updated` either, API_NOTES §9.2), so the products feed alone would miss it. From the
    stream's position (epoch seconds of the newest change read) this reads the orders changed since (their
    lines name what they took from stock) and the products changed since, then the current stock of exactly
    those: simple products by `include`, variations per parent. The first pass reads every product. Amounts
    are absolute; one read before a later change is corrected by the next pass, which sees that change.
    Each pass also switches back on the hub's webhooks the store disabled after failed deliveries.
    """
    stream = f"stock:{STOCK_ID}"
    position = position_of(stream)
    with client_for_shop(shop) as client:  # this pass runs on the shop's interval: a fit place for upkeep
        webhooks.reactivate(client, webhook_url(shop))
    overlap = int(FEED_OVERLAP.total_seconds())
    cursor = WalkCursor(from_epoch(position)) if position else None
    newest = position or 0
    simple: set[int] = set()
    parents: set[int] = set()
    amounts: dict[str, tuple] = {}
    with client_for_shop(shop) as client:
        if cursor is not None:
            for order in client.walk_modified("/orders", cursor=cursor, overlap_seconds=overlap,
                                              params={"_fields": "id,date_modified_gmt,line_items"}):
                newest = max(newest, to_epoch(order["date_modified_gmt"]))
                for line in order.get("line_items") or []:
                    if line.get("variation_id"):
                        parents.add(int(line["product_id"]))
                    elif line.get("product_id"):
                        simple.add(int(line["product_id"]))
        for product in client.walk_modified("/products", cursor=cursor, overlap_seconds=overlap):
            newest = max(newest, to_epoch(product["date_modified_gmt"]))
            if product.get("type") == "variable":
                parents.add(int(product["id"]))
            else:
                _take_stock(product, amounts)
                simple.discard(int(product["id"]))
        ids = sorted(simple)
        for start in range(0, len(ids), BATCH):
            for product in client.iter_items("/products", {"include": ids[start:start + BATCH]}):
                _take_stock(product, amounts)
        for parent in sorted(parents):
            try:
                for variation in client.iter_items(f"/products/{parent}/variations", {"orderby": "id"}):
                    _take_stock(variation, amounts)
            except WooNotFound:
                continue  # deleted since: the products feed says so
            if len(amounts) >= 500:
                yield StockBatch(stream, STOCK_ID, amounts, position or 0, supplies=len(amounts))
                amounts = {}
    yield StockBatch(stream, STOCK_ID, amounts, newest or int(time.time()), supplies=len(amounts))


def _take_stock(item: dict, amounts: dict[str, tuple]) -> None:
    if item.get("manage_stock") and item.get("stock_quantity") is not None:
        amounts[variant_code(item)] = (item["stock_quantity"], None)
