"""The kinds of filter a table declares: which query-string arguments each reads, what it means in SQL, and
which widget of templates/tables/_filters.html shows it in the form.

A filter's value is what `parse` made of the query string (None, an empty list or a pair of Nones when it is
not set), and `arguments` turns it back into the query string, so links, saved views and exports carry it.
Values are validated by the parsers of app/tables/args.py (400 with the argument's name and what to fix).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.tables import args as a

# The choices a filter offers in the form, for the organization's shops. Called on full pages only; a
# declaration caches them (app/tables/cache.py), since each costs a statement.
Choices = Callable[[Session, list[int]], Sequence]


class Filter:
    """What every kind of filter answers; the dataclasses below are the kinds."""

    name: str
    label: str
    widget: ClassVar[str]  # the macro of templates/tables/_filters.html
    is_range: ClassVar[bool] = False  # ranges sit on the form's last line, choices on the one above
    choices: Choices | None  # None: the widget offers no choices
    # Its rows may be few and scattered along a sort's index (a segment, a CLV range): under a sort whose
    # index does not lead with it (`Sort.serves`), the page walks a bounded window of the sort's index and
    # fetches the rows through the filter's own index where they turn out rare (app/tables/queries.py).
    may_be_rare: bool = False

    def parse(self, args: MultiDict) -> Any:
        raise NotImplementedError

    def arguments(self, value) -> list[tuple[str, str]]:
        raise NotImplementedError

    def where(self, value, zone: ZoneInfo) -> list[ColumnElement]:
        raise NotImplementedError


@dataclass(frozen=True)
class AnyOf(Filter):
    """Rows whose `column` is one of the chosen whole numbers (checkboxes). A sort may walk one branch per
    shop and value of it (`Sort.split`), when an index leads with (shop_id, column)."""

    name: str
    column: Any
    label: str
    choices: Choices | None = None  # (value, name) pairs
    any_label: str = ""  # what the closed dropdown says when nothing is chosen ("Any status")
    widget: ClassVar[str] = "any_of"

    def parse(self, args: MultiDict) -> list[int]:
        return a.int_list_arg(args, self.name)

    def arguments(self, value: list[int]) -> list[tuple[str, str]]:
        return [(self.name, str(number)) for number in value]

    def where(self, value: list[int], zone: ZoneInfo) -> list[ColumnElement]:
        return [self.column.in_(value)] if value else []


@dataclass(frozen=True)
class Equals(Filter):
    """Rows whose text `column` is the chosen value (a select of recent values; another typed value is kept)."""

    name: str
    column: Any
    label: str  # the select's accessible name
    any_label: str = ""  # its empty option; the label when not given
    choices: Choices | None = None  # values
    display: Callable[[str], str] | None = None  # a value's name in the user's language (None: as it is)
    may_be_rare: bool = False
    widget: ClassVar[str] = "equals"

    def parse(self, args: MultiDict) -> str | None:
        return a.text_arg(args, self.name)

    def arguments(self, value: str | None) -> list[tuple[str, str]]:
        return [(self.name, value)] if value else []

    def where(self, value: str | None, zone: ZoneInfo) -> list[ColumnElement]:
        return [self.column == value] if value else []


@dataclass(frozen=True)
class YesNo(Filter):
    """Yes, no or either; `condition(True)` / `condition(False)` is what yes and no mean in SQL."""

    name: str
    label: str
    condition: Callable[[bool], ColumnElement]
    options: tuple[str, str, str]  # what the select says for either, yes, no
    widget: ClassVar[str] = "yes_no"
    choices: ClassVar[None] = None

    def parse(self, args: MultiDict) -> bool | None:
        return a.yes_no_arg(args, self.name)

    def arguments(self, value: bool | None) -> list[tuple[str, str]]:
        return [] if value is None else [(self.name, "yes" if value else "no")]

    def where(self, value: bool | None, zone: ZoneInfo) -> list[ColumnElement]:
        return [] if value is None else [self.condition(value)]


@dataclass(frozen=True)
class DateRange(Filter):
    """`<name>_from` and `<name>_to`: whole days in the organization's display time zone."""

    name: str
    column: Any
    label: str
    widget: ClassVar[str] = "date_range"
    is_range: ClassVar[bool] = True
    choices: ClassVar[None] = None

    def parse(self, args: MultiDict) -> tuple[date | None, date | None]:
        return a.date_arg(args, f"{self.name}_from"), a.date_arg(args, f"{self.name}_to")

    def arguments(self, value: tuple[date | None, date | None]) -> list[tuple[str, str]]:
        return [(f"{self.name}_{end}", day.isoformat()) for end, day in zip(("from", "to"), value, strict=True)
                if day is not None]

    def where(self, value: tuple[date | None, date | None], zone: ZoneInfo) -> list[ColumnElement]:
        first, last = value
        where = []
        if first:
            where.append(self.column >= a.day_start(first, zone))
        if last:
            where.append(self.column < a.day_end(last, zone))
        return where


@dataclass(frozen=True)
class NumberRange(Filter):
    """`<name>_min` and `<name>_max`, both included: amounts (two decimals), or counts when `whole`."""

    name: str
    column: Any
    label: str
    whole: bool = False
    may_be_rare: bool = False
    widget: ClassVar[str] = "number_range"
    is_range: ClassVar[bool] = True
    choices: ClassVar[None] = None

    def parse(self, args: MultiDict) -> tuple[Decimal | int | None, Decimal | int | None]:
        parse = a.int_arg if self.whole else a.decimal_arg
        return parse(args, f"{self.name}_min"), parse(args, f"{self.name}_max")

    def arguments(self, value) -> list[tuple[str, str]]:
        return [(f"{self.name}_{end}", str(number)) for end, number in zip(("min", "max"), value, strict=True)
                if number is not None]

    def where(self, value, zone: ZoneInfo) -> list[ColumnElement]:
        low, high = value
        where = []
        if low is not None:
            where.append(self.column >= low)
        if high is not None:
            where.append(self.column <= high)
        return where
