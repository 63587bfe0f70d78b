"""Stock and prices from the master shop to its followers: compute each pair's desired values, push only
differences.

A follower with `stock_rule = follow` gets, per paired variant, max(0, master's available stock − follower
sales the master has not been told of yet − its `stock_reserve`) in its main warehouse (the lowest warehouse id
the hub has seen for it). A follower's own sale lowers the pool (app/master/sales.py), so a follower whose
stock went down since the hub's push is not "corrected" back up before its orders were read after that stock
was seen: the drop may be a sale the hub does not know yet (an oversell if pushed back). Quantities are
absolute, so a retried push never moves stock twice. Per pair the hub keeps what it pushed and what it last
saw in the follower: seen == pushed is the push come back (no echo to act on); seen still equal to what was
there before the push is a push not yet read back (pending); anything else is drift, someone else's change,
which is counted and corrected (the master wins). Prices follow `price_rule` (app/master/prices.py) the same
way: absolute, only differences, echo and drift told apart by pushed and seen prices. The same code serves
`flask hub master-apply` and the jobs. Texts and visibility follow `text_rule` and `visibility_rule`
(app/master/texts.py), with the same rules: only differences, echo and drift told apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.catalog.models import ProductVariant, VariantStock
from app.channels import channel_for
from app.master.models import VariantPair, classify
from app.master.pairing import PairingReport, pair_shop
from app.master.prices import plan_prices, push_prices, remember_prices
from app.master.pushing import push_in_batches
from app.master.sales import TellResult, tell_master, untold
from app.master.texts import VISIBILITY, plan_texts, push_texts, remember_texts
from app.master.triggers import hold_until_orders_read
from app.settings.cache import settings_cache
from app.shops.models import Shop
from app.sync.models import SyncRun


class MasterError(ValueError):
    """The organization's master shop setup does not allow this; the message says what to fix."""


@dataclass
class FollowerResult:
    shop_id: int
    name: str
    stock_rule: str
    stock_changed: int = 0
    price_changed: int = 0
    unchanged: int = 0
    failed: int = 0
    drift: int = 0
    skipped: int = 0  # pairs whose master variant has no known stock, or "not sold here"
    awaiting_orders: int = 0  # went down in the follower: held until its orders are read (maybe a sale)
    price_rule: str = "off"
    price_unchanged: int = 0
    price_skipped: int = 0  # no master price, no fixed price, or no exchange rate to the follower's currency
    text_rule: str = "off"
    visibility_rule: str = "off"
    text_changed: int = 0  # text fields (per product and language) written in the follower
    texts_waiting: int = 0  # fields with no approved text (or the shop's own text not approved yet): not sent
    visibility_changed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # variant code (product guid for texts) → why (a sample)

    def summary(self) -> dict:
        data = asdict(self)
        data["errors"] = dict(list(self.errors.items())[:20])
        return data


@dataclass
class PlannedStock:
    """One pair as plain values (no ORM object: a commit between batches expires nothing to reload)."""

    pair_id: int
    follower_code: str
    how: str
    pushed: Decimal | None
    seen: Decimal | None
    stored_desired: Decimal | None
    desired: Decimal | None
    current: Decimal | None
    state: str  # "in_sync", "pending", "drift", "new", "skipped", "awaiting_orders"
    following_since: datetime | None = None

    @property
    def to_push(self) -> bool:
        if self.desired is None or self.state == "awaiting_orders":
            return False
        effective = self.pushed if self.state == "pending" else self.current
        return effective is None or Decimal(effective) != self.desired


def master_of(session: Session, org_id: int) -> Shop:
    master_id = settings_cache().values(session, org_id)["master_shop"]
    if not master_id:
        raise MasterError(f"Organization {org_id} has no master shop: set master_shop to one of its shops' ids.")
    master = session.get(Shop, master_id)
    if master is None or master.organization_id != org_id:
        raise MasterError(f"master_shop is {master_id}, which is not a shop of organization {org_id}.")
    return master


