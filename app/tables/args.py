"""Query-string values of a table (bookmarkable, shareable), parsed and validated: one function per kind of input.

Values that cannot be what the form sends (a letter in a number, a date that is not a date) answer 400;
a shop that is not the organization's answers 404 like any other foreign id.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from app.formats import parse_day

MAX_SEARCH_LENGTH = 100


class FilterError(ValueError):
    """A query-string value the table cannot use; the message says which and why."""


class ForeignShop(LookupError):
    """The shop filter names a shop outside the organization."""


def text_arg(args: MultiDict, name: str, max_length: int = 300) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > max_length:
        raise FilterError(f"{name}: at most {max_length} characters.")
    return value or None


def int_arg(args: MultiDict, name: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise FilterError(f"{name}: expected a whole number, got {value!r}.") from None


def int_list_arg(args: MultiDict, name: str) -> list[int]:
    values = []
    for raw in args.getlist(name):
        if raw.strip():
            try:
                values.append(int(raw))
            except ValueError:
                raise FilterError(f"{name}: expected whole numbers, got {raw!r}.") from None
    return sorted(set(values))


def decimal_arg(args: MultiDict, name: str) -> Decimal | None:
    value = (args.get(name) or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FilterError(f"{name}: expected a number, got {value!r}.") from None
    if not number.is_finite():
        raise FilterError(f"{name}: expected a number, got {value!r}.")
    return number


def date_arg(args: MultiDict, name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise FilterError(f"{name}: expected a date (30. 11. 2026 or 2026-11-30), got {value!r}.") from None


def currency_arg(args: MultiDict, name: str) -> str | None:
    value = (args.get(name) or "").strip().upper()
    if not value:
        return None
    if len(value) != 3 or not value.isalpha() or not value.isascii():
        raise FilterError(f"{name}: expected a currency code such as CZK or EUR, got {value!r}.")
    return value


def yes_no_arg(args: MultiDict, name: str) -> bool | None:
    value = (args.get(name) or "").strip().lower()
    if value in ("", "any"):
        return None
    if value in ("yes", "no"):
        return value == "yes"
    raise FilterError(f"{name}: expected yes or no, got {value!r}.")


def choice_arg(args: MultiDict, name: str, choices, default: str) -> str:
    value = (args.get(name) or "").strip() or default
    if value not in choices:
        raise FilterError(f"{name}: choose one of {', '.join(choices)}.")
    return value


def columns_arg(args: MultiDict, available, default: tuple[str, ...]) -> list[str]:
    chosen = [name for name in args.getlist("cols") if name]
    unknown = [name for name in chosen if name not in available]
    if unknown:
        raise FilterError(f"cols: unknown column {unknown[0]!r}.")
    return [name for name in available if name in chosen] or list(default)


def shop_arg(args: MultiDict, shop_ids: list[int]) -> int | None:
    shop_id = int_arg(args, "shop")
    if shop_id is not None and shop_id not in shop_ids:
        raise ForeignShop(shop_id)
    return shop_id


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` where the organization looks at its data (its display time zone)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` (filters use `< day_end`, so the whole day is in)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
