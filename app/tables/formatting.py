"""How table cells show values: template filters, registered for every page by the tables blueprint.

Plain functions, not macros: a macro call per cell costs ten times more on a 50-row table.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from flask_babel import gettext as _
from markupsafe import Markup

from app.formats import date_filter, datetime_filter, format_number


def local_time(value: datetime | None, zone: ZoneInfo | None = None, fmt: str | None = None) -> Markup:
    """A time in the display zone, in the user's locale (app/formats.py); a `fmt` without hours means the day."""
    if fmt is not None and "%H" not in fmt:
        return date_filter(value.astimezone(zone) if value is not None and zone is not None else value)
    return datetime_filter(value, zone)


def yes_no(value: bool | None) -> str:
    """yes / no in the request's language (translated once per request: the filter runs once per row)."""
    if value is None:
        return "–"
    words = g.get("_hub_yes_no")
    if words is None:
        words = g._hub_yes_no = (_("no"), _("yes"))
    return words[bool(value)]


TEMPLATE_FILTERS = {"local_time": local_time, "yes_no": yes_no}


def rounded(value: int) -> int:
    """An estimate to two significant digits: 74 213 is said as about 74 000."""
    if value < 100:
        return value
    magnitude = 10 ** (len(str(value)) - 2)
    return round(value / magnitude) * magnitude


def row_count_text(count) -> str:
    """What a table says above its rows: "176", "more than 10 000", "about 74 000" (a RowCount)."""
    if count.kind == "exact":
        return _("Found: %(count)s", count=format_number(count.value))
    if count.kind == "more":
        return _("Found: more than %(count)s", count=format_number(count.value))
    return _("Found: about %(count)s", count=format_number(rounded(count.value)))


TEMPLATE_FILTERS["row_count"] = row_count_text