def followers_of(session: Session, master: Shop) -> list[Shop]:
    return list(session.execute(select(Shop).where(Shop.organization_id == master.organization_id,
                                                   Shop.id != master.id, Shop.status == "active")
                                .order_by(Shop.id)).scalars())


def stock_rule(session: Session, shop: Shop) -> tuple[str, int]:
    values = settings_cache().values(session, shop.organization_id, shop.id)
    return values["stock_rule"], values["stock_reserve"]


def desired_stock(master_available: Decimal | None, reserve: int, untold: Decimal = Decimal(0)) -> Decimal | None:
    """The follower's amount under `follow`: the master's available stock less follower sales not yet told to
    it, less the reserve, never below 0."""
    if master_available is None:
        return None
    return max(Decimal(0), Decimal(master_available) - untold - reserve)


def main_warehouse(session: Session, shop: Shop) -> int | None:
    return session.execute(select(func.min(VariantStock.stock_id)).where(VariantStock.shop_id == shop.id)).scalar()


def _orders_read_at(session: Session, shop: Shop) -> datetime | None:
    """When the last successful read of the shop's orders began (a sale before it is in the hub)."""
    return session.execute(select(func.max(SyncRun.started_at)).where(
        SyncRun.shop_id == shop.id, SyncRun.kind == "orders", SyncRun.status == "succeeded")).scalar()


def plan(session: Session, master: Shop, follower: Shop, reserve: int) -> tuple[int | None, list[PlannedStock]]:
    """Each pair of the follower with its desired and current amount (the follower's main warehouse)."""
    warehouse = main_warehouse(session, follower)
    master_stock = (select(ProductVariant.code, ProductVariant.stock).where(ProductVariant.shop_id == master.id)
                    .subquery())
    follower_stock = (select(VariantStock.variant_code, VariantStock.amount, VariantStock.change_time)
                      .where(VariantStock.shop_id == follower.id, VariantStock.stock_id == warehouse).subquery())
    rows = session.execute(
        select(VariantPair.id, VariantPair.follower_code, VariantPair.how, VariantPair.master_code,
               VariantPair.pushed_stock, VariantPair.seen_stock, VariantPair.desired_stock, master_stock.c.stock,
               follower_stock.c.amount, follower_stock.c.change_time, VariantPair.following_since)
        .outerjoin(master_stock, master_stock.c.code == VariantPair.master_code)
        .outerjoin(follower_stock, follower_stock.c.variant_code == VariantPair.follower_code)
        .where(VariantPair.follower_shop_id == follower.id, VariantPair.master_shop_id == master.id)
        .order_by(VariantPair.follower_code)).all()
    pending_sales = untold(session, master)
    orders_read_at = _orders_read_at(session, follower)
    planned = []
    for (pair_id, code, how, master_code, pushed, seen, stored_desired, available, current, seen_at,
         following_since) in rows:
        desired = (desired_stock(available, reserve, pending_sales.get(master_code, Decimal(0)))
                   if master_code else None)
        state = "skipped" if desired is None else classify(pushed, seen, current)
        if (state == "drift" and current is not None and Decimal(current) < Decimal(pushed)
                and desired > Decimal(current) and (orders_read_at is None or seen_at is None
                                                    or orders_read_at <= seen_at)):
            state = "awaiting_orders"
        planned.append(PlannedStock(pair_id, code, how, pushed, seen, stored_desired, desired, current, state,
                                    following_since))
    return warehouse, planned


