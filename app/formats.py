"""Numbers, money, dates and times as the user's locale writes them, in the organization's display time zone:
the template filters every page formats with (registered app-wide by the tables blueprint).

- `{{ amount|money(currency) }}`: `2 359,00 Kč` (cs), `CZK2,359.00` (en); an amount without its currency is a
  defect, so the currency is required;
- `{{ n|number }}`: `12 345` (cs); `{{ day|date }}`: `30. 11. 2026` (cs, sk), `Nov 30, 2026` (en);
- `{{ moment|datetime }}`: date and minute in the organization's display time zone (the one rule for every time
  shown), as a `<time>` whose title names the zone; `{{ zone_label() }}` says the zone in words where a page
  shows times.
Date inputs read what `date` writes, and ISO (`parse_day`). The language is Flask-Babel's (app/i18n.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime as datetime_type
from datetime import time as time_type
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import g, has_request_context
from flask_babel import get_locale
from markupsafe import Markup

DEFAULT_LANGUAGE = "en"
DEFAULT_ZONE = "Europe/Prague"  # the display_timezone setting's default (app/settings/registry.py)


def display_zone_name() -> str:
    """The organization's display time zone: every time on every page is shown in it."""
    org = g.get("org") if has_request_context() else None
    if org is None:
        return DEFAULT_ZONE
    from app.extensions import db
    from app.settings.cache import settings_cache

    name = str(settings_cache().values(db.session, org.id)["display_timezone"])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_ZONE
    return name


@dataclass(frozen=True)
class _Formats:
    """The request's locale and display zone, looked up once per request (a table formats hundreds of cells)."""

    locale: Locale
    zone: ZoneInfo
    name: str  # the locale's identifier ("cs"): the key of the formats' caches


_OUTSIDE_REQUESTS = _Formats(Locale.parse(DEFAULT_LANGUAGE), ZoneInfo(DEFAULT_ZONE), DEFAULT_LANGUAGE)


def _formats() -> _Formats:
    if not has_request_context():
        return _OUTSIDE_REQUESTS  # jobs write CSV, not pages
    found = g.get("_hub_formats")
    if found is None:
        locale = get_locale() or _OUTSIDE_REQUESTS.locale
        found = g._hub_formats = _Formats(locale, ZoneInfo(display_zone_name()), str(locale))
    return found


def _locale() -> Locale:
    """The request's locale; English outside a request."""
    return _formats().locale


def _zone() -> ZoneInfo:
    return _formats().zone


def _name(locale: Locale | str | None) -> str:
    """A locale's identifier: the one given, or the request's."""
    if locale is None:
        return _formats().name
    return locale if isinstance(locale, str) else str(locale)


# --- numbers and money ------------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _money_format(locale_name: str, currency: str) -> tuple | None:
    """What Babel's format_currency does for this locale and currency, taken apart once: (positive prefix,
    positive suffix, negative prefix, negative suffix, group, decimal, digits), or None where its grouping is
    not by thousands (Babel formats those). A table cell then costs a string format, not a pattern's apply."""
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    if pattern.grouping != (3, 3):
        return None
    symbol = babel_numbers.get_currency_symbol(currency, locale)
    (pos_prefix, neg_prefix), (pos_suffix, neg_suffix) = pattern.prefix, pattern.suffix
    return (pos_prefix.replace("¤", symbol), pos_suffix.replace("¤", symbol), neg_prefix.replace("¤", symbol),
            neg_suffix.replace("¤", symbol), babel_numbers.get_group_symbol(locale),
            babel_numbers.get_decimal_symbol(locale), babel_numbers.get_currency_precision(currency))


def _grouped(text: str, group: str, decimal: str) -> str:
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", group)


def format_money(value, currency: str, locale: Locale | str | None = None) -> str:
    """`2 359,00 Kč` in cs: the amount with its currency, in the locale's way."""
    if value is None:
        return ""
    name = _name(locale)
    currency = (currency or "").upper()
    parts = _money_format(name, currency) if currency else None
    if parts is None:
        return babel_numbers.format_currency(value, currency, locale=name) if currency else format_number(
            value, name, 2)
    pos_prefix, pos_suffix, neg_prefix, neg_suffix, group, decimal, digits = parts
    amount = Decimal(value)
    text = _grouped(f"{abs(amount):,.{digits}f}", group, decimal)
    if amount < 0 and text.strip("0" + group + decimal):
        return f"{neg_prefix}{text}{neg_suffix}"
    return f"{pos_prefix}{text}{pos_suffix}"


@lru_cache(maxsize=16)
def _number_symbols(locale_name: str) -> tuple[str, str, bool]:
    locale = Locale.parse(locale_name)
    return (babel_numbers.get_group_symbol(locale), babel_numbers.get_decimal_symbol(locale),
            locale.decimal_formats[None].grouping == (3, 3))


def format_number(value, locale: Locale | str | None = None, places: int | None = None) -> str:
    """`12 345` / `12 345,5` in cs; `places` fixes the decimals (amounts without a currency: a rate)."""
    if value is None:
        return ""
    name = _name(locale)
    group, decimal, thousands = _number_symbols(name)
    if not thousands:
        return babel_numbers.format_decimal(value, locale=name)
    if isinstance(value, int) and places is None:
        return _grouped(f"{value:,}", group, decimal)
    number = Decimal(value)
    text = f"{number:,.{places}f}" if places is not None else f"{number.normalize():,f}"
    return _grouped(text, group, decimal)


# --- dates and times -------------------------------------------------------------------------------------------

FIELD = re.compile(r"%\((\w+)\)s")
SIMPLE_FIELDS = {"d", "dd", "M", "MM", "MMM", "y", "yyyy", "H", "HH", "h", "mm", "a"}


