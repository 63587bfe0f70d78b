"""One pool: a follower's sale lowers the master's stock, so every other follower follows.

The order hook (app/imports/hooks.py) records, per follower order and paired variant, what the order takes
from the pool (`master_sales.quantity`: the items' amount; 0 once the order is cancelled, since the shop puts
the goods back) for orders made since the pair started following. The master is then told the difference to
what it was told before, as a relative stock movement: relative, because the master's own sales move its
stock at the same time, and an absolute amount would overwrite them. So the movement is never sent twice, each
send is written down first (`sending`, and the master's movement log position before it); after an answer
that does not say whether it landed (a 500, a dropped connection), the master's log is read to find out.
Flush, never commit, except through `committed` between sends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.catalog.models import VariantStock
from app.channels import channel_for
from app.channels.base import ChannelError
from app.master.models import MasterSale
from app.master.pushing import BATCH
from app.shops.models import Shop

DIRTY_STREAM = "master"  # sync_cursors row of the master shop whose dirty_at asks for a propagation

_FOLLOWING = ("SELECT master_shop_id, organization_id FROM master_variant_pairs "
              "WHERE follower_shop_id = %(shop_id)s AND following_since IS NOT NULL LIMIT 1")

# What each touched order takes from the pool, per paired variant that was following when the order was made.
_WANTED = """
WITH touched AS ({touched})
SELECT o.code, i.code, p.master_code,
       CASE WHEN o.status = 'cancelled' THEN 0 ELSE sum(coalesce(i.amount, 0)) END,
       o.creation_time, coalesce(o.change_time, o.creation_time)
FROM (SELECT DISTINCT order_id FROM touched) t
JOIN orders o ON o.id = t.order_id AND o.shop_id = %(shop_id)s
JOIN order_items i ON i.shop_id = o.shop_id AND i.order_id = o.id AND i.order_created_at = o.creation_time
JOIN master_variant_pairs p ON p.follower_shop_id = o.shop_id AND p.follower_code = i.code
WHERE p.master_code IS NOT NULL AND p.following_since IS NOT NULL AND o.creation_time >= p.following_since
GROUP BY o.code, o.status, o.creation_time, o.change_time, i.code, p.master_code
"""


def mark_dirty_sql(cursor: psycopg.Cursor, master_shop_id: int) -> None:
    """Ask for a propagation of the master's organization (the job, or the scheduler, picks it up)."""
    cursor.execute("INSERT INTO sync_cursors (shop_id, stream, dirty_at) VALUES (%(shop)s, %(stream)s, now()) "
                   "ON CONFLICT (shop_id, stream) DO UPDATE SET dirty_at = now()",
                   {"shop": master_shop_id, "stream": DIRTY_STREAM})


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook: record what the touched orders of a following shop take from the pool, idempotently.

    A change of quantity made after the hub's last push to the pair also moved the follower's stock there, so
    what the hub expects to see moves with it (`pushed_stock`): the sale is not mistaken for drift."""
    cursor.execute(_FOLLOWING, {"shop_id": shop_id})
    following = cursor.fetchone()
    if following is None:
        return
    master_shop_id, organization_id = following
    cursor.execute(_WANTED.format(touched=touched_sql), {"shop_id": shop_id, **params})
    wanted = cursor.fetchall()
    if not wanted:
        return
    cursor.execute("SELECT order_code, follower_code, quantity FROM master_sales "
                   "WHERE follower_shop_id = %(shop_id)s AND order_code = ANY(%(orders)s)",
                   {"shop_id": shop_id, "orders": sorted({row[0] for row in wanted})})
    before = {(order, code): quantity for order, code, quantity in cursor.fetchall()}
    rows, moved = [], []
    for order, code, master_code, quantity, created, changed in wanted:
        old = before.get((order, code))
        if old is not None and Decimal(old) == Decimal(quantity):
            continue
        rows.append((order, code, master_code, quantity))
        moved.append((code, Decimal(quantity) - Decimal(old or 0), created if old is None else changed))
    if not rows:
        return
    cursor.execute(
        "INSERT INTO master_sales (organization_id, follower_shop_id, order_code, follower_code, master_shop_id, "
        "master_code, quantity) SELECT %(org)s, %(shop_id)s, o, f, %(master)s, m, q "
        "FROM unnest(%(orders)s::text[], %(codes)s::text[], %(masters)s::text[], %(quantities)s::numeric[]) "
        "AS s(o, f, m, q) ON CONFLICT (follower_shop_id, order_code, follower_code) "
        "DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()",
        {"org": organization_id, "shop_id": shop_id, "master": master_shop_id,
         "orders": [r[0] for r in rows], "codes": [r[1] for r in rows], "masters": [r[2] for r in rows],
         "quantities": [r[3] for r in rows]})
    cursor.execute(
        "UPDATE master_variant_pairs p SET pushed_stock = p.pushed_stock - s.delta "
        "FROM (SELECT f, sum(d) AS delta, max(t) AS at FROM unnest(%(codes)s::text[], %(deltas)s::numeric[], "
        "%(times)s::timestamptz[]) AS u(f, d, t) GROUP BY f) s "
        "WHERE p.follower_shop_id = %(shop_id)s AND p.follower_code = s.f AND p.pushed_at <= s.at",
        {"shop_id": shop_id, "codes": [m[0] for m in moved], "deltas": [m[1] for m in moved],
         "times": [m[2] for m in moved]})
    mark_dirty_sql(cursor, master_shop_id)


def untold(session: Session, master: Shop) -> dict[str, Decimal]:
    """master code → what follower sales will still take from the master's stock (not told to it yet)."""
    rows = session.execute(text(
        "SELECT master_code, sum(quantity - told) FROM master_sales WHERE master_shop_id = :master "
        "AND (quantity <> told OR sending IS NOT NULL) GROUP BY master_code"), {"master": master.id})
    return {code: Decimal(amount) for code, amount in rows if amount}