def apply_follower(session: Session, master: Shop, follower: Shop, *, dry_run: bool = False,
                   committed: Callable[[], None] | None = None) -> FollowerResult:
    """Pair, compute and (unless a dry run) push the follower's differences, batch by batch."""
    rule, reserve = stock_rule(session, follower)
    result = FollowerResult(follower.id, follower.name, rule)
    pair_shop(session, master, follower)
    result.price_rule, prices = plan_prices(session, master, follower)
    remember_prices(session, prices, result)
    result.text_rule, result.visibility_rule, texts = plan_texts(session, master, follower)
    remember_texts(session, texts, result)
    text_changes = [item for item in texts if item.to_push]
    warehouse, changes = None, []
    if rule == "follow":
        warehouse, planned = plan(session, master, follower, reserve)
        changes = _stock_changes(session, planned, result)
    if dry_run:
        result.stock_changed = len(changes)
        result.price_changed = sum(1 for item in prices if item.to_push)
        result.text_changed = sum(1 for item in text_changes if item.field != VISIBILITY)
        result.visibility_changed = len(text_changes) - result.text_changed
        return result
    if committed:
        committed()  # what was computed is kept before the shop is called
    if result.awaiting_orders:  # in a transaction of its own: an orders sync holds that cursor, then pair rows
        hold_until_orders_read(session, follower)
        if committed:
            committed()
    if changes:
        _push_stock(session, follower, warehouse, changes, result, committed)
    push_prices(session, follower, [item for item in prices if item.to_push], result, committed)
    push_texts(session, follower, text_changes, result, committed)
    return result


def _stock_changes(session: Session, planned: list[PlannedStock], result: FollowerResult) -> list[PlannedStock]:
    result.drift += sum(1 for item in planned if item.state == "drift")
    result.skipped = sum(1 for item in planned if item.state == "skipped")
    result.awaiting_orders = sum(1 for item in planned if item.state == "awaiting_orders")
    changes = [item for item in planned if item.to_push]
    result.unchanged = len(planned) - len(changes) - result.skipped
    now = datetime.now(UTC)
    for item in planned:
        if item.state == "awaiting_orders":  # not seen yet: the next round must still find it drifted
            item.current = item.seen
    known = [{"id": item.pair_id, "desired_stock": item.desired, "seen_stock": item.current,
              "following_since": item.following_since or (now if item.desired is not None else None)}
             for item in planned if item.seen != item.current or item.stored_desired != item.desired
             or (item.following_since is None and item.desired is not None)]
    if known:  # what the hub now wants and sees (and since when the pair follows), written only where it moved
        session.execute(update(VariantPair), known)
    return changes


def _push_stock(session: Session, follower: Shop, warehouse: int | None, changes: list[PlannedStock],
                result: FollowerResult, committed: Callable[[], None] | None) -> None:
    if warehouse is None:
        result.failed += len(changes)
        result.errors["*"] = "The hub has seen no warehouse of this shop yet: import its products first."
        return
    now = datetime.now(UTC)
    with channel_for(follower).writer(follower) as writer:
        result.stock_changed += push_in_batches(
            session, changes, lambda desired: writer.set_stock(warehouse, desired),
            lambda item: {"pushed_stock": item.desired, "pushed_at": now}, result, committed)


def propagate(session: Session, master: Shop, *, committed: Callable[[], None] | None = None,
              ) -> tuple[TellResult, list[FollowerResult]]:
    """The whole organization: tell the master of follower sales, then apply every follower's rules."""
    told = tell_master(session, master, committed=committed)
    return told, [apply_follower(session, master, follower, committed=committed)
                  for follower in followers_of(session, master)]


def apply_org(session: Session, org_id: int, *, dry_run: bool = False,
              committed: Callable[[], None] | None = None) -> tuple[Shop, list[FollowerResult]]:
    master = master_of(session, org_id)
    return master, [apply_follower(session, master, follower, dry_run=dry_run, committed=committed)
                    for follower in followers_of(session, master)]


@dataclass
class FollowerStatus:
    shop_id: int
    name: str
    stock_rule: str
    paired: int
    unpaired: int
    ambiguous: int
    not_sold: int
    pending: int  # differences the next apply would push
    awaiting_echo: int  # pushed, not yet read back from the follower
    drift: int
    prices_pending: int = 0
    awaiting_orders: int = 0  # stock drops held until the follower's orders are read


