"""What the models read, one row per customer with an order, in one pass over the shop's orders.

Orders that count are the customer metrics' (app/customers/metrics.py): not deleted, the normalized status
not cancelled, refunded or failed; money in the shop's base currency (`total_with_vat x exchange_rate`).
Only orders with a customer account (`customer_guid`) are read: a guest order has no identity to follow
over time, so guests are neither scored nor predicted (their count is in the summary, `guest_orders`).

The observation ends on the day of the shop's latest order (`until_day`), not the clock: a shop whose sync
paused is not read as if every customer had gone quiet. Days are UTC calendar days; BG/NBD counts repeat
purchase *days* (two orders on one day are one purchase occasion).

The same pass yields, from FILTERed aggregates:
- the calibration view for the holdout check: only orders before `cut_day` (180 days before the end), and
  the holdout's actual purchase days, so nothing after the cut reaches the calibration fit;
- the view a month earlier (orders before `month_day`), for the segments' month-over-month movement.
The walk is `ix_orders_shop_customer_created` in index order, so the window and the grouping need no sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

HOLDOUT_DAYS = 180
MONTH_DAYS = 30
CHUNK = 50_000

COUNTING = """o.shop_id = %(shop_id)s::bigint AND o.deleted_at IS NULL
    AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))"""

SUMMARY = f"""
SELECT guid,
       count(*) AS orders,
       count(DISTINCT day) AS days,
       %(until_day)s::date - min(day) AS age,
       max(day) - min(day) AS span,
       %(until_day)s::date - max(day) AS recency,
       coalesce(sum(value), 0) AS spent,
       coalesce(sum(value) FILTER (WHERE k = 1), 0) AS first_value,
       count(DISTINCT day) FILTER (WHERE day < %(cut_day)s::date) AS cal_days,
       coalesce(max(day) FILTER (WHERE day < %(cut_day)s::date) - min(day), 0) AS cal_span,
       %(cut_day)s::date - min(day) AS cal_age,
       count(DISTINCT day) FILTER (WHERE day >= %(cut_day)s::date) AS holdout_days,
       count(*) FILTER (WHERE day < %(month_day)s::date) AS prev_orders,
       coalesce(sum(value) FILTER (WHERE day < %(month_day)s::date), 0) AS prev_spent,
       %(month_day)s::date - max(day) FILTER (WHERE day < %(month_day)s::date) AS prev_recency
FROM (
    SELECT o.customer_guid AS guid, (o.creation_time AT TIME ZONE 'UTC')::date AS day,
           o.total_with_vat * coalesce(o.exchange_rate, 1) AS value,
           row_number() OVER (PARTITION BY o.customer_guid ORDER BY o.creation_time, o.id) AS k
    FROM orders o
    WHERE {COUNTING} AND o.customer_guid IS NOT NULL
    ORDER BY o.customer_guid, o.creation_time, o.id
) t
GROUP BY guid
"""  # noqa: S608 (constant)

NUMERIC = ("orders", "days", "age", "span", "recency", "spent", "first_value", "cal_days", "cal_span", "cal_age",
           "holdout_days", "prev_orders", "prev_spent", "prev_recency")


@dataclass
class Window:
    until_day: date
    cut_day: date
    month_day: date
    guest_orders: int


@dataclass
class Summary:
    window: Window
    guids: list[str] = field(default_factory=list)
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.guids)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None


def window_of(session: Session, shop_id: int) -> Window | None:
    """The observation window: the day of the shop's latest counting order, the cut and a month before."""
    row = session.execute(text(f"""
        SELECT (max(o.creation_time) AT TIME ZONE 'UTC')::date,
               count(*) FILTER (WHERE o.customer_guid IS NULL)
        FROM orders o WHERE {COUNTING.replace('%(shop_id)s::bigint', ':shop_id')}
    """), {"shop_id": shop_id}).one()  # noqa: S608 (constant)
    if row[0] is None:
        return None
    until_day = row[0]
    return Window(until_day, until_day + timedelta(days=1 - HOLDOUT_DAYS),
                  until_day + timedelta(days=1 - MONTH_DAYS), int(row[1]))


def read_summary(session: Session, shop_id: int, window: Window) -> Summary:
    """Every customer's row, streamed from a server-side cursor into numpy arrays (no ORM objects)."""
    connection = session.connection().connection.driver_connection
    params = {"shop_id": shop_id, "until_day": window.until_day, "cut_day": window.cut_day,
              "month_day": window.month_day}
    summary = Summary(window)
    chunks: list[np.ndarray] = []
    with connection.cursor(name=f"analytics_summary_{shop_id}") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(SUMMARY, params)
        while rows := cursor.fetchmany(CHUNK):
            summary.guids.extend(row[0] for row in rows)
            chunks.append(np.array([[float(v) if v is not None else np.nan for v in row[1:]] for row in rows],
                                   dtype=np.float64))
    values = np.concatenate(chunks) if chunks else np.zeros((0, len(NUMERIC)))
    summary.columns = {name: np.ascontiguousarray(values[:, i]) for i, name in enumerate(NUMERIC)}
    return summary