@dataclass
class TellResult:
    told: int = 0  # sale rows the master now knows of
    units: Decimal = Decimal(0)  # units taken from (or, for cancellations, given back to) the master's stock
    confirmed: int = 0  # earlier sends with an unclear answer that the master's log shows landed
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def _adjust_copy(session: Session, master: Shop, warehouse: int, changes: dict[str, Decimal]) -> None:
    """The hub's copy of the master's stock moves with what it told (the stock feed later brings the exact
    amounts, absolute, so this is only the meantime's better guess)."""
    codes = list(changes)
    session.execute(text(
        "UPDATE variant_stocks v SET amount = v.amount + c.delta, change_time = now() "
        "FROM unnest(CAST(:codes AS text[]), CAST(:deltas AS numeric[])) AS c(code, delta) "
        "WHERE v.shop_id = :shop AND v.stock_id = :stock AND v.variant_code = c.code"),
        {"shop": master.id, "stock": warehouse, "codes": codes, "deltas": [changes[c] for c in codes]})
    session.execute(text(
        "UPDATE product_variants v SET stock = s.total FROM (SELECT variant_code, sum(amount) AS total "
        "FROM variant_stocks WHERE shop_id = :shop AND variant_code = ANY(:codes) GROUP BY variant_code) s "
        "WHERE v.shop_id = :shop AND v.code = s.variant_code"), {"shop": master.id, "codes": codes})


def _mark_told(session: Session, sales: list[MasterSale]) -> None:
    now = datetime.now(UTC)
    session.execute(update(MasterSale), [
        {"id": sale.id, "told": Decimal(sale.told) + Decimal(sale.sending), "sending": None, "sent_after_id": None,
         "told_at": now} for sale in sales])