def status_org(session: Session, org_id: int) -> tuple[Shop, list[FollowerStatus]]:
    """Per follower: pairing and stock as they stand (pairs refreshed, nothing pushed). The caller rolls back
    or commits the refreshed pairs."""
    master = master_of(session, org_id)
    statuses = []
    for follower in followers_of(session, master):
        report: PairingReport = pair_shop(session, master, follower)
        rule, reserve = stock_rule(session, follower)
        _, planned = plan(session, master, follower, reserve)
        _, prices = plan_prices(session, master, follower)
        not_sold = sum(1 for item in planned if item.how == "not_sold")
        statuses.append(FollowerStatus(
            follower.id, follower.name, rule, paired=report.paired - not_sold, unpaired=len(report.unpaired),
            ambiguous=len(report.ambiguous), not_sold=not_sold,
            pending=sum(1 for item in planned if item.to_push) if rule == "follow" else 0,
            awaiting_echo=sum(1 for item in planned if item.state == "pending"),
            drift=sum(1 for item in (*planned, *prices) if item.state == "drift"),
            prices_pending=sum(1 for item in prices if item.to_push),
            awaiting_orders=sum(1 for item in planned if item.state == "awaiting_orders")))
    return master, statuses


@dataclass
class FollowerPreview:
    shop_id: int
    name: str
    stock_rule: str
    reserve: int
    report: PairingReport
    would_change: int
    drift: int  # values someone else changed in the follower since the hub's push (applying corrects them)
    sample: list[tuple[str, Decimal | None, Decimal]]  # (follower code, now, after)
    price_rule: str = "off"
    would_price: int = 0
    awaiting_orders: int = 0  # drops held until the follower's orders are read
    price_sample: list[tuple[str, Decimal | None, Decimal]] = field(default_factory=list)
    text_rule: str = "off"
    visibility_rule: str = "off"
    would_text: int = 0
    texts_waiting: int = 0
    text_sample: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # guid, language, field, now, after
    would_visibility: int = 0
    visibility_sample: list[tuple[str, str, str]] = field(default_factory=list)  # guid, now, after


def preview_org(session: Session, org_id: int, *, sample: int = 10) -> tuple[Shop, list[FollowerPreview]]:
    """What applying the rules would do now, for a page: computed in a savepoint that is rolled back."""
    master = master_of(session, org_id)
    previews = []
    savepoint = session.begin_nested()
    try:
        for follower in followers_of(session, master):
            report = pair_shop(session, master, follower)
            rule, reserve = stock_rule(session, follower)
            _, planned = plan(session, master, follower, reserve)
            changes = [item for item in planned if item.to_push] if rule == "follow" else []
            pricing, prices = plan_prices(session, master, follower)
            price_changes = [item for item in prices if item.to_push]
            text_rule, visibility_rule, texts = plan_texts(session, master, follower)
            text_changes = [item for item in texts if item.to_push and item.field != VISIBILITY]
            visibility_changes = [item for item in texts if item.to_push and item.field == VISIBILITY]
            previews.append(FollowerPreview(
                follower.id, follower.name, rule, reserve, report, len(changes),
                sum(1 for item in (*planned, *prices, *texts) if item.state == "drift"),
                [(item.follower_code, item.current, item.desired) for item in changes[:sample]],
                pricing, len(price_changes),
                [(item.follower_code, item.current, item.desired) for item in price_changes[:sample]],
                sum(1 for item in planned if item.state == "awaiting_orders"),
                text_rule=text_rule, visibility_rule=visibility_rule, would_text=len(text_changes),
                texts_waiting=sum(1 for item in texts if item.state == "waiting"),
                text_sample=[(item.guid, item.language, item.field, _short(item.current), _short(item.desired))
                             for item in text_changes[:sample]],
                would_visibility=len(visibility_changes),
                visibility_sample=[(item.guid, item.current or "", item.desired or "")
                                   for item in visibility_changes[:sample]]))
    finally:
        savepoint.rollback()
    return master, previews


def _short(text: str | None, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1] + "…"
