"""Reads of the sales rollups (never of `orders` / `order_items`): the summary and the dashboard's figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
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
