"""Incremental syncs: Shoptet's change feeds with a watermark, stock through movement ids.

The watermark is read before fetching and moved only in the transaction that commits what was fetched,
so a crash repeats work but never skips it. The feed is read in windows: `from=watermark` (inclusive),
one page, then the watermark becomes the newest change time in that page. Paging deeper into a list
that changes while we read it would let entries slip between pages; restarting from the watermark
cannot. Entries that share the watermark's second are paged through until the time moves on.

A shop whose watermark is missing, or older than the 30 days Shoptet keeps changes for, falls back to a
full snapshot import by itself and records why.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.channels.shoptet.api import client_for_shop
from app.db import run_after_commit
from app.imports.kinds import importer_for
from app.imports.metrics import refresh_customer_metrics
from app.imports.partitions import PartitionCache
from app.shoptet import NotFound
from app.sync import ledger
from app.sync.ledger import SYNC_KINDS
from app.sync.models import ACTIVE_STATUSES, SyncCursor, SyncRun

log = logging.getLogger(__name__)

FEED_HISTORY = timedelta(days=30)
# Start incremental syncs a little before the snapshot was asked for: re-reading a change is harmless.
SNAPSHOT_OVERLAP = timedelta(minutes=5)

FEEDS = {
    # stream: (changes path, key of the entity id, page size (Shoptet's max))
    "orders": ("/api/orders/changes", "code", 1000),
    "customers": ("/api/customers/changes", "guid", 20),
    "products": ("/api/products/changes", "guid", 1000),
}


class FallbackToSnapshot(Exception):
    """The change feed cannot bring this stream up to date; a full snapshot import must."""


def get_cursor(session: Session, shop_id: int, stream: str, *, lock: bool = False) -> SyncCursor:
    session.execute(insert(SyncCursor).values(shop_id=shop_id, stream=stream).on_conflict_do_nothing())
    statement = select(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == stream)
    return session.execute(statement.with_for_update() if lock else statement).scalar_one()


# --- asking for syncs ------------------------------------------------------------------------------------

def request_sync(session: Session, shop, stream: str) -> SyncRun | None:
    """Something changed upstream (a webhook said so): mark the stream dirty and start a sync now.

    If a run of that kind is active (a sync, or a full import), the dirty mark makes the scheduler
    start another one after it, so a change that arrived mid-run is not lost.
    """
    session.execute(
        insert(SyncCursor).values(shop_id=shop.id, stream=stream, dirty_at=text("now()"))
        .on_conflict_do_update(index_elements=["shop_id", "stream"], set_={"dirty_at": text("now()")})
    )
    return start_sync(session, shop, stream)


def start_sync(session: Session, shop, stream: str) -> SyncRun | None:
    """An incremental run for the stream, unless a run of its kind is already active."""
    if shop.status != "active":
        return None
    run, created = ledger.trigger(session, shop, stream, mode="changes")
    if created:
        from flask import current_app

        from app.sync.dispatch import enqueue_run

        redis, run_id = current_app.extensions["redis"], run.id
        run_after_commit(session, lambda: enqueue_run(redis, run_id, stream, "changes"))
    return run


def start_fallback_snapshot(session: Session, shop, stream: str, reason: str) -> None:
    """Record why, and start the full import that replaces the change feed."""
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream == stream)
                    .values(fallback_reason=reason))
    kind = "products" if stream == "stock" else stream
    run, created = ledger.trigger(session, shop, kind, mode="snapshot")
    if created:
        from flask import current_app

        from app.sync.dispatch import enqueue_run

        redis, run_id = current_app.extensions["redis"], run.id
        run_after_commit(session, lambda: enqueue_run(redis, run_id, kind, "snapshot"))


def snapshot_completed(session: Session, shop_id: int, kind: str, requested_at: datetime | None) -> None:
    """A full import finished: the change feed takes over from just before the snapshot was asked for."""
    if requested_at is None:
        return
    watermark = requested_at - SNAPSHOT_OVERLAP
    cursor = get_cursor(session, shop_id, kind, lock=True)
    if cursor.watermark is None or cursor.watermark < watermark:
        cursor.watermark = watermark
    cursor.fallback_reason = None
    cursor.last_success_at = datetime.now(UTC)
    if kind == "products":
        get_cursor(session, shop_id, "stock")  # stock follows the movement log from now on


# --- running a sync --------------------------------------------------------------------------------------

def run_changes(session: Session, run: SyncRun, token: int) -> dict:
    """Bring one stream up to date; returns stats for the ledger."""
    if run.kind == "stock":
        return _sync_stock(session, run, token)
    shop = run.shop
    cursor = get_cursor(session, shop.id, run.kind)
    started = datetime.now(UTC)
    watermark = cursor.watermark
    session.commit()
    if watermark is None:
        raise FallbackToSnapshot(f"{run.kind} were never fully imported, so there is no point to sync from.")
    if watermark < started - FEED_HISTORY:
        raise FallbackToSnapshot(f"The last {run.kind} sync reached {watermark:%Y-%m-%d %H:%M} UTC; Shoptet keeps "
                                 "changes for 30 days, so a full snapshot import is needed.")
    path, key, page_size = FEEDS[run.kind]
    importer = importer_for(run.kind, shop)
    partitions = PartitionCache()
    stats = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    done = 0
    with client_for_shop(shop) as client:
        while True:
            entries = _window(client, path, watermark, page_size)
            if not entries:
                break
            edits = [e for e in entries if e["changeType"] != "delete"]
            deletes = [e for e in entries if e["changeType"] == "delete"]
            records = []
            for entry in edits:
                detail = _detail(client, run.kind, entry[key], shop)
                if detail is not None:
                    records.append(importer.prepare(detail))
            newest = max(_parse(e["changeTime"]) for e in entries)
            partitions.ensure(session, importer.months(records))
            ledger.fence(session, run.id, token)
            if records:
                counts = importer.write(session.connection().connection.driver_connection.cursor(), records)
                stats["inserted"] += counts.inserted
                stats["updated"] += counts.updated
                stats["unchanged"] += counts.unchanged
            stats["deleted"] += _mark_deleted(session, run.kind, shop.id, deletes, key)
            done += len(entries)
            session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream == run.kind)
                            .values(watermark=newest))
            session.execute(update(SyncRun).where(SyncRun.id == run.id)
                            .values(progress_done=done, stats=stats))
            session.commit()
            if newest == watermark or len(entries) < page_size:
                break
            watermark = newest
    _mark_clean(session, shop.id, run.kind, started)
    return stats


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


def _detail(client, kind: str, identifier: str, shop) -> dict | None:
    """The entity as it is now; None if it vanished since the feed listed it (its delete follows)."""
    try:
        if kind == "orders":
            return client.get_order(identifier, include=["notes", "shippingDetails"])
        if kind == "customers":
            return client.get_customer(identifier)
        return client.get_product(identifier, include=["perStockAmounts", "variantParameters"])
    except NotFound:
        return None


def _mark_deleted(session: Session, kind: str, shop_id: int, deletes: list[dict], key: str) -> int:
    if not deletes:
        return 0
    table, column = {"orders": ("orders", "code"), "customers": ("customers", "guid"),
                     "products": ("products", "guid")}[kind]
    deleted, customers = 0, set()
    for entry in deletes:
        # The delete time becomes the row's change time, so an older snapshot cannot bring it back.
        result = session.execute(text(
            f"UPDATE {table} SET deleted_at = :at, change_time = :at "  # noqa: S608 (constant names)
            f"WHERE shop_id = :shop AND {column} = :id AND (change_time IS NULL OR change_time <= :at) "
            "AND deleted_at IS NULL RETURNING " + ("customer_guid" if kind == "orders" else "NULL")
        ), {"at": _parse(entry["changeTime"]), "shop": shop_id, "id": entry[key]}).all()
        deleted += len(result)
        customers.update(guid for (guid,) in result if guid)
    if customers:  # a deleted order no longer counts towards its customer's metrics
        refresh_customer_metrics(session.connection().connection.driver_connection.cursor(), shop_id,
                                 "SELECT unnest(%(guids)s::text[])", {"guids": sorted(customers)})
    return deleted


def _mark_clean(session: Session, shop_id: int, stream: str, started: datetime) -> None:
    """Success: clear the dirty mark unless a webhook came after this sync started."""
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == stream).values(
        last_success_at=text("now()"), fallback_reason=None,
        dirty_at=text("CASE WHEN dirty_at <= :started THEN NULL ELSE dirty_at END")), {"started": started})
    session.commit()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


# --- stock ------------------------------------------------------------------------------------------------

def _sync_stock(session: Session, run: SyncRun, token: int) -> dict:
    """Follow each warehouse's movement log from the last id seen; amounts are absolute, so replays are
    harmless. A warehouse seen for the first time is read whole from its supplies first."""
    shop = run.shop
    stats = {"movements": 0, "supplies": 0}
    with client_for_shop(shop) as client:
        stock_ids = [stock["id"] for stock in client.list_stocks()]
        for stock_id in stock_ids:
            stream = f"stock:{stock_id}"
            cursor = get_cursor(session, shop.id, stream)
            last_id = cursor.last_id
            session.commit()
            if last_id is None:
                last_id = int(client.get_last_stock_movement(stock_id).get("lastId") or 0)
                amounts = {s["code"]: (s.get("amount"), s.get("location")) for s in client.iter_supplies(stock_id)}
                _write_stock(session, run, token, shop.id, stock_id, amounts, stream, last_id)
                stats["supplies"] += len(amounts)
            batch: dict[str, tuple] = {}
            newest = last_id
            for movement in client.iter_stock_movements(stock_id, last_id=last_id):
                batch[movement["productCode"]] = (movement.get("actualAmount"), None)
                newest = max(newest, int(movement["id"]))
                stats["movements"] += 1
                if len(batch) >= 500:
                    _write_stock(session, run, token, shop.id, stock_id, batch, stream, newest)
                    batch = {}
            _write_stock(session, run, token, shop.id, stock_id, batch, stream, newest)
    get_cursor(session, shop.id, "stock")  # the stream the scheduler and the shop page look at
    session.commit()
    _mark_clean(session, shop.id, "stock", run.started_at or datetime.now(UTC))
    return stats


def _write_stock(session: Session, run: SyncRun, token: int, shop_id: int, stock_id: int, amounts: dict,
                 stream: str, last_id: int) -> None:
    ledger.fence(session, run.id, token)
    if amounts:
        codes = list(amounts)
        session.execute(text(
            "INSERT INTO variant_stocks (shop_id, stock_id, variant_code, amount, location, change_time) "
            "SELECT :shop_id, :stock_id, code, amount, location, now() "
            "FROM unnest(CAST(:codes AS text[]), CAST(:amounts AS numeric[]), CAST(:locations AS text[])) "
            "AS s(code, amount, location) "
            "ON CONFLICT (shop_id, stock_id, variant_code) DO UPDATE SET amount = EXCLUDED.amount, "
            "location = coalesce(EXCLUDED.location, variant_stocks.location), change_time = now()"
        ), {"shop_id": shop_id, "stock_id": stock_id, "codes": codes,
            "amounts": [amounts[c][0] for c in codes], "locations": [amounts[c][1] for c in codes]})
        session.execute(text(
            "UPDATE product_variants v SET stock = s.total FROM (SELECT variant_code, sum(amount) AS total "
            "FROM variant_stocks WHERE shop_id = :shop AND variant_code = ANY(:codes) GROUP BY variant_code) s "
            "WHERE v.shop_id = :shop AND v.code = s.variant_code"
        ), {"shop": shop_id, "codes": codes})
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == stream)
                    .values(last_id=last_id))
    session.commit()


# --- the scheduler's pass ---------------------------------------------------------------------------------

def schedule_due_syncs(session: Session, settings_for, now: datetime | None = None) -> list[tuple[int, str]]:
    """Start the incremental syncs that are due; returns (shop id, stream) of those started.

    Due: the shop is active, syncing is on in its settings, the stream has been imported (or, for stock,
    followed) before, no run of its kind is active, and either a webhook marked it dirty after the last
    run started, or the shop's sync interval has passed since then. This is also the reconcile pass:
    a webhook that never came is caught by the next interval's change feed.
    """
    from app.shops.models import Shop

    now = now or datetime.now(UTC)
    started = []
    shops = session.execute(select(Shop).where(Shop.status == "active")).scalars().all()
    for shop in shops:
        settings = settings_for(shop)
        if not settings["sync_enabled"]:
            continue
        interval = timedelta(minutes=int(settings["sync_interval_minutes"]))
        cursors = {c.stream: c for c in session.execute(
            select(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream.in_(SYNC_KINDS))).scalars()}
        for stream, cursor in cursors.items():
            if stream != "stock" and cursor.watermark is None:
                continue
            last = session.execute(
                select(SyncRun.status, SyncRun.created_at).where(SyncRun.shop_id == shop.id, SyncRun.kind == stream)
                .order_by(SyncRun.id.desc()).limit(1)).first()
            if last is not None and last.status in ACTIVE_STATUSES:
                continue
            dirty = cursor.dirty_at is not None and (last is None or cursor.dirty_at > last.created_at)
            if dirty or last is None or last.created_at <= now - interval:
                start_sync(session, shop, stream)
                started.append((shop.id, stream))
    return started
