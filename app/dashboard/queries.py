"""Reads of the sales rollups (never of `orders` / `order_items`): the summary and the dashboard's figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from app.dashboard.models import SalesDay

CANCELLED = "cancelled"


def sales_summary(session: Session, shop_ids: list[int], start: date, end: date) -> dict[str, dict]:
    """Per currency: orders created in [start, end] (the shops' days) that are not cancelled, their total with
    VAT, and the cancelled ones. Deleted orders are in no rollup."""
    not_cancelled = SalesDay.status != CANCELLED
    rows = session.execute(
        select(SalesDay.currency,
               func.coalesce(func.sum(case((not_cancelled, SalesDay.orders), else_=0)), 0),
               func.coalesce(func.sum(case((not_cancelled, SalesDay.revenue_with_vat), else_=0)), 0),
               func.coalesce(func.sum(case((not_cancelled, 0), else_=SalesDay.orders)), 0))
        .where(SalesDay.shop_id.in_(shop_ids), SalesDay.day >= start, SalesDay.day <= end)
        .group_by(SalesDay.currency).order_by(SalesDay.currency)
    ).all()
    return {currency: {"orders": int(orders), "revenue": f"{Decimal(revenue):.2f}", "cancelled": int(cancelled)}
            for currency, orders, revenue, cancelled in rows}


def by_currency(rows) -> dict[str, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.currency].append(row)
    return dict(grouped)


# --- the dashboard: long ranges read whole months from the month rollups and the edges from the day rollups --

BUCKETS = {"day": "{d}", "week": "date_trunc('week', {d})::date", "month": "date_trunc('month', {d})::date",
           "range": "CAST(:{tag}start AS date)"}  # one bucket: the whole range


def _whole_months(start: date, end: date) -> tuple[date, date]:
    """[first, stop): the calendar months entirely inside [start, end] (first == stop: none)."""
    first = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    stop = after.replace(day=1)
    return (first, stop) if first < stop else (first, first)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _days(first: date, stop: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((stop - first).days)]


@dataclass(frozen=True)
class Span:
    """One part of a dashboard read: a range, its bucket grain, and whether its whole months come from the month
    rollup (then only the days at its edges are read from the day rollup, each by its key)."""

    tag: str
    start: date
    end: date
    grain: str
    use_months: bool = True

    def sql(self, days: str, months: str, select: str, where: str, group: str) -> tuple[str, dict]:
        tag = self.tag
        params = {f"{tag}start": self.start, f"{tag}end": self.end}
        bucket = BUCKETS[self.grain]
        head = f"SELECT '{tag}' AS part, {{bucket}} AS bucket, {select} FROM {{table}} "  # noqa: S608
        head += "WHERE shop_id = ANY(:shops) "
        tail = f" {where} GROUP BY 2, {group}"
        first, stop = _whole_months(self.start, self.end) if self.use_months else (self.start, self.start)
        if first == stop:
            return (head.format(bucket=bucket.format(d="day", tag=tag), table=days)
                    + f"AND day >= :{tag}start AND day <= :{tag}end" + tail), params
        params.update({f"{tag}edges": _days(self.start, first) + _days(stop, self.end + timedelta(days=1)),
                       f"{tag}from": first, f"{tag}to": stop})
        return (head.format(bucket=bucket.format(d="day", tag=tag), table=days) + f"AND day = ANY(:{tag}edges)" + tail
                + " UNION ALL "
                + head.format(bucket=bucket.format(d="month", tag=tag), table=months)
                + f"AND month >= :{tag}from AND month < :{tag}to" + tail), params


def _read(session: Session, spans: list[Span], shop_ids: list[int], days: str, months: str, select: str,
          where: str, group: str):
    """Every span's rows in one round trip, each row with its span's tag as `part`."""
    parts, params = [], {"shops": shop_ids}
    for span in spans:
        sql, values = span.sql(days, months, select, where, group)
        parts.append(sql)
        params.update(values)
    return session.execute(text(" UNION ALL ".join(parts)), params).all()


SALES_SUMS = ("sum(orders) AS orders, sum(revenue_with_vat) AS revenue_with_vat, "
              "sum(revenue_without_vat) AS revenue_without_vat, sum(new_customers) AS new_customers, "
              "sum(returning_customers) AS returning_customers, sum(items) AS items")


def _shop(by_shop: bool) -> tuple[str, str]:
    """(selected, grouped) shop column: each shop's rows apart only when their amounts are converted per shop."""
    return ("shop_id", "shop_id, ") if by_shop else ("0 AS shop_id", "")


def sales_rows(session: Session, shop_ids: list[int], spans: list[Span], by_shop: bool = True):
    """(part, bucket, shop_id, currency, status, orders, revenues, new, returning, items) of every span
    (shop_id 0 for all the shops together unless `by_shop`)."""
    shop, grouped = _shop(by_shop)
    return _read(session, spans, shop_ids, "sales_days", "sales_months", f"{shop}, currency, status, {SALES_SUMS}",
                 "", f"{grouped}currency, status")


def method_rows(session: Session, shop_ids: list[int], span: Span, by_shop: bool = True):
    """(part, bucket, shop_id, currency, kind, method, orders, revenue) of orders that are not cancelled."""
    shop, grouped = _shop(by_shop)
    return _read(session, [span], shop_ids, "sales_method_days", "sales_method_months",
                 f"{shop}, currency, kind, method, sum(orders) AS orders, sum(revenue_with_vat) AS revenue_with_vat",
                 "AND status <> 'cancelled'", f"{grouped}currency, kind, method")


def _whole_years(first: date, stop: date) -> tuple[date, date]:
    """[from, to): the calendar years entirely inside the months [first, stop); none: (stop, stop)."""
    start = first if (first.month, first.day) == (1, 1) else date(first.year + 1, 1, 1)
    end = date(stop.year, 1, 1)
    return (start, end) if start < end else (stop, stop)


def product_sales_sql(start: date, end: date, revenue: str, whole_years: bool = True) -> tuple[str, dict]:
    """(shop_id, currency, code, product_guid, name, quantity, revenue) rows of the product lines of orders not
    cancelled made in [start, end], summed per shop, currency and code within each part: whole years from the
    year rollup, the other whole months from the month rollup, the edge days from the day rollup, each by its
    key. A two-year range reads at most a year, 22 months and 60 days of rows, not 24 months of them.
    (`whole_years` False: months only, as before the year rollup, which the dashboard bench compares.)"""
    first, stop = _whole_months(start, end)
    if first == stop:  # no whole month: every day from the day rollup
        first = stop = end + timedelta(days=1)
    years = _whole_years(first, stop) if whole_years else (stop, stop)
    part = ("SELECT shop_id, currency, code, max(product_guid) AS product_guid, max(name) AS name, "
            "sum(quantity) AS quantity, sum({revenue}) AS revenue FROM {table} "
            "WHERE shop_id = ANY(:shops) AND {where} GROUP BY shop_id, currency, code")
    sales = "status <> 'cancelled' AND "
    parts = [part.format(revenue=revenue, table="sales_product_days", where=sales + "day = ANY(:p_days)"),
             part.format(revenue=revenue, table="sales_product_months",
                         where=sales + "month >= :p_first AND month < :p_years"),
             part.format(revenue=revenue, table="sales_product_months",
                         where=sales + "month >= :p_years_end AND month < :p_stop"),
             part.format(revenue=revenue, table="sales_product_years",
                         where="year >= :p_years AND year < :p_years_end")]
    params = {"p_days": _days(start, first) + _days(stop, end + timedelta(days=1)), "p_first": first,
              "p_stop": stop, "p_years": years[0], "p_years_end": years[1]}
    return " UNION ALL ".join(parts), params


def top_products(session: Session, shop_ids: list[int], start: date, end: date, revenue: str, limit: int = 10,
                 whole_years: bool = True):
    """Per order currency, the products with the highest revenue (`revenue`: a revenue column), and categories:
    the range's product sums read once, both rankings from them in the same query."""
    assert revenue in ("revenue_with_vat", "revenue_without_vat")
    inner, params = product_sales_sql(start, end, revenue, whole_years)
    params.update(shops=shop_ids, limit=limit)
    rows = session.execute(text(f"""
        WITH r AS MATERIALIZED (
            SELECT shop_id, currency, code, max(product_guid) AS guid, max(name) AS name, sum(quantity) AS quantity,
                   sum(revenue) AS revenue
            FROM ({inner}) parts GROUP BY shop_id, currency, code),
        p AS (SELECT currency, code, max(name) AS name, sum(quantity) AS quantity, sum(revenue) AS revenue
              FROM r GROUP BY currency, code),
        c AS (SELECT r.currency, coalesce(pr.default_category, '') AS category, sum(r.quantity) AS quantity,
                     sum(r.revenue) AS revenue
              FROM r LEFT JOIN products pr ON pr.shop_id = r.shop_id AND pr.guid = r.guid
              GROUP BY r.currency, coalesce(pr.default_category, ''))
        SELECT * FROM (
            SELECT 'product' AS kind, currency, code, name, NULL AS category, quantity, revenue,
                   row_number() OVER (PARTITION BY currency ORDER BY revenue DESC, code) AS rank FROM p
            UNION ALL
            SELECT 'category', currency, NULL, NULL, category, quantity, revenue,
                   row_number() OVER (PARTITION BY currency ORDER BY revenue DESC, category) FROM c) t
        WHERE rank <= :limit ORDER BY kind DESC, currency, rank"""), params).all()  # noqa: S608 (constant)
    return [row for row in rows if row.kind == "product"], [row for row in rows if row.kind == "category"]
