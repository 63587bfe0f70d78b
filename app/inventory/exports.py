"""Files out of inventory planning: the forecast CSV, and purchase order drafts as CSV and XLSX."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal
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


DRAFT_COLUMNS = ("supplier", "variant_code", "name", "quantity", "suggested", "unit_cost", "value", "currency")


def draft_rows(draft, currency: str) -> list[tuple]:
    """A supplier's purchase order draft: one row per line to order (the buyer's quantities)."""
    return [(draft.supplier_name or draft.supplier_key, line.variant_code, line.name or "", line.quantity,
             line.plan.quantity, line.unit_cost, line.value, currency) for line in draft.ordered_lines]


def write_draft_csv(draft, currency: str, handle: TextIO) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(DRAFT_COLUMNS)
    rows = draft_rows(draft, currency)
    writer.writerows(rows)
    return len(rows)


def draft_xlsx(draft, currency: str) -> bytes:
    """The same rows as the CSV in a worksheet, with a total line."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Purchase order"
    sheet.append(DRAFT_COLUMNS)
    for row in draft_rows(draft, currency):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    sheet.append(["total", "", "", "", "", "", float(draft.total), currency])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
