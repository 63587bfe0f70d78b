"""Sales charts as SVG drawn on the server (as app/monitoring/charts.py): no script, readable without one, and
each with its figures as a table for screen readers and for reading exact values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.monitoring.charts import PALETTE, nice_ceiling

WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 8, 22


@dataclass
class Series:
    label: str
    color: str
    points: str
    values: list[float]


@dataclass
class Chart:
    name: str
    title: str
    grain: str
    axis: list[date]
    y_max: float
    series: list[Series] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot(self) -> dict[str, float]:
        return {"left": LEFT, "right": self.width - RIGHT, "top": TOP, "bottom": self.height - BOTTOM}

    def label(self, day: date) -> str:
        return f"{day:%Y-%m}" if self.grain == "month" else f"{day:%Y-%m-%d}"

    @property
    def rows(self) -> list[tuple[str, list[float]]]:
        return [(self.label(day), [series.values[index] for series in self.series])
                for index, day in enumerate(self.axis)]


def line_chart(name: str, title: str, axis: list[date], series: dict[str, list[float]], grain: str) -> Chart:
    """`series`: label → one value per bucket of `axis`."""
    y_max = nice_ceiling(max((value for values in series.values() for value in values), default=0.0))
    chart = Chart(name, title, grain, axis, y_max)
    span = max(len(axis) - 1, 1)
    for index, (label, values) in enumerate(series.items()):
        points = " ".join(
            f"{LEFT + position / span * (WIDTH - RIGHT - LEFT):.1f},"
            f"{HEIGHT - BOTTOM - value / y_max * (HEIGHT - BOTTOM - TOP):.1f}"
            for position, value in enumerate(values))
        chart.series.append(Series(label, PALETTE[index % len(PALETTE)], points, values))
    return chart
