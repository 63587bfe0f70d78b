"""Line charts rendered on the server as SVG: no chart library, no script, nothing the CSP has to allow.

The template (templates/monitoring/_chart.html) draws what `line_chart` computes: polylines in a fixed
viewBox that scales with the page, a y-axis maximum rounded to a readable number, and the time span. Times are
in the organization's display time zone (the one rule for every time shown), which the chart names.
Colours are SVG presentation attributes, which a style-src CSP does not block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.formats import format_moment

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT = 600, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 12, 10, 24
Y_TICKS = 4  # gridlines above zero: 0, ¼, ½, ¾ and the rounded maximum
X_TICKS = 6  # time labels along the bottom


@dataclass
class Tick:
    at: float  # x or y in the chart's viewBox
    label: str


@dataclass
class Line:
    label: str
    color: str
    points: str  # "x,y x,y ..." in the chart's viewBox
    last: float | None


@dataclass
class Chart:
    title: str
    unit: str
    y_max: float
    start_label: str
    end_label: str
    zone: ZoneInfo  # the zone the times are in
    lines: list[Line] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    y_ticks: list[Tick] = field(default_factory=list)  # value gridlines, labelled with the unit
    x_ticks: list[Tick] = field(default_factory=list)  # evenly spaced times

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)

    @property
    def plot(self) -> dict[str, float]:
        return {"left": PAD_LEFT, "right": self.width - PAD_RIGHT, "top": PAD_TOP, "bottom": self.height - PAD_BOTTOM}


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n that is ≥ value (and ≥ 1): a y-axis maximum a person can read."""
    if value <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _label(moment: float, zone: ZoneInfo) -> str:
    """The span's ends: the day and minute as the user's locale writes them."""
    return format_moment(datetime.fromtimestamp(moment, UTC), zone=zone)


def _short_time(moment: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(moment, zone).strftime("%H:%M")


def _number(value: float) -> str:
    """A tick value a person reads at a glance: 1 500 → 1.5k, 2 000 000 → 2M, 0.25 stays."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def axis_ticks(y_max: float, unit: str, start: float, end: float, zone: ZoneInfo = UTC
               ) -> tuple[list[Tick], list[Tick]]:
    """Value gridlines (0 … the rounded maximum, with the unit on the top one) and evenly spaced times."""
    top, bottom = PAD_TOP, HEIGHT - PAD_BOTTOM
    left, right = PAD_LEFT, WIDTH - PAD_RIGHT
    y_ticks = []
    for step in range(Y_TICKS + 1):
        value = y_max * step / Y_TICKS
        label = _number(value) + (f" {unit}" if unit and step == Y_TICKS else "")
        y_ticks.append(Tick(round(bottom - step / Y_TICKS * (bottom - top), 1), label))
    span = max(end - start, 1.0)
    x_ticks = [Tick(round(left + step / X_TICKS * (right - left), 1), _short_time(start + span * step / X_TICKS, zone))
               for step in range(X_TICKS + 1)]
    return y_ticks, x_ticks


def line_chart(title: str, series: dict[str, list[tuple[float, float]]], *, start: float, end: float,
               unit: str = "", max_lines: int = len(PALETTE), zone: ZoneInfo = UTC) -> Chart:
    """`series`: label → [(unix time, value)], drawn over [start, end], times shown in `zone`."""
    values = [value for points in series.values() for _, value in points]
    y_max = nice_ceiling(max(values, default=0.0))
    span = max(end - start, 1.0)
    left, right = PAD_LEFT, WIDTH - PAD_RIGHT
    top, bottom = PAD_TOP, HEIGHT - PAD_BOTTOM
    chart = Chart(title, unit, y_max, _label(start, zone), _label(end, zone), zone)
    chart.y_ticks, chart.x_ticks = axis_ticks(y_max, unit, start, end, zone)
    for index, (label, points) in enumerate(list(series.items())[:max_lines]):
        inside = sorted((at, value) for at, value in points if start <= at <= end)
        coordinates = " ".join(
            f"{left + (at - start) / span * (right - left):.1f},{bottom - value / y_max * (bottom - top):.1f}"
            for at, value in inside)
        chart.lines.append(Line(label, PALETTE[index % len(PALETTE)], coordinates,
                                inside[-1][1] if inside else None))
    return chart
