"""The dashboard's date range: presets or custom days, the periods it is compared with, and the chart grain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

PRESETS = {
    "7d": _l("Last 7 days"), "30d": _l("Last 30 days"), "90d": _l("Last 90 days"), "mtd": _l("This month"),
    "ytd": _l("This year"), "12m": _l("Last 12 months"), "24m": _l("Last 2 years"), "custom": _l("Custom"),
}
DEFAULT_PRESET = "30d"
LONGEST = timedelta(days=3 * 366)


class RangeError(ValueError):
    """A range the form cannot send (the page answers 400 with this message)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The same number of days just before."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_ago(self) -> Period:
        return Period(_minus_year(self.start), _minus_year(self.end))

    @property
    def grain(self) -> str:
        """Chart buckets: days up to two months, weeks up to a year, months beyond."""
        if self.days <= 62:
            return "day"
        return "week" if self.days <= 366 else "month"


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def preset_period(preset: str, today: date) -> Period:
    if preset == "mtd":
        return Period(today.replace(day=1), today)
    if preset == "ytd":
        return Period(today.replace(month=1, day=1), today)
    if preset in ("12m", "24m"):
        years = 1 if preset == "12m" else 2
        return Period(today - timedelta(days=365 * years - 1), today)
    days = {"7d": 7, "30d": 30, "90d": 90}[preset]
    return Period(today - timedelta(days=days - 1), today)


def parse_period(args, today: date) -> tuple[str, Period]:
    """(preset, period) from the query string: `range` a preset, or `custom` with `from` and `to`."""
    preset = args.get("range") or DEFAULT_PRESET
    if preset not in PRESETS:
        raise RangeError(f"Unknown range {preset!r}: choose one of {', '.join(PRESETS)}.")
    if preset != "custom":
        return preset, preset_period(preset, today)
    try:
        start, end = date.fromisoformat(args.get("from", "")), date.fromisoformat(args.get("to", ""))
    except ValueError:
        raise RangeError("A custom range needs its first and last day as YYYY-MM-DD.") from None
    if start > end:
        raise RangeError("The first day of the range is after its last day.")
    if end - start > LONGEST:
        raise RangeError("A range can be at most three years long.")
    return preset, Period(start, end)
