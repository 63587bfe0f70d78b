"""Worked examples: safety stock, reorder point and rounding; ABC/XYZ boundaries; censored weeks; the
category fallback for new variants. Pure functions, no database."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app.inventory.forecast import MIN_WEEKS, forecast_all
from app.inventory.history import DailyHistory, weekly_demand
from app.inventory.purchase import plan_variant, round_quantity
from app.inventory.refresh import abc_classes, xyz_classes

MONDAY = date(2025, 1, 6)


def test_safety_stock_reorder_point_and_order_up_to_follow_the_worked_example():
    # 7 a week (1 a day), band ±2.5632 → σ = 2 a week; lead time 14 days, cycle 7, service 95 % (z 1.6449).
    p50 = [7.0] * 12
    p10, p90 = [7 - 2.5632] * 12, [7 + 2.5632] * 12
    plan = plan_variant(p10, p50, p90, MONDAY, MONDAY, lead_days=14, cycle_days=7, service_level=0.95, position=5)
    assert plan.demand_lead == pytest.approx(14)
    assert plan.safety_stock == pytest.approx(1.6449 * (2 * 2 ** 0.5), rel=1e-3)  # σ over 2 weeks = 2·√2
    assert plan.reorder_point == pytest.approx(14 + 4.652, abs=0.01)
    assert plan.order_up_to == pytest.approx(21 + 4.652, abs=0.01)
    assert plan.raw_quantity == pytest.approx(20.652, abs=0.01)
    assert plan.quantity == Decimal(21)  # whole units (pack 1)
    with_terms = plan_variant(p10, p50, p90, MONDAY, MONDAY, lead_days=14, cycle_days=7, service_level=0.95,
                              position=5, moq=Decimal(24), pack=Decimal(10))
    assert with_terms.quantity == Decimal(30)  # 20.65 → MOQ 24 → 3 packs of 10


def test_a_partly_covered_week_counts_by_its_share_and_today_is_after_the_forecast_start():
    p50 = [7.0, 14.0] + [0.0] * 10
    zero = [0.0] * 12
    plan = plan_variant(zero, p50, p50, MONDAY, MONDAY + timedelta(days=4), lead_days=7, cycle_days=0,
                        service_level=0.9, position=0)
    assert plan.demand_lead == pytest.approx(3 * 1 + 4 * 2)  # Fri–Sun of week 0, Mon–Thu of week 1


def test_enough_stock_orders_nothing_and_rounding_keeps_zero_at_zero():
    p50 = [1.0] * 12
    plan = plan_variant(p50, p50, p50, MONDAY, MONDAY, lead_days=7, cycle_days=7, service_level=0.99, position=50)
    assert plan.quantity == 0
    assert round_quantity(0, Decimal(10), Decimal(6)) == 0
    assert round_quantity(0.2, None, None) == 1
    assert round_quantity(11, Decimal(10), Decimal(6)) == 12
    assert round_quantity(1, Decimal(10), Decimal("2.5")) == 10


def test_abc_classes_at_their_boundaries():
    # Shares 50, 30, 15, 4, 1 %: A while the revenue before is under 80 % (the one crossing it is A), B under 95 %.
    revenue = np.array([30.0, 50.0, 4.0, 15.0, 1.0, 0.0])
    assert abc_classes(revenue) == ["A", "A", "C", "B", "C", "C"]
    assert abc_classes(np.array([80.0, 15.0, 5.0])) == ["A", "B", "C"]
    assert abc_classes(np.zeros(3)) == ["C", "C", "C"]


def test_xyz_classes_at_their_boundaries():
    steady = np.array([[10.0, 10.0, 10.0, 10.0]])
    cv_half = np.array([[5.0, 15.0, 5.0, 15.0]])  # mean 10, std 5: cv 0.5 → X (≤ 0.5)
    cv_one = np.array([[0.0, 20.0, 0.0, 20.0]])  # cv 1.0 → Y (≤ 1.0)
    erratic = np.array([[0.0, 0.0, 0.0, 40.0]])  # cv 1.73 → Z
    never = np.zeros((1, 4))
    assert xyz_classes(np.vstack([steady, cv_half, cv_one, erratic, never])) == ["X", "X", "Y", "Z", "Z"]


def _history(units: np.ndarray, out: np.ndarray) -> DailyHistory:
    return DailyHistory(MONDAY, units.shape[1], [f"V{k}" for k in range(len(units))], units, units.sum(axis=1), out)


def test_censored_days_scale_a_week_up_and_a_week_out_throughout_takes_the_recent_mean():
    days = 28
    units = np.zeros((1, days))
    units[0, :7] = 2  # week 0: 14 sold, in stock
    units[0, 7:10] = 2  # week 1: 6 sold in 3 days, then out of stock for 4 days
    out = np.zeros((1, days), dtype=bool)
    out[0, 10:14] = True
    out[0, 14:21] = True  # week 2: out throughout (zero sales is not zero demand)
    units[0, 21:28] = 1  # week 3: 7 sold
    first, sold, demand, out_days = weekly_demand(_history(units, out))
    assert first == MONDAY
    assert sold.tolist() == [[14, 6, 0, 7]]
    assert out_days.tolist() == [[0, 4, 7, 0]]
    assert demand[0].tolist() == pytest.approx([14, 14, 14, 7])  # 6 over 3 in-stock days × 7; week 2 = mean


def test_without_stock_outs_demand_is_what_was_sold():
    units = np.random.default_rng(3).poisson(2, size=(3, 21)).astype(float)
    _first, sold, demand, _out = weekly_demand(_history(units, np.zeros_like(units, dtype=bool)))
    assert np.array_equal(sold, demand)


def test_new_variants_fall_back_to_their_category_profile():
    rng = np.random.default_rng(5)
    weeks = 60
    established = rng.poisson(np.array([[4.0], [6.0], [5.0], [40.0]]), size=(4, weeks)).astype(float)
    new = np.zeros((1, weeks))
    new[0, -3:] = [9, 11, 10]  # launched three weeks ago
    demand = np.vstack([established, new])
    groups = np.array([0, 0, 0, 1, 0])  # the new one is in category 0 (4–6 a week); category 1 sells 40
    first_sale = np.array([0, 0, 0, 0, weeks - 3])
    result = forecast_all(demand, groups, ["B", "B", "B", "A", "B"], first_sale)
    assert result.source[4] == "category" and result.model[4] == "category profile"
    assert weeks - first_sale[4] < MIN_WEEKS
    assert 3 < result.p50[4].mean() < 8  # the category's typical variant, not the other category's 40
    assert (result.p10[4] <= result.p50[4]).all() and (result.p50[4] <= result.p90[4]).all()
    assert result.source[:4] == ["own"] * 4 and all(result.model[:4])


def test_forecasting_in_chunks_gives_what_one_pass_gives():
    rng = np.random.default_rng(1)
    levels = rng.uniform(0.5, 20, 30)
    demand = rng.poisson(levels[:, None], size=(30, 80)).astype(np.float32)
    demand[::4, :70] = 0  # launched ten weeks ago: the category's profile
    groups = rng.integers(0, 3, 30)
    abc = ["A" if level > 12 else "B" if level > 5 else "C" for level in levels]
    selling = demand > 0
    first_sale = np.where(selling.any(axis=1), selling.argmax(axis=1), 80)
    chunked, whole = (forecast_all(demand, groups, abc, first_sale, chunk=size) for size in (7, 1000))
    assert chunked.source.count("category") == 8 and chunked.source == whole.source
    for name in ("p10", "p50", "p90", "model_error"):
        assert np.allclose(getattr(chunked, name), getattr(whole, name), equal_nan=True), name
    assert chunked.model == whole.model and chunked.report == whole.report
    own = np.array([source == "own" for source in chunked.source])
    assert np.abs(chunked.p50[own].mean(axis=1) / levels[own] - 1).max() < 0.4  # each near its own level
