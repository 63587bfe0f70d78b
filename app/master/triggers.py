"""Automatic propagation: a change that reaches the hub starts the master shop's job, no command needed.

A sync of the master's stock or products (its stock and prices), of a follower's stock, products (new variants
to pair, drift) or orders (its sales: the order hook in app/master/sales.py marks the organization dirty)
marks the organization dirty and starts one `master_apply` job on the master shop, on the `master` queue. The
ledger allows one active run per shop and kind, so an organization has one job at a time; a change that comes
while it runs leaves the mark, which the running job takes in its next round, or the scheduler's pass starts
the next run. The mark, in the database, is the truth; Redis only carries "run N now".

A follower's stock drop that may be a sale the hub has not read yet is held (app/master/propagation.py): the
follower gets a HELD_STREAM mark and a sync of its orders, and that sync, whether or not it brings an order,
releases the hold by starting the next propagation (else a drop that was no sale would stay uncorrected).
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.master.sales import DIRTY_STREAM
from app.settings.cache import settings_cache
from app.shops.models import Shop
from app.sync.models import SyncCursor

FOLLOWED_KINDS = {"stock", "products", "orders"}
HELD_STREAM = "master_held"  # sync_cursors row of a follower: drops held until its orders are read


def _mark(session: Session, shop_id: int, stream: str) -> None:
    session.execute(insert(SyncCursor).values(shop_id=shop_id, stream=stream, dirty_at=text("now()"))
                    .on_conflict_do_update(index_elements=["shop_id", "stream"], set_={"dirty_at": text("now()")}))


def hold_until_orders_read(session: Session, follower: Shop) -> None:
    """Drops were held until the follower's orders are read: read them, and propagate after that read."""
    from app.sync.incremental import request_sync

    _mark(session, follower.id, HELD_STREAM)
    request_sync(session, follower, "orders")


def _take_hold(session: Session, shop: Shop) -> bool:
    """Clear the follower's hold; True if it had one."""
    return session.execute(update(SyncCursor).where(
        SyncCursor.shop_id == shop.id, SyncCursor.stream == HELD_STREAM, SyncCursor.dirty_at.is_not(None))
        .values(dirty_at=None).returning(SyncCursor.shop_id)).first() is not None


def master_id_of(session: Session, org_id: int) -> int | None:
    return settings_cache().values(session, org_id)["master_shop"] or None


def request_propagation(session: Session, master: Shop) -> None:
    """Mark the organization dirty and start its job unless one is active (enqueued after commit)."""
    _mark(session, master.id, DIRTY_STREAM)
    start_propagation(session, master)


def start_propagation(session: Session, master: Shop) -> None:
    from app.master.jobs import KIND
    from app.sync.services import start_job

    if master.status == "active":
        start_job(session, master, KIND, actor_id=None)


def synced(session: Session, shop: Shop, kind: str, changed: bool) -> None:
    """After a sync of `kind` committed (app/sync/incremental.py): propagate what it brought. Commits."""
    if kind not in FOLLOWED_KINDS:
        return
    master_id = master_id_of(session, shop.organization_id)
    if master_id is None:
        return
    master = shop if master_id == shop.id else session.get(Shop, master_id)
    if master is None or master.organization_id != shop.organization_id:
        return
    if (changed and kind != "orders") or (kind == "orders" and _take_hold(session, shop)):
        request_propagation(session, master)
    elif session.execute(select(SyncCursor.dirty_at).where(
            SyncCursor.shop_id == master.id, SyncCursor.stream == DIRTY_STREAM)).scalar() is not None:
        start_propagation(session, master)  # an order hook marked it
    session.commit()


def start_dirty_propagations(app) -> None:
    """The scheduler's pass: every organization marked dirty without an active job gets one."""
    from app.extensions import db

    session = db.session
    masters = session.execute(select(Shop).join(SyncCursor, SyncCursor.shop_id == Shop.id).where(
        SyncCursor.stream == DIRTY_STREAM, SyncCursor.dirty_at.is_not(None))).scalars().all()
    for master in masters:
        if master_id_of(session, master.organization_id) == master.id:
            start_propagation(session, master)
    session.commit()
