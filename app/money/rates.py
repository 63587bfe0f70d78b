"""The shops' stated exchange rates: kept per day as the platforms give them, used to convert into the
organization's reporting currency.

A rate is never invented: a day without a recorded rate uses the nearest earlier one (rates are recorded when
a shop is connected and daily after), or the earliest one for a day before the first record; a pair of
currencies no shop states a rate for is not converted at all (`factor` returns None and the page shows that
currency on its own).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.channels.base import CurrencyRate
from app.money.models import ShopCurrencyRate
from app.shops.models import Shop

ONE = Decimal(1)
FACTOR_PLACES = Decimal("0.0000000001")
DEFAULT_ZONE = "Europe/Prague"


def record_rates(session: Session, shop_id: int, base_currency: str, rates: Iterable[CurrencyRate],
                 day: date) -> int:
    """Keep the shop's rates of `day`; the base currency's own row (rate 1) marks the day as read."""
    rows = {rate.code: {"shop_id": shop_id, "currency": rate.code, "valid_on": day,
                        "rate": ONE if rate.code == base_currency else rate.rate, "decimals": rate.decimals,
                        "rounding": rate.rounding} for rate in rates}
    rows.setdefault(base_currency, {"shop_id": shop_id, "currency": base_currency, "valid_on": day, "rate": ONE,
                                    "decimals": None, "rounding": None})
    rows = list(rows.values())
    statement = insert(ShopCurrencyRate).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["shop_id", "currency", "valid_on"],
        set_={"rate": statement.excluded.rate, "decimals": statement.excluded.decimals,
              "rounding": statement.excluded.rounding, "fetched_at": func.now()}))
    return len(rows)


def rates_day(shop) -> date:
    """The day a rate read now is valid for: today where the shop is (its time zone, else Prague's)."""
    try:
        zone = ZoneInfo(shop.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_ZONE)
    return datetime.now(zone).date()


def shops_without_rates(session: Session, day_of=rates_day) -> list[int]:
    """Active shops whose rates of their today were not read yet."""
    shops = session.execute(select(Shop).where(Shop.status == "active")).scalars().all()
    read = set(session.execute(
        select(ShopCurrencyRate.shop_id, ShopCurrencyRate.valid_on)
        .where(ShopCurrencyRate.valid_on >= date.today() - timedelta(days=1))).all())
    return [shop.id for shop in shops if (shop.id, day_of(shop)) not in read]


class _Series:
    """One shop's rate for one currency over time."""

    def __init__(self):
        self.days: list[date] = []
        self.rates: list[Decimal] = []

    def on(self, day: date) -> tuple[Decimal, date]:
        index = bisect.bisect_right(self.days, day) - 1
        index = max(index, 0)  # before the first record: the earliest known
        return self.rates[index], self.days[index]


@dataclass(frozen=True)
class ShopBase:
    id: int
    name: str
    currency: str


class ReportingRates:
    """Base-currency → reporting-currency factors per shop and day, from the organization's shops' own rates.

    A shop whose base is the reporting currency: 1. A shop that states a rate for the reporting currency
    (R): 1 / its rate (base units per R). Else a shop whose base is R and that states a rate for the first
    shop's base currency: that rate (R units per unit of it). Else None.
    """

    def __init__(self, session: Session, shops: Iterable, reporting: str):
        self.reporting = reporting
        self.shops = {shop.id: ShopBase(shop.id, shop.name, shop.currency) for shop in shops}
        self._series: dict[tuple[int, str], _Series] = defaultdict(_Series)
        self.latest: date | None = None
        if not reporting or not self.shops:
            return
        rows = session.execute(
            select(ShopCurrencyRate.shop_id, ShopCurrencyRate.currency, ShopCurrencyRate.valid_on,
                   ShopCurrencyRate.rate)
            .where(ShopCurrencyRate.shop_id.in_(list(self.shops)))
            .order_by(ShopCurrencyRate.shop_id, ShopCurrencyRate.currency, ShopCurrencyRate.valid_on)
        ).all()
        for shop_id, currency, valid_on, rate in rows:
            series = self._series[(shop_id, currency)]
            series.days.append(valid_on)
            series.rates.append(rate)
            self.latest = max(self.latest or valid_on, valid_on)

    def factor(self, shop_id: int, day: date) -> Decimal | None:
        """Multiply an amount in the shop's base currency by this to get the reporting currency (None: no
        stated rate links the two)."""
        found = self.conversion(shop_id, day)
        return found[0] if found else None

    def conversion(self, shop_id: int, day: date) -> tuple[Decimal, str, date | None] | None:
        """(factor, whose rate, its date) or None."""
        shop = self.shops[shop_id]
        if not self.reporting or shop.currency == self.reporting:
            return ONE, shop.name, None
        own = self._series.get((shop_id, self.reporting))
        if own is not None and own.days:
            rate, valid_on = own.on(day)
            return (ONE / rate).quantize(FACTOR_PLACES), shop.name, valid_on
        for other in self.shops.values():
            series = self._series.get((other.id, shop.currency))
            if other.currency == self.reporting and series is not None and series.days:
                rate, valid_on = series.on(day)
                return rate, other.name, valid_on
        return None

    def convertible(self, shop_ids: Iterable[int], day: date) -> bool:
        return all(self.factor(shop_id, day) is not None for shop_id in shop_ids)

    def convert(self, shop_id: int, day: date, amount: Decimal) -> Decimal | None:
        factor = self.factor(shop_id, day)
        return None if factor is None else (amount * factor).quantize(Decimal("0.01"))