def _confirm_unclear(session: Session, master: Shop, writer, warehouse: int, result: TellResult) -> None:
    """Sends whose answer was unclear: the master's log after the position kept says whether they landed."""
    unclear = list(session.execute(select(MasterSale).where(
        MasterSale.master_shop_id == master.id, MasterSale.sending.is_not(None))).scalars())
    if not unclear:
        return
    landed = writer.api_stock_moves(warehouse, min(sale.sent_after_id or 0 for sale in unclear))
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for sale in unclear:
        expected[sale.master_code] -= Decimal(sale.sending)
    done, again = [], []
    for sale in unclear:
        (done if landed.get(sale.master_code) == expected[sale.master_code] else again).append(sale)
    if done:
        _mark_told(session, done)
        _adjust_copy(session, master, warehouse, {code: expected[code] for code in {s.master_code for s in done}})
        result.confirmed += len(done)
    if again:  # nothing (or not exactly this) landed: sent again below, from what the rows say now
        session.execute(update(MasterSale), [{"id": sale.id, "sending": None, "sent_after_id": None}
                                             for sale in again])


def tell_master(session: Session, master: Shop, *, committed: Callable[[], None] | None = None) -> TellResult:
    """Send the master every follower sale (or cancellation) it has not been told of, in batches of 300."""
    result = TellResult()
    warehouse = session.execute(select(VariantStock.stock_id).where(VariantStock.shop_id == master.id)
                                .order_by(VariantStock.stock_id).limit(1)).scalar()
    pending = session.execute(select(MasterSale.id).where(
        MasterSale.master_shop_id == master.id,
        (MasterSale.quantity != MasterSale.told) | MasterSale.sending.is_not(None))).first()
    if pending is None or warehouse is None:
        return result
    with channel_for(master).writer(master) as writer:
        _confirm_unclear(session, master, writer, warehouse, result)
        sales = list(session.execute(select(MasterSale).where(
            MasterSale.master_shop_id == master.id, MasterSale.quantity != MasterSale.told)
            .order_by(MasterSale.master_code, MasterSale.id)).scalars())
        by_code: dict[str, list[MasterSale]] = defaultdict(list)
        for sale in sales:
            by_code[sale.master_code].append(sale)
        codes = list(by_code)
        for start in range(0, len(codes), BATCH):
            batch = {code: by_code[code] for code in codes[start:start + BATCH]}
            changes = {code: -sum((Decimal(s.quantity) - Decimal(s.told) for s in rows), Decimal(0))
                       for code, rows in batch.items()}
            changes = {code: change for code, change in changes.items() if change}
            try:
                position = writer.stock_position(warehouse)
            except ChannelError as exc:
                result.failed += sum(len(rows) for rows in batch.values())
                result.errors["*"] = str(exc)
                break
            session.execute(update(MasterSale), [
                {"id": s.id, "sending": Decimal(s.quantity) - Decimal(s.told), "sent_after_id": position}
                for rows in batch.values() for s in rows])
            for rows in batch.values():
                for s in rows:
                    s.sending = Decimal(s.quantity) - Decimal(s.told)
            if committed:
                committed()  # the send is written down before it goes
            try:
                pushed = writer.move_stock(warehouse, changes) if changes else None
            except ChannelError as exc:  # unclear: the next round reads the master's log
                result.failed += sum(len(rows) for rows in batch.values())
                result.errors.update({code: str(exc) for code in batch})
                continue
            failed = pushed.failed if pushed else {}
            told = [s for code, rows in batch.items() if code not in failed for s in rows]
            _mark_told(session, told)
            if failed:  # refused outright (unknown at the master): nothing moved, try again next round
                session.execute(update(MasterSale), [{"id": s.id, "sending": None, "sent_after_id": None}
                                                     for code in failed for s in batch[code]])
                result.failed += sum(len(batch[code]) for code in failed)
                result.errors.update(failed)
            moved = {code: change for code, change in changes.items() if code not in failed}
            if moved:
                _adjust_copy(session, master, warehouse, moved)
            result.told += len(told)
            result.units += -sum(moved.values(), Decimal(0))
            if committed:
                committed()
    return result
