"""Demand has the structure of a real shop's: season, trend, long tail, launches, promotions, stock-outs.

One generated shop of 20 000 orders; each test aggregates its order lines the way
an inventory-planning backtest would.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest

from sandbox.config import ShopSizes
from sandbox.formats import parse_decimal
from sandbox.generator import ShopData
from sandbox.generator.calendar import DAY, local_day, weekday
from sandbox.generator.words import CATEGORIES

ORDERS = 20_000


@pytest.fixture(scope="module")
def shop():
    return ShopData(5, 0, ShopSizes.derive(ORDERS))


@pytest.fixture(scope="module")
def lines(shop):
    """(time, variant, qty thousandths, cancelled) of every product line of every order."""
    out = []
    for i in range(ORDERS):
        cancelled, picks, _gift = shop.orders.sales(i)
        t = shop.stream.time(i)
        out.extend((t, variant, qty, cancelled) for variant, qty, _ratio in picks)
    return out


def month(t: int) -> int:
    return time.gmtime(t + 3600).tm_mon


def year(t: int) -> int:
    return time.gmtime(t + 3600).tm_year


def test_weekly_and_yearly_season_and_growth(shop):
    stream = shop.stream
    days = Counter(weekday(local_day(stream.time(i))) for i in range(ORDERS))
    assert days[0] > 1.3 * days[5]  # Mondays sell more than Saturdays
    by_month = Counter((year(stream.time(i)), month(stream.time(i))) for i in range(ORDERS))
    years = sorted({y for y, _m in by_month})
    full_years = [y for y in years if by_month[(y, 1)] and by_month[(y, 12)]]
    assert len(full_years) >= 4
    # The run-up to Christmas beats the January after it, although the shop keeps growing.
    for y in full_years[:-1]:
        assert by_month[(y, 12)] > 1.2 * by_month[(y + 1, 1)], (y, by_month[(y, 12)], by_month[(y + 1, 1)])
    totals = [sum(c for (yy, _m), c in by_month.items() if yy == y) for y in full_years]
    assert totals == sorted(totals) and totals[-1] > 2 * totals[0]  # trend


def test_categories_have_their_own_season(shop, lines):
    garden = CATEGORIES.index(next(c for c in CATEGORIES if c[3] == "Garden"))
    spring, winter = Counter(), Counter()
    for t, variant, qty, _cancelled in lines:
        target = spring if month(t) in (4, 5) else winter if month(t) in (11, 12, 1) else None
        if target is not None:
            target["garden" if shop.catalog.products[variant.product].category == garden else "other"] += qty
    share = lambda c: c["garden"] / (c["garden"] + c["other"])  # noqa: E731
    assert share(spring) > 2 * share(winter), (share(spring), share(winter))


def test_long_tail_of_slow_sellers(shop, lines):
    units = Counter()
    for _t, variant, qty, _cancelled in lines:
        units[variant.vid] += qty
    ranked = sorted((units[v.vid] for v in shop.catalog.variants), reverse=True)
    top = sum(ranked[: len(ranked) // 10])
    assert top > 0.4 * sum(ranked)  # the best 10 % of variants sell > 40 % of the units
    years = (shop.base_end - shop.start) / (365 * DAY)
    slow = sum(1 for u in ranked if u / 1000 / years < 3)
    assert slow > 0.25 * len(ranked)  # a quarter of the variants sell fewer than 3 a year


def test_launches_sell_more_than_later(shop, lines):
    """A product's first three weeks, against weeks 9-16 of its life (both relative to the shop's daily total)."""
    daily = Counter(local_day(t) for t, *_ in lines)
    early = late = 0.0
    early_days = late_days = 0
    created = {p.index: p.created for p in shop.catalog.products if p.created > shop.start + 30 * DAY}
    per_product = defaultdict(Counter)
    for t, variant, qty, _c in lines:
        if variant.product in created:
            per_product[variant.product][local_day(t)] += qty
    for p, born in created.items():
        first = local_day(born)
        if first + 112 > local_day(shop.base_end):
            continue
        for day in range(first, first + 21):
            early += per_product[p][day] / max(1, daily[day])
            early_days += 1
        for day in range(first + 56, first + 112):
            late += per_product[p][day] / max(1, daily[day])
            late_days += 1
    assert early / early_days > 1.3 * (late / late_days), (early / early_days, late / late_days)


def test_promotions_lift_sales_at_the_action_price(shop, lines):
    units_in, days_in, units_out, days_out = 0, 0, 0, 0
    windows = {p.index: p.promos for p in shop.catalog.products if p.promos}
    per_product = defaultdict(Counter)
    for t, variant, qty, _c in lines:
        if variant.product in windows:
            per_product[variant.product][local_day(t)] += qty
    for p, promos in windows.items():
        for start, stop, _ratio in promos:
            d0, d1 = local_day(start), local_day(stop)
            units_in += sum(per_product[p][d] for d in range(d0, d1))
            days_in += d1 - d0
            units_out += sum(per_product[p][d] for d in range(d0 - 42, d0 - 7))
            days_out += 35
    assert units_in / days_in > 1.5 * units_out / days_out, (units_in / days_in, units_out / days_out)
    # An order placed during a promotion pays the action price.
    for i in range(ORDERS - 1, 0, -1):
        head = shop.orders.head(i)
        promoted = [(v, q) for v, q, r in head.picks if r == 10000 and head.currency == shop.profile.currency
                    and shop.catalog.promo_ratio(shop.catalog.products[v.product], head.created) < 10000]
        if promoted:
            variant = promoted[0][0]
            order = shop.order_record(i)
            item = next(x for x in order["items"] if x["code"] == variant.code)
            assert parse_decimal(item["unitPrice"]["withVat"], 2) < variant.price
            return
    pytest.fail("no order line during a promotion")


def test_no_sale_in_a_planned_stock_out(shop, lines):
    supply = shop.supply
    assert all(supply.available(variant, t) for t, variant, _q, _c in lines)
    out = [v for v in shop.catalog.variants if supply.out_of_stock_days(v, shop.start) > 0]
    assert len(out) > 0.3 * len(shop.catalog.variants)
    # A variant that sells well does sell again right after its stock-out ends.
    sold_days = defaultdict(set)
    for t, variant, _q, cancelled in lines:
        if not cancelled:
            sold_days[variant.vid].add(local_day(t))
    best = max(out, key=lambda v: len(sold_days[v.vid]))
    starts, oos = supply.starts[best.vid], supply.oos[best.vid]
    gaps = [(local_day(oos[k]), local_day(starts[k + 1])) for k in range(len(starts) - 1) if oos[k]]
    assert gaps and all(not any(a < d < b for d in sold_days[best.vid]) for a, b in gaps)
