"""A table's columns: the heading a page shows, the CSV fields an export writes, and a per-page hook for a column
whose cells need more than their row.

How a cell looks on the page is the table's rows template (one per table, e.g. templates/orders/_rows.html):
the rows are drawn in one template loop (a macro call per cell made 50 rows × 13 columns render in 7.0 ms
instead of 3.3 ms).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RowContext:
    """What a CSV field needs beyond its row: shop names, the display zone, and the per-page hooks' values."""

    shop_names: dict[int, str]
    zone: ZoneInfo
    per_page: dict[str, Any] = field(default_factory=dict)
    shop_currencies: dict[int, str] = field(default_factory=dict)  # each shop's base currency


# A CSV field of a row. Text cells (what a shopper or merchant typed) pass through spreadsheet_safe; times,
# numbers and yes/no cannot start a formula.
Cell = Callable[[Any, RowContext], object]

# What a column needs for a whole page (or export batch) of rows at once, e.g. the other shops of each
# e-mail: one statement per page, run only when the column is shown. Its value is `per_page[key]` in the
# rows template and `context.per_page[key]` in the column's CSV fields.
PerPage = Callable[[Session, list[int], list], Any]


@dataclass(frozen=True)
class Column:
    """A column the person may choose: its heading, and its CSV fields (one or more: the customer is a name
    and a company, a total an amount and a currency)."""

    key: str
    heading: str
    fields: tuple[tuple[str, Cell], ...]
    per_page: PerPage | None = None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"^\+?[\d ]+$")


def spreadsheet_safe(cell):
    """Text a shopper typed (a name, a company) must not run as a formula when the CSV opens in a spreadsheet:
    such cells get a leading apostrophe. Phone numbers like +420… stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not PHONE_NUMBER.match(cell):
        return "'" + cell
    return cell


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def text(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, context: spreadsheet_safe(value(row) or "")


def number(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, context: "" if (amount := value(row)) is None else amount


def moment(name: str) -> Cell:
    """A time, in the organization's display zone."""
    value = attrgetter(name)
    return lambda row, context: _when(value(row), context.zone)


def yes_no(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, context: "" if (answer := value(row)) is None else ("yes" if answer else "no")


def shop(row, context: RowContext) -> str:
    return spreadsheet_safe(context.shop_names.get(row.shop_id, ""))


def shop_currency(row, context: RowContext) -> str:
    """The currency of an amount kept in the shop's base currency (a customer's total): never a bare number."""
    return context.shop_currencies.get(row.shop_id, "")
