"""Stock from the master shop to its followers: compute each pair's desired amount, push only differences.

A follower with `stock_rule = follow` gets, per paired variant, max(0, master's available stock − its
`stock_reserve`) in its main warehouse (the lowest warehouse id the hub has seen for it). Quantities are
absolute, so a retried push never moves stock twice. Per pair the hub keeps what it pushed and what it last
saw in the follower: seen == pushed is the push come back (no echo to act on); seen still equal to what was
there before the push is a push not yet read back (pending); anything else is drift, someone else's change,
which is counted and corrected (the master wins). The same code serves `flask hub master-apply` and a job.
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
from app.channels.base import ChannelError
from app.master.models import VariantPair
from app.master.pairing import PairingReport, pair_shop
from app.settings.cache import settings_cache
from app.shops.models import Shop

BATCH = 300  # Shoptet takes at most 300 stock movements a call


class MasterError(ValueError):
    """The organization's master shop setup does not allow this; the message says what to fix."""


@dataclass
class FollowerResult:
    shop_id: int
    name: str
    stock_rule: str
    stock_changed: int = 0
    price_changed: int = 0  # prices are not propagated yet (price_rule is "off")
    unchanged: int = 0
    failed: int = 0
    drift: int = 0
    skipped: int = 0  # pairs whose master variant has no known stock, or "not sold here"
    errors: dict[str, str] = field(default_factory=dict)  # variant code → why (a sample)

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
    state: str  # "in_sync", "pending", "drift", "new", "skipped"

    @property
    def to_push(self) -> bool:
        if self.desired is None:
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


def desired_stock(master_available: Decimal | None, reserve: int) -> Decimal | None:
    """The follower's amount under `follow`: the master's available stock less the reserve, never below 0."""
    if master_available is None:
        return None
    return max(Decimal(0), Decimal(master_available) - reserve)


def classify(pushed: Decimal | None, seen: Decimal | None, current: Decimal | None) -> str:
    """Where a pair stands before this round, from what the hub pushed, saw last time and sees now."""
    if pushed is None:
        return "new"
    if current is not None and Decimal(current) == Decimal(pushed):
        return "in_sync"  # the push came back (or nothing was needed): not an echo to act on
    if current == seen:
        return "pending"  # the follower has not been read since the push
    return "drift"


def main_warehouse(session: Session, shop: Shop) -> int | None:
    return session.execute(select(func.min(VariantStock.stock_id)).where(VariantStock.shop_id == shop.id)).scalar()


def plan(session: Session, master: Shop, follower: Shop, reserve: int) -> tuple[int | None, list[PlannedStock]]:
    """Each pair of the follower with its desired and current amount (the follower's main warehouse)."""
    warehouse = main_warehouse(session, follower)
    master_stock = (select(ProductVariant.code, ProductVariant.stock).where(ProductVariant.shop_id == master.id)
                    .subquery())
    follower_stock = (select(VariantStock.variant_code, VariantStock.amount)
                      .where(VariantStock.shop_id == follower.id, VariantStock.stock_id == warehouse).subquery())
    rows = session.execute(
        select(VariantPair.id, VariantPair.follower_code, VariantPair.how, VariantPair.master_code,
               VariantPair.pushed_stock, VariantPair.seen_stock, VariantPair.desired_stock, master_stock.c.stock,
               follower_stock.c.amount)
        .outerjoin(master_stock, master_stock.c.code == VariantPair.master_code)
        .outerjoin(follower_stock, follower_stock.c.variant_code == VariantPair.follower_code)
        .where(VariantPair.follower_shop_id == follower.id, VariantPair.master_shop_id == master.id)
        .order_by(VariantPair.follower_code)).all()
    planned = []
    for pair_id, code, how, master_code, pushed, seen, stored_desired, available, current in rows:
        desired = desired_stock(available, reserve) if master_code else None
        state = "skipped" if desired is None else classify(pushed, seen, current)
        planned.append(PlannedStock(pair_id, code, how, pushed, seen, stored_desired, desired, current, state))
    return warehouse, planned


def apply_follower(session: Session, master: Shop, follower: Shop, *, dry_run: bool = False,
                   committed: Callable[[], None] | None = None) -> FollowerResult:
    """Pair, compute and (unless a dry run) push the follower's differences, batch by batch."""
    rule, reserve = stock_rule(session, follower)
    result = FollowerResult(follower.id, follower.name, rule)
    pair_shop(session, master, follower)
    if rule != "follow":
        return result
    warehouse, planned = plan(session, master, follower, reserve)
    result.drift = sum(1 for item in planned if item.state == "drift")
    result.skipped = sum(1 for item in planned if item.state == "skipped")
    changes = [item for item in planned if item.to_push]
    result.unchanged = len(planned) - len(changes) - result.skipped
    known = [{"id": item.pair_id, "desired_stock": item.desired, "seen_stock": item.current} for item in planned
             if item.seen != item.current or item.stored_desired != item.desired]
    if known:  # what the hub now wants and sees, written only where it moved
        session.execute(update(VariantPair), known)
    if dry_run or not changes:
        result.stock_changed = len(changes)
        return result
    if warehouse is None:
        result.failed = len(changes)
        result.errors["*"] = "The hub has seen no warehouse of this shop yet: import its products first."
        return result
    if committed:
        committed()  # what was computed is kept before the shop is called
    with channel_for(follower).writer(follower) as writer:
        now = datetime.now(UTC)
        for start in range(0, len(changes), BATCH):
            batch = {item.follower_code: item for item in changes[start:start + BATCH]}
            try:
                pushed = writer.set_stock(warehouse, {code: item.desired for code, item in batch.items()})
            except ChannelError as exc:
                result.failed += len(batch)
                result.errors.update({code: str(exc) for code in batch})
                continue
            if pushed.changed:
                session.execute(update(VariantPair), [
                    {"id": batch[code].pair_id, "pushed_stock": batch[code].desired, "pushed_at": now}
                    for code in pushed.changed])
            result.stock_changed += len(pushed.changed)
            result.failed += len(pushed.failed)
            result.errors.update(pushed.failed)
            if committed:
                committed()  # each batch's pushes are kept at once: a crash later never loses what was sent
    return result


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


def status_org(session: Session, org_id: int) -> tuple[Shop, list[FollowerStatus]]:
    """Per follower: pairing and stock as they stand (pairs refreshed, nothing pushed). The caller rolls back
    or commits the refreshed pairs."""
    master = master_of(session, org_id)
    statuses = []
    for follower in followers_of(session, master):
        report: PairingReport = pair_shop(session, master, follower)
        rule, reserve = stock_rule(session, follower)
        _, planned = plan(session, master, follower, reserve)
        not_sold = sum(1 for item in planned if item.how == "not_sold")
        statuses.append(FollowerStatus(
            follower.id, follower.name, rule, paired=report.paired - not_sold, unpaired=len(report.unpaired),
            ambiguous=len(report.ambiguous), not_sold=not_sold,
            pending=sum(1 for item in planned if item.to_push) if rule == "follow" else 0,
            awaiting_echo=sum(1 for item in planned if item.state == "pending"),
            drift=sum(1 for item in planned if item.state == "drift")))
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
            changes = [item for item in planned if item.to_push]
            previews.append(FollowerPreview(
                follower.id, follower.name, rule, reserve, report, len(changes),
                sum(1 for item in planned if item.state == "drift"),
                [(item.follower_code, item.current, item.desired) for item in changes[:sample]]))
    finally:
        savepoint.rollback()
    return master, previews
