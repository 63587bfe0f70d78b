"""Incremental syncs, the platform-free core: watermarks, dirty marks, scheduling, fallback to a full import.

The shop's channel reads what changed (app/channels/<platform>/: Shoptet's change feeds and stock
movement logs); this module decides from where, writes what it gives through the same writers as full
imports (same hash, same "never older" rule) and moves the cursor. The watermark is read before fetching
and moved only in the transaction that commits what was fetched, so a crash repeats work but never skips
it. A kind whose watermark is missing, or older than the platform keeps changes for, falls back to a full
import by itself and records why. Cursors are keyed by stream: a kind, or a kind's own sub-stream (a
warehouse's stock movements, `stock:<id>`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from importlib import import_module

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.catalog.stock import write_stock
from app.channels import channel_for
from app.channels.base import Deletion, FallbackToFull
from app.imports.hooks import credit_notes_changed, lock_orders, orders_changed
from app.imports.partitions import PartitionCache
from app.imports.writers import writer_for
from app.shops.models import Shop
from app.sync import ledger, runlog
from app.sync.ledger import SYNC_KINDS
from app.sync.models import ACTIVE_STATUSES, SyncCursor, SyncRun
from app.sync.services import enqueue_after_commit

log = logging.getLogger(__name__)

# Start incremental syncs a little before the full import was asked for: re-reading a change is harmless.
FULL_IMPORT_OVERLAP = timedelta(minutes=5)
# What follows a committed sync of a kind, named by dotted path like the order hooks (app/imports/hooks.py):
# `(session, shop, kind, changed)`, committing what it starts.
SYNCED = ("app.master.triggers:synced",)
# The hub's key of each kind's rows (a Deletion names it).
KEYS = {"orders": ("orders", "code"), "customers": ("customers", "guid"), "products": ("products", "guid"),
        "credit_notes": ("credit_notes", "code")}


def get_cursor(session: Session, shop_id: int, stream: str, *, lock: bool = False) -> SyncCursor:
    session.execute(insert(SyncCursor).values(shop_id=shop_id, stream=stream).on_conflict_do_nothing())
    statement = select(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == stream)
    return session.execute(statement.with_for_update() if lock else statement).scalar_one()


# --- asking for syncs ------------------------------------------------------------------------------------

def request_sync(session: Session, shop, kind: str) -> SyncRun | None:
    """Something changed upstream (a webhook said so): mark the kind dirty and start a sync now.

    If a run of that kind is active (a sync, or a full import), the dirty mark makes the scheduler
    start another one after it, so a change that arrived mid-run is not lost.
    """
    session.execute(
        insert(SyncCursor).values(shop_id=shop.id, stream=kind, dirty_at=text("now()"))
        .on_conflict_do_update(index_elements=["shop_id", "stream"], set_={"dirty_at": text("now()")})
    )
    return start_sync(session, shop, kind)


def start_sync(session: Session, shop, kind: str) -> SyncRun | None:
    """An incremental run for the kind, unless a run of it is already active."""
    if shop.status != "active":
        return None
    run, created = ledger.trigger(session, shop, kind, mode="changes")
    if created:
        enqueue_after_commit(session, run)
    return run


def start_fallback_import(session: Session, shop, kind: str, reason: str) -> None:
    """Record why, and start the full import that replaces the change feed."""
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream == kind)
                    .values(fallback_reason=reason))
    run, created = ledger.trigger(session, shop, "products" if kind == "stock" else kind, mode="snapshot")
    if created:
        enqueue_after_commit(session, run)


def snapshot_completed(session: Session, shop_id: int, kind: str, requested_at: datetime | None) -> None:
    """A full import finished: the change feed takes over from just before its data was asked for."""
    if requested_at is None:
        return
    watermark = requested_at - FULL_IMPORT_OVERLAP
    cursor = get_cursor(session, shop_id, kind, lock=True)
    if cursor.watermark is None or cursor.watermark < watermark:
        cursor.watermark = watermark
    cursor.fallback_reason = None
    cursor.last_success_at = datetime.now(UTC)
    if kind == "products":
        get_cursor(session, shop_id, "stock")  # stock follows the platform's stock changes from now on


# --- running a sync --------------------------------------------------------------------------------------

def run_changes(session: Session, run: SyncRun, token: int, ref: runlog.RunRef) -> dict:
    """Bring one kind up to date; returns stats for the ledger."""
    if run.kind == "stock":
        return _sync_stock(session, run, token, ref)
    shop = run.shop
    channel = channel_for(shop)
    cursor = get_cursor(session, shop.id, run.kind)
    started = datetime.now(UTC)
    watermark = cursor.watermark
    session.commit()
    if watermark is None:
        raise FallbackToFull(f"{run.kind} were never fully imported, so there is no point to sync from.")
    if channel.feed_history is not None and watermark < started - channel.feed_history:
        raise FallbackToFull(f"The last {run.kind} sync reached {watermark:%Y-%m-%d %H:%M} UTC; {channel.title} "
                             f"keeps changes for {channel.feed_history.days} days, so a full import is needed.")
    writer = writer_for(run.kind, shop)
    partitions = PartitionCache()
    stats = {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    done = 0
    for batch in channel.changes(shop, run.kind, watermark):
        partitions.ensure(session, writer.months(batch.records))
        ledger.fence(session, run.id, token)
        if batch.records:
            counts = writer.write(session.connection().connection.driver_connection.cursor(), batch.records)
            stats["inserted"] += counts.inserted
            stats["updated"] += counts.updated
            stats["unchanged"] += counts.unchanged
        stats["deleted"] += _mark_deleted(session, run.kind, shop.id, batch.deletions)
        done += batch.entries
        session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream == run.kind)
                        .values(watermark=batch.watermark))
        session.execute(update(SyncRun).where(SyncRun.id == run.id).values(progress_done=done, stats=stats))
        session.commit()
        runlog.progress(ref, done, None, stats)
    _mark_clean(session, shop.id, run.kind, started)
    after_sync(session, shop, run.kind, bool(stats["inserted"] or stats["updated"] or stats["deleted"]))
    return stats


def after_sync(session: Session, shop, kind: str, changed: bool) -> None:
    """Run what follows a committed sync (SYNCED). The sync's data is in; a follower that fails is logged,
    never failing the sync."""
    for path in SYNCED:
        module, name = path.split(":")
        try:
            getattr(import_module(module), name)(session, shop, kind, changed)
        except Exception:
            session.rollback()
            log.exception("after the %s sync of shop %s: %s failed", kind, shop.id, path)


def _mark_deleted(session: Session, kind: str, shop_id: int, deletions: list[Deletion]) -> int:
    if not deletions:
        return 0
    table, column = KEYS[kind]
    deleted, ids = 0, []
    if kind in ("orders", "credit_notes"):  # before the first row (app/imports/hooks.py)
        lock_orders(session.connection().connection.driver_connection.cursor(), [shop_id])
    for deletion in deletions:
        # The delete time becomes the row's change time, so an older snapshot cannot bring it back.
        result = session.execute(text(
            f"UPDATE {table} SET deleted_at = :at, change_time = :at "  # noqa: S608 (constant names)
            f"WHERE shop_id = :shop AND {column} = :id AND (change_time IS NULL OR change_time <= :at) "
            "AND deleted_at IS NULL RETURNING id"
        ), {"at": deletion.at, "shop": shop_id, "id": deletion.key}).all()
        deleted += len(result)
        ids.extend(row_id for (row_id,) in result)
    if kind == "orders" and ids:  # a deleted order no longer counts (customer metrics, rollups, ...)
        orders_changed(session.connection().connection.driver_connection.cursor(), shop_id,
                       "SELECT id AS order_id, customer_guid, creation_time FROM orders "
                       "WHERE id = ANY(%(deleted_orders)s)", {"deleted_orders": ids})
    if kind == "credit_notes" and ids:  # a deleted credit note no longer nets its returns out of demand
        credit_notes_changed(session.connection().connection.driver_connection.cursor(), shop_id,
                             "SELECT creation_time FROM credit_notes WHERE id = ANY(%(deleted_notes)s)",
                             {"deleted_notes": ids})
    return deleted


def _mark_clean(session: Session, shop_id: int, kind: str, started: datetime) -> None:
    """Success: clear the dirty mark unless a webhook came after this sync started."""
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == kind).values(
        last_success_at=text("now()"), fallback_reason=None,
        dirty_at=text("CASE WHEN dirty_at <= :started THEN NULL ELSE dirty_at END")), {"started": started})
    session.commit()


# --- stock ------------------------------------------------------------------------------------------------

def _sync_stock(session: Session, run: SyncRun, token: int, ref: runlog.RunRef) -> dict:
    """Absolute amounts from the channel's stock streams (one per warehouse), each with its position."""
    shop = run.shop
    stats = {"movements": 0, "supplies": 0, "inserted": 0, "updated": 0}

    def position_of(stream: str) -> int | None:
        last_id = get_cursor(session, shop.id, stream).last_id
        session.commit()
        return last_id

    for batch in channel_for(shop).stock_changes(shop, position_of):
        ledger.fence(session, run.id, token)
        written = write_stock(session, shop.id, batch.stock_id, batch.amounts)
        session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop.id, SyncCursor.stream == batch.stream)
                        .values(last_id=batch.position))
        session.commit()
        stats["movements"] += batch.movements
        stats["supplies"] += batch.supplies
        stats["inserted"] += written.inserted
        stats["updated"] += written.updated
        if batch.amounts:
            runlog.progress(ref, stats["movements"] + stats["supplies"], None, stats)
    get_cursor(session, shop.id, "stock")  # the stream the scheduler and the shop page look at
    session.commit()
    _mark_clean(session, shop.id, "stock", run.started_at or datetime.now(UTC))
    after_sync(session, shop, "stock", bool(stats["movements"] or stats["supplies"]))
    return stats


# --- the scheduler's pass ---------------------------------------------------------------------------------

def schedule_due_syncs(session: Session, settings_for, now: datetime | None = None) -> list[tuple[int, str]]:
    """Start the incremental syncs that are due; returns (shop id, kind) of those started.

    Due: the shop is active, syncing is on in its settings, the kind has been imported (or, for stock,
    followed) before, no run of it is active, and either a webhook marked it dirty after the last run
    started, or the shop's sync interval has passed since then. This is also the reconcile pass: a
    webhook that never came is caught by the next interval's change feed.
    """
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
        for kind, cursor in cursors.items():
            if kind != "stock" and cursor.watermark is None:
                continue
            last = session.execute(
                select(SyncRun.status, SyncRun.created_at).where(SyncRun.shop_id == shop.id, SyncRun.kind == kind)
                .order_by(SyncRun.id.desc()).limit(1)).first()
            if last is not None and last.status in ACTIVE_STATUSES:
                continue
            dirty = cursor.dirty_at is not None and (last is None or cursor.dirty_at > last.created_at)
            if dirty or last is None or last.created_at <= now - interval:
                start_sync(session, shop, kind)
                started.append((shop.id, kind))
    return started
