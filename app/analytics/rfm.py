"""RFM scores within a shop and the named segments they fall into.

Each score is 1..5 (5 best) from the shop's quintile boundaries (20/40/60/80 %) of
- recency: days since the last order (fewer is better),
- frequency: orders,
- monetary: money spent (the shop's base currency).
Equal values always get the same score: a value scores 1 + the number of boundaries strictly below it
(recency: 5 - that number), so when 60 % of customers have one order, all of them score F = 1 and two
orders already score F = 4. The segment comes from R and FM = the mean of F and M rounded half up, on the
usual RFM grid (rows R 5..1, columns FM 1..5):

    R 5: new, potential loyalists x2, champions x2
    R 4: promising, potential loyalists x2, loyal x2
    R 3: about to sleep x2, need attention, loyal x2
    R 2: hibernating x2, at risk x2, can't lose
    R 1: lost, hibernating, at risk x2, can't lose
"""

from __future__ import annotations

import numpy as np
from flask_babel import lazy_gettext as _l

SEGMENTS = ("champions", "loyal", "potential_loyalists", "new", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost")

SEGMENT_TITLES = {  # for pages (lazy: translated when shown)
    "champions": _l("Champions"), "loyal": _l("Loyal"), "potential_loyalists": _l("Potential loyalists"),
    "new": _l("New customers"), "promising": _l("Promising"), "need_attention": _l("Need attention"),
    "about_to_sleep": _l("About to sleep"), "at_risk": _l("At risk"), "cant_lose": _l("Can't lose"),
    "hibernating": _l("Hibernating"), "lost": _l("Lost"),
}

# GRID[r - 1][fm - 1]
GRID = (
    ("lost", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
)
_GRID_CODES = np.array([[SEGMENTS.index(name) for name in row] for row in GRID], dtype=np.int8)


def boundaries(values: np.ndarray) -> list[float]:
    """The quintile boundaries (20, 40, 60, 80 %) of a shop's values."""
    if len(values) == 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [float(v) for v in np.quantile(values, [0.2, 0.4, 0.6, 0.8])]


def score_up(values: np.ndarray, bounds: list[float]) -> np.ndarray:
    """1..5, higher values score higher (frequency, monetary)."""
    return (1 + np.searchsorted(np.asarray(bounds), values, side="left")).astype(np.int8)


def score_down(values: np.ndarray, bounds: list[float]) -> np.ndarray:
    """1..5, lower values score higher (recency in days)."""
    return (5 - np.searchsorted(np.asarray(bounds), values, side="left")).astype(np.int8)


def segment_codes(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Index into SEGMENTS for each customer's scores."""
    fm = (f.astype(np.int16) + m + 1) // 2
    return _GRID_CODES[r.astype(np.int16) - 1, fm - 1]


def segment_of(r: int, f: int, m: int) -> str:
    return SEGMENTS[int(segment_codes(np.array([r]), np.array([f]), np.array([m]))[0])]


def score(recency_days: np.ndarray, orders: np.ndarray, spent: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray,
                                                                                      np.ndarray, np.ndarray]:
    """The shop's boundaries, the three scores and the segment codes of every customer."""
    bounds = {"recency_days": boundaries(recency_days), "orders": boundaries(orders), "spent": boundaries(spent)}
    r = score_down(recency_days, bounds["recency_days"])
    f = score_up(orders, bounds["orders"])
    m = score_up(spent, bounds["spent"])
    return bounds, r, f, m, segment_codes(r, f, m)
