"""Reads of the sales rollups (never of `orders` / `order_items`): the summary and the dashboard's figures."""

from __future__ import annotations

from collections import defaultdict
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
           "range": "CAST(:start AS date)"}  # one bucket: the whole range


def _whole_months(start: date, end: date) -> tuple[date, date]:
    """[first, stop): the calendar months entirely inside [start, end] (first == stop: none)."""
    first = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    stop = after.replace(day=1)
    return (first, stop) if first < stop else (first, first)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


DAY_PART = """SELECT __BUCKET__ AS bucket, __SELECT__ FROM __TABLE__
WHERE shop_id = ANY(:shops) AND day >= :start AND day <= :end AND NOT (day >= :months_from AND day < :months_to)
__WHERE__ GROUP BY 1, __GROUP__"""
MONTH_PART = """SELECT __BUCKET__ AS bucket, __SELECT__ FROM __TABLE__
WHERE shop_id = ANY(:shops) AND month >= :months_from AND month < :months_to __WHERE__ GROUP BY 1, __GROUP__"""


def _fill(template: str, parts: dict[str, str]) -> str:
    """Constant fragments (never values) into a template's __NAME__ places."""
    for name, fragment in parts.items():
        template = template.replace(f"__{name}__", fragment)
    return template


def _ranged(days: str, months: str, select: str, where: str, group: str, grain: str, use_months: bool) -> str:
    """SELECT over the day rollup for the range's edges and the month rollup for its whole months."""
    day_bucket, month_bucket = BUCKETS[grain].format(d="day"), BUCKETS[grain].format(d="month")
    fill = {"BUCKET": day_bucket, "SELECT": select, "TABLE": days, "WHERE": where, "GROUP": group}
    parts = [_fill(DAY_PART, fill)]
    if use_months:
        parts.append(_fill(MONTH_PART, {**fill, "BUCKET": month_bucket, "TABLE": months}))
    return " UNION ALL ".join(parts)


def _params(shop_ids: list[int], start: date, end: date, use_months: bool) -> dict:
    months_from, months_to = _whole_months(start, end) if use_months else (start, start)
    return {"shops": shop_ids, "start": start, "end": end, "months_from": months_from, "months_to": months_to}


SALES_SELECT = ("shop_id, currency, status, sum(orders) AS orders, sum(revenue_with_vat) AS revenue_with_vat, "
                "sum(revenue_without_vat) AS revenue_without_vat, sum(new_customers) AS new_customers, "
                "sum(returning_customers) AS returning_customers, sum(items) AS items")


def sales_rows(session: Session, shop_ids: list[int], start: date, end: date, grain: str):
    """(bucket, shop_id, currency, status, orders, revenues, new, returning) per bucket of `grain`."""
    use_months = grain == "month"
    sql = _ranged("sales_days", "sales_months", SALES_SELECT, "", "shop_id, currency, status", grain, use_months)
    return session.execute(text(sql), _params(shop_ids, start, end, use_months)).all()


def method_rows(session: Session, shop_ids: list[int], start: date, end: date):
    """(bucket month, shop_id, currency, kind, method, orders, revenue) of orders that are not cancelled."""
    sql = _ranged("sales_method_days", "sales_method_months",
                  "shop_id, currency, kind, method, sum(orders) AS orders, sum(revenue_with_vat) AS revenue_with_vat",
                  "AND status <> 'cancelled'", "shop_id, currency, kind, method", "month", True)
    return session.execute(text(sql), _params(shop_ids, start, end, True)).all()


def top_products(session: Session, shop_ids: list[int], start: date, end: date, revenue: str, limit: int = 10):
    """Per order currency, the products with the highest revenue (`revenue`: a revenue column), and categories."""
    assert revenue in ("revenue_with_vat", "revenue_without_vat")
    inner = _ranged("sales_product_days", "sales_product_months",
                    f"shop_id, currency, code, max(product_guid) AS product_guid, max(name) AS name, "
                    f"sum(quantity) AS quantity, sum({revenue}) AS revenue",
                    "AND status <> 'cancelled'", "shop_id, currency, code", "range", True)
    params = {**_params(shop_ids, start, end, True), "limit": limit}
    products = session.execute(text(f"""
        WITH p AS (SELECT currency, code, max(name) AS name, sum(quantity) AS quantity, sum(revenue) AS revenue
                   FROM ({inner}) r GROUP BY currency, code)
        SELECT currency, code, name, quantity, revenue FROM (
            SELECT p.*, row_number() OVER (PARTITION BY currency ORDER BY revenue DESC, code) AS rank FROM p) t
        WHERE rank <= :limit ORDER BY currency, rank"""), params).all()  # noqa: S608 (constant)
    categories = session.execute(text(f"""
        WITH p AS (SELECT shop_id, currency, max(product_guid) AS guid, sum(quantity) AS quantity,
                          sum(revenue) AS revenue
                   FROM ({inner}) r GROUP BY shop_id, currency, code)
        SELECT currency, category, quantity, revenue FROM (
            SELECT p.currency, coalesce(pr.default_category, '') AS category, sum(p.quantity) AS quantity,
                   sum(p.revenue) AS revenue,
                   row_number() OVER (PARTITION BY p.currency ORDER BY sum(p.revenue) DESC) AS rank
            FROM p LEFT JOIN products pr ON pr.shop_id = p.shop_id AND pr.guid = p.guid
            GROUP BY p.currency, coalesce(pr.default_category, '')) t
        WHERE rank <= :limit ORDER BY currency, rank"""), params).all()  # noqa: S608 (constant)
    return products, categories
