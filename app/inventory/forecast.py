"""Weekly demand forecasts with p10/p50/p90 for 12 weeks, and the backtest that chooses and judges them.

Each series is divided by its category's yearly season (week-of-year index from the category's weekly totals,
shrunk towards the shop's when the category sells little), so the models see level, trend and noise only. The
candidates (statsforecast): Croston optimized, TSB, ADIDA, IMAPA for the long tail, ETS (error, no seasonal
term on the adjusted series) and seasonal naive for steady sellers. A rolling-origin backtest of three 8-week
windows does the rest: the first two choose each series' model (the lowest squared error; a series with
too few sales takes its ABC class's best), the third is the report's held-out last 8 weeks, judged against
seasonal naive and the 8-week moving average on the raw series. The band comes from the chosen models'
backtest errors (every candidate's, so the choice does not make it optimistic), scaled like counts (by the
square root of the forecast level, so a season's peak widens it) and pooled per ABC class (a split-conformal
interval): p10/p90 are the class's 10th/90th scaled-error quantiles around p50, never below zero. Each
series' p50 is the mean of its two best models in the selection windows.

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
MODEL_NAMES = ("CrostonOptimized", "TSB", "ADIDA", "IMAPA", "AutoETS", "SeasonalNaive")


def _models():
    from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, CrostonOptimized, SeasonalNaive

    return [CrostonOptimized(), TSB(alpha_d=0.2, alpha_p=0.2), ADIDA(), IMAPA(),
            AutoETS(season_length=1, model="ZNN"), SeasonalNaive(season_length=SEASON)]


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
    length = values.shape[1]
    return pd.DataFrame({"unique_id": np.repeat(rows, length), "ds": np.tile(np.arange(length), len(rows)),
                         "y": values[rows].ravel()})


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


def forecast_all(demand: np.ndarray, groups: np.ndarray, abc: list[str], first_sale: np.ndarray) -> Forecasts:
    """`demand` [n, T] weekly (censoring-corrected), `groups` [n] category numbers, `abc` [n] classes,
    `first_sale` [n] week index of the first sale (T when never)."""
    n, weeks = demand.shape
    held = weeks - WINDOW
    p10, p50, p90 = (np.zeros((n, HORIZON)) for _ in range(3))
    model = [""] * n
    source = ["own"] * n
    model_error = np.full(n, np.nan)
    baseline_error = np.full(n, np.nan)
    abc_array = np.array(abc)
    future_weeks = np.arange(weeks, weeks + HORIZON)
    season_all = season_indices(demand, groups, weeks)
    season_held = season_indices(demand, groups, held)

    own = np.flatnonzero(weeks - first_sale >= MIN_WEEKS)
    new = np.flatnonzero((weeks - first_sale < MIN_WEEKS) & (first_sale < weeks))
    never = np.flatnonzero(first_sale >= weeks)

    report: dict = {}
    if len(own) and weeks >= WINDOWS * WINDOW + SEASON // 2:
        adjusted_held = demand / _season_of(season_held, groups, np.arange(weeks))
        cv = _fit(_frame(adjusted_held, own), WINDOW, WINDOWS)
        hist_weeks = np.arange(weeks)
        back = {name: _to_matrix(cv, own, WINDOWS * WINDOW, name)
                * _season_of(season_held, groups[own], hist_weeks[weeks - WINDOWS * WINDOW:]) for name in MODEL_NAMES}
        actual = demand[own, weeks - WINDOWS * WINDOW:]
        select = slice(0, (WINDOWS - 1) * WINDOW)
        judge = slice((WINDOWS - 1) * WINDOW, WINDOWS * WINDOW)
        train_end = weeks - WINDOWS * WINDOW
        diffs = np.diff(demand[own, :held], axis=1)
        scale = (diffs ** 2).mean(axis=1)
        sq = {name: ((back[name][:, select] - actual[:, select]) ** 2).mean(axis=1) for name in MODEL_NAMES}
        errors = np.stack([sq[name] for name in MODEL_NAMES])  # [models, series]
        ranked = np.argsort(errors, axis=0)[:TOP]  # [TOP, series]: the best models of each series
        sparse = (demand[own, :train_end] > 0).sum(axis=1) < SPARSE
        for cls in ("A", "B", "C"):
            members = abc_array[own] == cls
            if members.any():
                pooled = (errors[:, members] / np.maximum(scale[members], 1e-9)).mean(axis=1)
                ranked[:, members & sparse] = np.argsort(pooled)[:TOP, None]
        choice = [tuple(sorted(int(m) for m in ranked[:, k])) for k in range(len(own))]
        stacked = np.stack([back[name] for name in MODEL_NAMES])  # [models, series, weeks]
        chosen_back = np.stack([stacked[list(c), k].mean(axis=0) for k, c in enumerate(choice)])
        # Band: every candidate's errors in the selection windows (the chosen ones' alone would be optimistic),
        # scaled per series, pooled per class.
        spread = (actual[None] - stacked) / _unit(stacked)
        quantiles = {cls: _quantiles(spread[:, abc_array[own] == cls, select]) for cls in ("A", "B", "C")}
        lo = np.array([quantiles[c][0] for c in abc_array[own]])
        hi = np.array([quantiles[c][1] for c in abc_array[own]])
        point = chosen_back[:, judge]
        band_lo = np.clip(point + lo[:, None] * _unit(point), 0, point)
        band_hi = np.maximum(point + hi[:, None] * _unit(point), point)
        truth = actual[:, judge]
        history_raw = demand[own, :held]
        moving = np.repeat(history_raw[:, -WINDOW:].mean(axis=1, keepdims=True), WINDOW, axis=1)
        naive = history_raw[:, held - SEASON:held - SEASON + WINDOW] if held >= SEASON else None
        model_error[own] = rmsse(truth, point, scale)
        baseline_error[own] = rmsse(truth, moving, scale)
        report = backtest_report(truth, point, moving, naive, band_lo, band_hi, scale, abc_array[own],
                                 [_name(c) for c in choice])
        # Final: every model on the whole adjusted history, the chosen one kept; band from all three windows.
        adjusted = demand / _season_of(season_all, groups, np.arange(weeks))
        final = _fit(_frame(adjusted, own), HORIZON, None)
        ahead = {name: _to_matrix(final, own, HORIZON, name) for name in MODEL_NAMES}
        future_season = _season_of(season_all, groups[own], future_weeks)
        quantiles = {cls: _quantiles(spread[:, abc_array[own] == cls]) for cls in ("A", "B", "C")}
        for k, row in enumerate(own):
            point = np.mean([ahead[MODEL_NAMES[m]][k] for m in choice[k]], axis=0) * future_season[k]
            low, high = quantiles[abc_array[row]]
            p50[row] = point
            p10[row] = np.clip(point + low * _unit(point), 0, point)  # a biased class never flips the band
            p90[row] = np.maximum(point + high * _unit(point), point)
            model[row] = _name(choice[k])
    elif len(own):
        new = np.concatenate([new, own])  # too short a history for a backtest: profiles for all

    if len(new):
        _category_fallback(demand, groups, first_sale, new, season_all, future_weeks, p10, p50, p90)
        for row in new:
            model[row], source[row] = "category profile", "category"
    for row in never:
        model[row], source[row] = "no sales", "category"
    return Forecasts(p10, p50, p90, model, source, model_error, baseline_error, report)


def _unit(point: np.ndarray) -> np.ndarray:
    """The error scale of a forecast: count-like, growing with the square root of the level (seasons widen it)."""
    return np.sqrt(np.maximum(point, 0.0) + UNIT_FLOOR)


def _name(choice: tuple[int, ...]) -> str:
    return "+".join(MODEL_NAMES[m] for m in choice)


def _quantiles(errors: np.ndarray) -> tuple[float, float]:
    values = errors[np.isfinite(errors)].ravel()
    if len(values) < 20:
        return -1.28, 1.28
    return float(np.quantile(values, 0.1)), float(np.quantile(values, 0.9))


def _category_fallback(demand, groups, first_sale, rows, season, future_weeks, p10, p50, p90) -> None:
    """New variants: their category's typical (median) recent weekly demand per selling variant, seasonal;
    the band is Poisson-like around it (p10 ≈ 0 for slow movers)."""
    weeks = demand.shape[1]
    recent = demand[:, -WINDOW:].mean(axis=1)
    established = weeks - first_sale >= MIN_WEEKS
    for row in rows:
        peers = established & (groups == groups[row]) & (recent > 0)
        pool = recent[peers] if peers.any() else recent[established & (recent > 0)]
        level = float(np.median(pool)) if len(pool) else 0.0
        shape = season[groups[row]][future_weeks % SEASON] / season[groups[row]][(weeks - 1) % SEASON]
        point = level * shape
        p50[row] = point
        p10[row] = np.maximum(point - 1.28 * np.sqrt(point), 0)
        p90[row] = point + 1.28 * np.sqrt(point) + (point > 0)


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
