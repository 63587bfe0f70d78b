"""A variant's weekly sales and demand with the forecast and its p10–p90 band, as a server-rendered SVG (the
same approach as app/monitoring/charts.py: no script, nothing the CSP has to allow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.monitoring.charts import nice_ceiling

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 8, 22
WEEKS_SHOWN = 52


@dataclass
class ForecastChart:
    sold: str  # polyline points
    demand: str
    p50: str
    band: str  # polygon points (p90 forward, p10 back)
    stockout_bars: list[tuple[float, float, float]]  # x, width, height of out-of-stock marks
    y_max: float
    split_x: float  # where history ends and the forecast begins
    start_label: str
    split_label: str
    end_label: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def forecast_chart(series) -> ForecastChart:
    """The last WEEKS_SHOWN weeks of history and the 12 forecast weeks of a VariantSeries."""
    sold = list(series.sold)[-WEEKS_SHOWN:]
    demand = list(series.demand)[-WEEKS_SHOWN:]
    out = list(series.stockout_days)[-WEEKS_SHOWN:]
    p10, p50, p90 = list(series.p10), list(series.p50), list(series.p90)
    total = len(sold) + len(p50)
    y_max = nice_ceiling(max([*sold, *demand, *p90, 1.0]))
    step = (WIDTH - RIGHT - LEFT) / max(1, total - 1)

    def x(k: int) -> float:
        return round(LEFT + k * step, 1)

    def y(value: float) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / y_max, 1)

    def points(values: list[float], first: int) -> str:
        return " ".join(f"{x(first + k)},{y(v)}" for k, v in enumerate(values))

    h = len(sold)
    last = h - 1
    band = [*((x(h + k), y(v)) for k, v in enumerate(p90)), *((x(h + k), y(v)) for k, v in reversed(
        list(enumerate(p10))))]
    first_week = series.forecast_start - timedelta(weeks=h)
    bars = [(round(x(k) - step / 2, 1), round(step, 1), round((HEIGHT - BOTTOM - TOP) * days / 7 * 0.25, 1))
            for k, days in enumerate(out) if days]
    return ForecastChart(
        sold=points(sold, 0), demand=points(demand, 0),
        p50=points([demand[last], *p50], last) if h else points(p50, 0),
        band=" ".join(f"{px},{py}" for px, py in band), stockout_bars=bars, y_max=y_max,
        split_x=x(h) if h else LEFT, start_label=_label(first_week), split_label=_label(series.forecast_start),
        end_label=_label(series.forecast_start + timedelta(weeks=len(p50) - 1)))


def _label(day: date) -> str:
    return day.isoformat()
