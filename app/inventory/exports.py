"""Files out of inventory planning: the forecast CSV, and purchase order drafts as CSV and XLSX."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inventory.models import VariantSeries

FORECAST_COLUMNS = ("variant_code", "week_start", "p10", "p50", "p90")


def write_forecast_csv(session: Session, shop_id: int, handle: TextIO) -> dict:
    """One line per variant and forecast week, weeks from the Monday after the last full week of history."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(FORECAST_COLUMNS)
    variants = rows = 0
    weeks: set[str] = set()
    query = (select(VariantSeries.variant_code, VariantSeries.forecast_start, VariantSeries.p10, VariantSeries.p50,
                    VariantSeries.p90).where(VariantSeries.shop_id == shop_id).order_by(VariantSeries.variant_code)
             .execution_options(yield_per=2000))
    for code, start, p10, p50, p90 in session.execute(query):
        variants += 1
        for k, (low, mid, high) in enumerate(zip(p10, p50, p90, strict=True)):
            week = (start + timedelta(weeks=k)).isoformat()
            weeks.add(week)
            writer.writerow((code, week, f"{low:.3f}", f"{mid:.3f}", f"{high:.3f}"))
            rows += 1
    ordered = sorted(weeks)
    return {"variants": variants, "rows": rows, "first_week": ordered[0] if ordered else None,
            "last_week": ordered[-1] if ordered else None}
