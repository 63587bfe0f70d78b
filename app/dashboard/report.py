"""The dashboard's figures for one range: KPIs against the previous period and a year ago, charts, breakdowns.

Everything is read from the rollups (app/dashboard/queries.py). Money stays in its currency unless the
organization chose a reporting currency; then each amount is converted at its shop's stated rate
(app/money/rates.py) of the amount's month (its first day, or the range's first day when later), and an
amount no stated rate converts stays in its own currency, shown on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.dashboard import queries
from app.dashboard.charts import Chart, line_chart
from app.dashboard.periods import Period
from app.dashboard.queries import Span
from app.money.rates import ReportingRates

ZERO = Decimal(0)
CANCELLED = "cancelled"


@dataclass
class Figures:
    """One currency's figures in one period."""

    orders: int = 0
    revenue: Decimal = ZERO
    cancelled: int = 0
    new_customers: int = 0
    returning_customers: int = 0
    items: Decimal = ZERO

    @property
    def average_order(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(Decimal("0.01")) if self.orders else None

    @property
    def cancelled_share(self) -> float | None:
        every = self.orders + self.cancelled
        return self.cancelled / every if every else None


@dataclass
class Comparison:
    current: Figures
    previous: Figures
    year_ago: Figures


@dataclass
class Report:
    period: Period
    previous: Period
    year_ago: Period
    vat: str
    reporting: str | None
    conversions: list[str]
    kpis: dict[str, Comparison]  # currency → figures
    items_per_order: tuple[float | None, float | None, float | None]
    charts: list[Chart]
    statuses: list[tuple[str, int, dict[str, Decimal]]]
    methods: dict[str, list[tuple[str, int, dict[str, Decimal]]]]
    empty: bool = field(default=False)


class Converter:
    """(currency shown, factor) of an amount of a shop in a currency on a day."""

    def __init__(self, session: Session, shops, reporting: str | None):
        self.reporting = reporting or None
        self.rates = ReportingRates(session, shops, reporting) if self.reporting else None
        self.used: dict[tuple[int, str], tuple[str, date | None]] = {}

    def __call__(self, shop_id: int, currency: str, day: date) -> tuple[str, Decimal]:
        if self.rates is None or currency == self.reporting:
            return currency, Decimal(1)
        found = self.rates.conversion(shop_id, day)
        if found is None:
            return currency, Decimal(1)
        factor, whose, valid_on = found
        shop_base = self.rates.shops[shop_id].currency
        if currency != shop_base:  # the order's currency → the shop's base at the shop's own stated rate
            series = self.rates._series.get((shop_id, currency))
            if series is None or not series.days:
                return currency, Decimal(1)
            rate, valid_on = series.on(day)
            factor = rate * factor
        self.used[(shop_id, currency)] = (whose, valid_on)
        return self.reporting, factor


def _figures(rows, convert: Converter, vat: str, start: date) -> dict[str, Figures]:
    result: dict[str, Figures] = defaultdict(Figures)
    for row in rows:
        currency, factor = convert(row.shop_id, row.currency, max(row.bucket, start))
        figures = result[currency]
        if row.status == CANCELLED:
            figures.cancelled += int(row.orders)
            continue
        figures.orders += int(row.orders)
        figures.revenue += Decimal(getattr(row, vat)) * factor
        figures.new_customers += int(row.new_customers)
        figures.returning_customers += int(row.returning_customers)
        figures.items += Decimal(row.items)
    for figures in result.values():
        figures.revenue = figures.revenue.quantize(Decimal("0.01"))
    return result


def buckets(period: Period) -> list[date]:
    """Every bucket of the period's grain, so a day without sales is a zero, not a gap."""
    grain, day = period.grain, period.start
    if grain == "week":
        day -= timedelta(days=day.weekday())
    elif grain == "month":
        day = day.replace(day=1)
    found = []
    while day <= period.end:
        found.append(day)
        day = (day + timedelta(days=1) if grain == "day" else day + timedelta(days=7) if grain == "week"
               else (day.replace(day=28) + timedelta(days=4)).replace(day=1))
    return found


def build_report(session: Session, shops, shop_ids: list[int], period: Period, vat: str,
                 reporting: str | None) -> Report:
    column = "revenue_with_vat" if vat == "incl" else "revenue_without_vat"
    convert = Converter(session, shops, reporting)
    periods = (period, period.previous(), period.year_ago())
    # Totals need months only to convert each at its month's rate; without a reporting currency, one bucket.
    totals = "month" if convert.reporting else "range"
    spans = [Span("chart", period.start, period.end, period.grain, use_months=period.grain == "month"),
             Span("previous", periods[1].start, periods[1].end, totals),
             Span("year_ago", periods[2].start, periods[2].end, totals)]
    if period.grain != "month":  # the chart's days or weeks would convert at their own day's rate
        spans.append(Span("current", period.start, period.end, totals))
    rows: dict[str, list] = defaultdict(list)
    by_shop = convert.reporting is not None  # amounts converted at each shop's own rates
    for row in queries.sales_rows(session, shop_ids, spans, by_shop):
        rows[row.part].append(row)
    chart_rows = rows["chart"]
    kpi_rows = (rows["current"] if period.grain != "month" else chart_rows, rows["previous"], rows["year_ago"])
    figures = [_figures(part, convert, column, p.start) for part, p in zip(kpi_rows, periods, strict=True)]
    currencies = sorted(set(figures[0]) | set(figures[1]) | set(figures[2]))
    kpis = {currency: Comparison(*(f.get(currency, Figures()) for f in figures)) for currency in currencies}
    items = [sum((f.items for f in found.values()), ZERO) for found in figures]
    orders = [sum(f.orders for f in found.values()) for found in figures]
    items_per_order = tuple(float(i / n) if n else None for i, n in zip(items, orders, strict=True))

    # Charts (the period's grain) and the orders by status.
    series_revenue: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    series_orders: dict[date, int] = defaultdict(int)
    statuses: dict[str, list] = {}
    for row in chart_rows:
        currency, factor = convert(row.shop_id, row.currency, max(row.bucket, period.start))
        entry = statuses.setdefault(row.status, [0, defaultdict(Decimal)])
        entry[0] += int(row.orders)
        entry[1][currency] += Decimal(getattr(row, column)) * factor
        if row.status != CANCELLED:
            series_revenue[currency][row.bucket] += Decimal(getattr(row, column)) * factor
            series_orders[row.bucket] += int(row.orders)
    axis = buckets(period)
    charts = [line_chart(f"revenue-{currency}", currency, axis,
                         {currency: [float(series_revenue[currency].get(b, 0)) for b in axis]}, period.grain)
              for currency in sorted(series_revenue)]
    charts.append(line_chart("orders", "", axis, {"orders": [series_orders.get(b, 0) for b in axis]}, period.grain))

    methods: dict[str, dict[str, list]] = {"payment": {}, "shipping": {}}
    for row in queries.method_rows(session, shop_ids, Span("methods", period.start, period.end, totals), by_shop):
        currency, factor = convert(row.shop_id, row.currency, max(row.bucket, period.start))
        entry = methods[row.kind].setdefault(row.method, [0, defaultdict(Decimal)])
        entry[0] += int(row.orders)
        entry[1][currency] += Decimal(row.revenue_with_vat) * factor

    def ranked(entries: dict[str, list]) -> list:
        return sorted(((name, count, {c: v.quantize(Decimal("0.01")) for c, v in money.items()})
                       for name, (count, money) in entries.items()), key=lambda entry: (-entry[1], entry[0]))

    conversions = [f"{convert.rates.shops[shop_id].name}: {currency} → {reporting}, "
                   f"{whose}'s stated rate{f' of {valid_on:%Y-%m-%d}' if valid_on else ''}"
                   for (shop_id, currency), (whose, valid_on) in sorted(convert.used.items())
                   if currency != reporting]
    return Report(period, periods[1], periods[2], vat, convert.reporting, conversions, kpis, items_per_order,
                  charts, ranked(statuses), {kind: ranked(entries) for kind, entries in methods.items()},
                  empty=not currencies)
