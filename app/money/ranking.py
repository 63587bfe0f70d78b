"""Ranking amounts that are in each shop's own base currency (a customer's total spent) across shops.

Amounts in different currencies are never compared as raw numbers. When the listed shops' base currencies
differ, a ranking either converts into the organization's reporting currency at the shops' own stated rates
(`ReportingRates`, today's or the nearest earlier), and the page says whose rate of which day it used, or, with
no reporting currency (or no stated rate linking a shop's currency to it), ranks one currency at a time: the
page lists the shops of one currency and links to the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.money.rates import ReportingRates


@dataclass(frozen=True)
class RateUsed:
    shop_name: str
    base: str  # the shop's base currency
    factor: Decimal  # reporting-currency units per unit of `base`
    stated_by: str  # the shop whose platform stated the rate
    valid_on: date | None


@dataclass
class Ranking:
    """How the page ranks amounts of several currencies: `scales` (shop id → factor into `reporting`), or one
    `currency` at a time (`shop_ids`: that currency's shops)."""

    shop_ids: list[int]
    currencies: list[str]  # every base currency among the listed shops, most shops first
    currency: str | None = None  # per currency: the one shown
    reporting: str | None = None  # converted: into this currency
    scales: dict[int, Decimal] = field(default_factory=dict)
    rates: list[RateUsed] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        return self.reporting is not None


def ranking_for(session: Session, shops: list, reporting: str | None, chosen: str | None,
                today: date) -> Ranking | None:
    """None when the listed `shops` share one base currency (their amounts compare as they are)."""
    counts = Counter(shop.currency for shop in shops)
    if len(counts) <= 1:
        return None
    currencies = [currency for currency, _ in counts.most_common()]
    if reporting:
        rates = ReportingRates(session, shops, reporting)
        found = {shop.id: rates.conversion(shop.id, today) for shop in shops}
        if all(found.values()):
            return Ranking(
                shop_ids=[shop.id for shop in shops], currencies=currencies, reporting=reporting,
                scales={shop_id: conversion[0] for shop_id, conversion in found.items()},
                rates=[RateUsed(shop.name, shop.currency, found[shop.id][0], found[shop.id][1], found[shop.id][2])
                       for shop in shops if shop.currency != reporting])
    currency = chosen if chosen in counts else currencies[0]
    return Ranking(shop_ids=[shop.id for shop in shops if shop.currency == currency], currencies=currencies,
                   currency=currency)