@lru_cache(maxsize=64)
def _compiled(locale_name: str, kind: str) -> tuple | None:
    """The locale's medium date or short time pattern as a %-format and the month and period names it needs,
    when it uses only simple fields (cs, sk, en do); else None and Babel formats each value."""
    locale = Locale.parse(locale_name)
    pattern = babel_dates.parse_pattern(
        locale.date_formats["medium"] if kind == "date" else locale.time_formats["short"])
    if not set(FIELD.findall(pattern.format)) <= SIMPLE_FIELDS:
        return None
    periods = locale.day_periods["format"]["abbreviated"]
    return (pattern.format, dict(locale.months["format"]["abbreviated"]), (periods["am"], periods["pm"]))


@lru_cache(maxsize=8192)
def _day_text(locale_name: str, day: date_type) -> str:
    compiled = _compiled(locale_name, "date")
    if compiled is None:
        return babel_dates.format_date(day, "medium", locale=locale_name)
    pattern, months, _ = compiled
    return pattern % {"d": day.day, "dd": f"{day.day:02d}", "M": day.month, "MM": f"{day.month:02d}",
                      "MMM": months[day.month], "y": day.year, "yyyy": f"{day.year:04d}"}


@lru_cache(maxsize=4096)
def _minute_text(locale_name: str, hour: int, minute: int) -> str:
    compiled = _compiled(locale_name, "time")
    if compiled is None:
        return babel_dates.format_time(time_type(hour, minute), "short", locale=locale_name)
    pattern, _, (am, pm) = compiled
    return pattern % {"H": hour, "HH": f"{hour:02d}", "h": (hour % 12) or 12, "mm": f"{minute:02d}",
                      "a": am if hour < 12 else pm}


@lru_cache(maxsize=64)
def _moment_pattern(locale_name: str) -> str:
    return Locale.parse(locale_name).datetime_formats["medium"]  # "{1} {0}" in cs: the day, then the minute


def format_day(value, locale: Locale | str | None = None) -> str:
    """`30. 11. 2026` in cs and sk, `Nov 30, 2026` in en. A datetime is first put in the display zone."""
    if value is None:
        return ""
    name = _name(locale)
    if isinstance(value, datetime_type):
        value = value.astimezone(_zone()).date()
    return _day_text(name, value)


def format_moment(value: datetime_type | None, locale: Locale | str | None = None,
                  zone: ZoneInfo | None = None) -> str:
    """`30. 11. 2026 14:05` in cs: the date and the minute in the display zone (the organization's)."""
    if value is None:
        return ""
    name = _name(locale)
    local = value.astimezone(zone or _zone())
    return _moment_pattern(name).replace("{1}", _day_text(name, local.date())).replace(
        "{0}", _minute_text(name, local.hour, local.minute))


def datetime_filter(value: datetime_type | None, zone: ZoneInfo | None = None) -> Markup:
    """A time as the page shows it: in the display zone, the zone named in the element's title."""
    if value is None:
        return Markup("")
    zone = zone or _zone()
    # Digits, CLDR's words and an IANA zone name: nothing to escape (Markup.format cost a fifth of a table's
    # rendering).
    return Markup(f'<time datetime="{value.isoformat()}" title="{zone.key}">'  # noqa: S704
                  f'{format_moment(value, zone=zone)}</time>')


def date_filter(value) -> Markup:
    """A day (a datetime: its day in the display zone) as the locale writes it."""
    if value is None:
        return Markup("")
    return Markup(f'<time datetime="{value.isoformat()}">{format_day(value)}</time>')  # noqa: S704


def zone_label(zone: ZoneInfo | None = None) -> Markup:
    """"Times in Europe/Prague (CET)": said where a page shows times."""
    from flask_babel import gettext as _

    zone = zone or _zone()
    short = datetime_type.now(zone).strftime("%Z")
    return Markup('<small class="zone-label">{}</small>').format(
        _("Times in %(zone)s (%(abbreviation)s)", zone=zone.key, abbreviation=short))


# --- date inputs -----------------------------------------------------------------------------------------------

DOTTED_DAY = re.compile(r"^\s*(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})\s*$")  # 30. 11. 2026, 30.11.2026
SLASHED_DAY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")  # 30/11/2026 (day first)


def parse_day(text: str, locale: Locale | str | None = None) -> date_type:
    """A day as people type it: ISO (`2026-11-30`, what links carry), `30. 11. 2026` (cs, sk), `30/11/2026`, or
    the locale's medium date (`Nov 30, 2026`). Raises ValueError otherwise."""
    text = text.strip()
    try:
        return date_type.fromisoformat(text)
    except ValueError:
        pass
    found = DOTTED_DAY.match(text) or SLASHED_DAY.match(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return date_type(year, month, day)
    locale = Locale.parse(locale) if isinstance(locale, str) else (locale or _locale())
    if locale.language == "en":
        try:
            return datetime_type.strptime(text, "%b %d, %Y").date()  # Nov 30, 2026
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r}")


def date_input_value(value: date_type | None) -> str:
    """What a date input shows for a chosen day: the way the locale writes it (parse_day reads it back)."""
    return format_day(value) if value else ""


def date_input_placeholder() -> str:
    return format_day(date_type(2026, 11, 30))


TEMPLATE_FILTERS = {"money": format_money, "number": format_number, "date": date_filter,
                    "datetime": datetime_filter}
TEMPLATE_GLOBALS = {"zone_label": zone_label, "date_input_value": date_input_value,
                    "date_input_placeholder": date_input_placeholder}
