"""RFM scores and segment boundaries on worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from app.analytics import rfm


def test_quintile_boundaries_and_scores_on_ten_customers():
    spent = np.array([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], dtype=float)
    bounds = rfm.boundaries(spent)
    assert bounds == [280.0, 460.0, 640.0, 820.0]
    assert rfm.score_up(spent, bounds).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    recency = np.array([1, 5, 10, 30, 60, 90, 180, 365, 500, 900], dtype=float)
    r_bounds = rfm.boundaries(recency)
    assert r_bounds == pytest.approx([9.0, 48.0, 126.0, 392.0])
    assert rfm.score_down(recency, r_bounds).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_a_value_on_a_boundary_scores_low_and_ties_score_alike():
    """1 + boundaries strictly below: 60 % single-order customers all score F = 1, two orders score 4."""
    orders = np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 5], dtype=float)
    bounds = rfm.boundaries(orders)
    assert bounds[:2] == [1.0, 1.0]
    assert rfm.score_up(orders, bounds).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert rfm.score_up(np.array([280.0]), [280.0, 460.0, 640.0, 820.0]).tolist() == [1]
    assert rfm.score_up(np.array([280.01]), [280.0, 460.0, 640.0, 820.0]).tolist() == [2]


@pytest.mark.parametrize(("r", "f", "m", "segment"), [
    (5, 5, 5, "champions"), (5, 4, 3, "champions"),  # FM = (4 + 3 + 1) // 2 = 4: half up
    (5, 4, 2, "potential_loyalists"),  # FM = 3
    (5, 1, 1, "new"), (4, 1, 1, "promising"), (4, 5, 5, "loyal"), (3, 4, 4, "loyal"),
    (4, 2, 3, "potential_loyalists"), (3, 3, 3, "need_attention"), (3, 1, 2, "about_to_sleep"),
    (2, 4, 3, "at_risk"), (1, 3, 3, "at_risk"), (2, 5, 5, "cant_lose"), (1, 5, 4, "cant_lose"),
    (2, 1, 1, "hibernating"), (1, 2, 2, "hibernating"), (1, 1, 1, "lost"), (1, 1, 2, "hibernating"),
])
def test_segment_grid(r, f, m, segment):
    assert rfm.segment_of(r, f, m) == segment


def test_every_score_combination_has_a_segment_and_every_segment_is_reachable():
    seen = {rfm.segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert seen == set(rfm.SEGMENTS)
