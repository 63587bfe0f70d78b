"""Query-string values of a table (bookmarkable, shareable), parsed and validated: one function per kind of input.

Values that cannot be what the form sends (a letter in a number, a date that is not a date) answer 400;
a shop that is not the organization's answers 404 like any other foreign id.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.core import inputs
from app.core.inputs import InputError

MAX_SEARCH_LENGTH = 100


class FilterError(InputError):
    """A query-string value the table cannot use; the message says which and why."""


class ForeignShop(LookupError):
    """The shop filter names a shop outside the organization."""


def _checked(parse, *arguments, **options):
    try:
        return parse(*arguments, **options)
    except InputError as exc:
        raise FilterError(str(exc)) from None


def text_arg(args: MultiDict, name: str, max_length: int = 300) -> str | None:
    return _checked(inputs.text, args.get(name), name, max_length=max_length)


def int_arg(args: MultiDict, name: str) -> int | None:
    """A whole number a PostgreSQL integer holds (counts, status ids)."""
    return _checked(inputs.whole_number, args.get(name), name)


def id_arg(args: MultiDict, name: str) -> int | None:
    return _checked(inputs.id_number, args.get(name), name)


def int_list_arg(args: MultiDict, name: str) -> list[int]:
    values = [_checked(inputs.whole_number, raw, name) for raw in args.getlist(name)]
    return sorted({value for value in values if value is not None})


def decimal_arg(args: MultiDict, name: str) -> Decimal | None:
    return _checked(inputs.amount, args.get(name), name)


def date_arg(args: MultiDict, name: str) -> date | None:
    return _checked(inputs.day, args.get(name), name)


def currency_arg(args: MultiDict, name: str) -> str | None:
    value = (args.get(name) or "").strip().upper()
    if not value:
        return None
    if len(value) != 3 or not value.isalpha() or not value.isascii():
        raise FilterError(_("%(name)s: expected a currency code such as CZK or EUR, got %(value)s.", name=name,
                            value=repr(value)))
    return value


def yes_no_arg(args: MultiDict, name: str) -> bool | None:
    value = (args.get(name) or "").strip().lower()
    if value in ("", "any"):
        return None
    if value in ("yes", "no"):
        return value == "yes"
    raise FilterError(_("%(name)s: expected yes or no, got %(value)s.", name=name, value=repr(value)))


def choice_arg(args: MultiDict, name: str, choices, default: str) -> str:
    value = (args.get(name) or "").strip() or default
    if value not in choices:
        raise FilterError(_("%(name)s: choose one of %(choices)s.", name=name, choices=", ".join(choices)))
    return value


def columns_arg(args: MultiDict, available, default: tuple[str, ...]) -> list[str]:
    chosen = [name for name in args.getlist("cols") if name]
    unknown = [name for name in chosen if name not in available]
    if unknown:
        raise FilterError(_("%(name)s: unknown column %(value)s.", name="cols", value=repr(unknown[0])))
    return [name for name in available if name in chosen] or list(default)


def shop_arg(args: MultiDict, shop_ids: list[int]) -> int | None:
    shop_id = id_arg(args, "shop")
    if shop_id is not None and shop_id not in shop_ids:
        raise ForeignShop(shop_id)
    return shop_id


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` where the organization looks at its data (its display time zone)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` (filters use `< day_end`, so the whole day is in)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
