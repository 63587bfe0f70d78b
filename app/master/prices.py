"""Prices from the master shop: what each follower's price rule wants per pair, and pushing the differences.

`price_rule`: "rate" is the master's price × `price_rate`, converted to the follower's currency at the
follower's stated rate (from `/api/eshop`, kept by app/money/rates.py) and rounded the follower's way
(`priceDecimalPlaces`, `rounding`); "fixed" is a per-variant price a person set (`fixed_price`); "off" leaves
prices alone. Like stock, only differences are pushed, as absolute prices, with pushed and seen prices telling
an echo from drift. Shoptet takes prices through price lists only (app/channels/shoptet/writes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.catalog.models import ProductVariant
from app.channels import channel_for
from app.master.models import VariantPair, classify
from app.master.pushing import push_in_batches
from app.settings.cache import settings_cache
from app.shops.models import Shop


def price_rule(session: Session, shop: Shop) -> tuple[str, Decimal]:
    values = settings_cache().values(session, shop.organization_id, shop.id)
    return values["price_rule"], Decimal(values["price_rate"] or "1")


@dataclass(frozen=True)
class Currency:
    """How a follower shop states money: its rates (base-currency units per unit of each currency) and how it
    rounds prices in its own currency (Shoptet `/api/eshop` `currencies[]`: priceDecimalPlaces, rounding)."""

    code: str
    rates: dict[str, Decimal]
    decimals: int = 2
    rounding: str = "math"  # none | up | down | math
    # The master's own rate of this shop's currency (master-currency units per unit), used only when this
    # shop states no rate for the master's currency (a euro shop that sells in euros only).
    master_rate: Decimal | None = None

    def convert(self, amount: Decimal, currency: str | None) -> Decimal | None:
        if currency is None or currency == self.code:
            return amount
        rate = self.rates.get(currency)
        if rate is not None:
            return amount * rate
        return None if not self.master_rate else amount / self.master_rate

    def round(self, amount: Decimal) -> Decimal:
        """To the shop's decimals its way (none: cents, half up); never below one unit of the last place."""
        decimals = 2 if self.rounding == "none" else max(0, min(self.decimals, 2))
        mode = {"up": ROUND_CEILING, "down": ROUND_FLOOR}.get(self.rounding, ROUND_HALF_UP)
        step = Decimal(1).scaleb(-decimals)
        return max(step, amount.quantize(step, rounding=mode)).quantize(Decimal("0.01"))


def _stated_rates(session: Session, shop_id: int) -> list:
    return session.execute(text(
        "SELECT DISTINCT ON (currency) currency, rate, decimals, rounding FROM shop_currency_rates "
        "WHERE shop_id = :shop ORDER BY currency, valid_on DESC"), {"shop": shop_id}).all()


def currency_of(session: Session, shop: Shop, master: Shop | None = None) -> Currency:
    """The shop's latest stated rates (from `/api/eshop`, kept by app/money/rates.py) and its own currency's
    rounding; the master's rate of the shop's currency as the fallback."""
    rows = _stated_rates(session, shop.id)
    own = next((row for row in rows if row.currency == shop.currency), None)
    master_rate = None
    if master is not None and master.currency != shop.currency:
        master_rate = next((Decimal(row.rate) for row in _stated_rates(session, master.id)
                            if row.currency == shop.currency), None)
    return Currency(shop.currency, {row.currency: Decimal(row.rate) for row in rows if row.currency != shop.currency},
                    own.decimals if own is not None and own.decimals is not None else 2,
                    (own.rounding if own is not None and own.rounding else "math"), master_rate)


def desired_price(rule: str, rate: Decimal, master_price: Decimal | None, master_currency: str | None,
                  fixed: Decimal | None, currency: Currency) -> Decimal | None:
    """rate: the master's price × rate, converted at the follower's rate, rounded its way; fixed: the pair's
    price; off (or nothing to go by): None, the price is not touched."""
    if rule == "fixed":
        return None if fixed is None else Decimal(fixed).quantize(Decimal("0.01"))
    if rule != "rate" or master_price is None:
        return None
    converted = currency.convert(Decimal(master_price) * rate, master_currency)
    return None if converted is None else currency.round(converted)


@dataclass
class PlannedPrice:
    pair_id: int
    follower_code: str
    desired: Decimal | None
    current: Decimal | None
    pushed: Decimal | None
    seen: Decimal | None
    stored_desired: Decimal | None
    state: str

    @property
    def to_push(self) -> bool:
        if self.desired is None:
            return False
        effective = self.pushed if self.state == "pending" else self.current
        return effective is None or Decimal(effective) != self.desired


def plan_prices(session: Session, master: Shop, follower: Shop) -> tuple[str, list[PlannedPrice]]:
    """Each pair's desired price under the follower's price rule, beside its current price."""
    rule, rate = price_rule(session, follower)
    if rule == "off":
        return rule, []
    currency = currency_of(session, follower, master)
    master_variant = (select(ProductVariant.code, ProductVariant.price, ProductVariant.currency)
                      .where(ProductVariant.shop_id == master.id).subquery())
    follower_variant = (select(ProductVariant.code, ProductVariant.price)
                        .where(ProductVariant.shop_id == follower.id).subquery())
    rows = session.execute(
        select(VariantPair.id, VariantPair.follower_code, VariantPair.master_code, VariantPair.fixed_price,
               VariantPair.pushed_price, VariantPair.seen_price, VariantPair.desired_price, master_variant.c.price,
               master_variant.c.currency, follower_variant.c.price)
        .outerjoin(master_variant, master_variant.c.code == VariantPair.master_code)
        .outerjoin(follower_variant, follower_variant.c.code == VariantPair.follower_code)
        .where(VariantPair.follower_shop_id == follower.id, VariantPair.master_shop_id == master.id)
        .order_by(VariantPair.follower_code)).all()
    planned = []
    for pair_id, code, master_code, fixed, pushed, seen, stored, master_price, master_currency, current in rows:
        desired = (desired_price(rule, rate, master_price, master_currency or master.currency, fixed, currency)
                   if master_code else None)
        state = "skipped" if desired is None else classify(pushed, seen, current)
        planned.append(PlannedPrice(pair_id, code, desired, current, pushed, seen, stored, state))
    return rule, planned


def remember_prices(session: Session, prices: list[PlannedPrice], result) -> None:
    result.price_skipped = sum(1 for item in prices if item.state == "skipped")
    result.price_unchanged = sum(1 for item in prices if item.state != "skipped" and not item.to_push)
    result.drift += sum(1 for item in prices if item.state == "drift")
    known = [{"id": item.pair_id, "desired_price": item.desired, "seen_price": item.current} for item in prices
             if item.seen != item.current or item.stored_desired != item.desired]
    if known:
        session.execute(update(VariantPair), known)


def push_prices(session: Session, follower: Shop, changes: list[PlannedPrice], result,
                 committed: Callable[[], None] | None) -> None:
    if not changes:
        return
    with channel_for(follower).writer(follower) as writer:
        result.price_changed += push_in_batches(session, changes, writer.set_prices,
                                                lambda item: {"pushed_price": item.desired}, result, committed)
