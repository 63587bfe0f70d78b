"""BG/NBD and Gamma-Gamma fitted by maximum likelihood recover the parameters that made the data."""

from __future__ import annotations

import numpy as np

from app.analytics import btyd


def simulate(n: int, r: float, alpha: float, a: float, b: float, seed: int = 1):
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    big_t = rng.integers(30, 1500, n).astype(float)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > big_t[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < drop[i]:
                break
    return x, np.floor(t_x), big_t


def test_bgnbd_recovers_its_parameters():
    x, t_x, big_t = simulate(30_000, 0.5, 60.0, 1.5, 3.0)
    model = btyd.fit_bgnbd(x, t_x, big_t)
    assert abs(model.r - 0.5) < 0.08 and abs(model.alpha - 60) < 12
    assert abs(model.a - 1.5) < 0.5 and abs(model.b - 3.0) < 1.2


def test_predictions_behave():
    model = btyd.BetaGeo(0.5, 60.0, 1.5, 3.0)
    x = np.array([0.0, 5.0, 5.0, 20.0])
    t_x = np.array([0.0, 300.0, 50.0, 350.0])
    big_t = np.array([365.0, 365.0, 365.0, 365.0])
    alive = btyd.probability_alive(model, x, t_x, big_t)
    assert alive[0] == 1.0  # no repeat purchase yet: BG/NBD has no drop-out before the first
    assert alive[1] > alive[2]  # same orders, the later last purchase is more likely still active
    e90, e365 = (btyd.expected_purchases(model, x, t_x, big_t, h) for h in (90, 365))
    assert (e365 > e90).all() and e90[3] > e90[1] > e90[2]


def test_gamma_gamma_shrinks_toward_the_population_mean():
    rng = np.random.default_rng(2)
    n = 5000
    x = rng.integers(1, 10, n).astype(float)
    nu = rng.gamma(3.0, 1 / 300.0, n)  # each customer's scale (q = 3, v = 300)
    means = np.array([rng.gamma(6.0 * k, 1 / (nu[i] * k)) for i, k in enumerate(x)])  # p = 6
    model = btyd.fit_gamma_gamma(x, means)
    assert abs(model.mean - 6 * 300 / 2) / 900 < 0.15
    value = btyd.expected_order_value(model, np.array([0.0, 1.0, 50.0]), np.array([0.0, 5000.0, 5000.0]),
                                      np.zeros(3))
    assert abs(value[0] - model.mean) < 1e-6
    assert model.mean < value[1] < value[2] < 5000


def test_bgnbd_gradient_is_the_likelihood_slope():
    """The fit follows the closed-form gradient: it must be the slope of the summed likelihood (central
    differences), for every parameter, including away from the optimum."""
    x, t_x, big_t = simulate(3_000, 0.7, 40.0, 0.8, 2.5, seed=3)
    weights = np.full(len(x), 1 / len(x))
    total = btyd.BgnbdTotal(x, t_x, big_t, weights)
    for params in (np.array([0.7, 40.0, 0.8, 2.5]), np.array([0.2, 150.0, 3.0, 0.6])):
        value, gradient = total.value_and_gradient(params)
        assert value == total(params)
        assert np.isclose(value, weights @ btyd.bgnbd_log_likelihood(params, x, t_x, big_t))
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-6 * params[k]
            slope = (total(params + step) - total(params - step)) / (2 * step[k])
            assert np.isclose(gradient[k], slope, rtol=1e-4, atol=1e-9), (k, gradient[k], slope)


def test_gamma_gamma_gradient_is_the_likelihood_slope():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 12, 2000).astype(float)
    m = rng.gamma(4.0, 150.0, 2000)
    mean_and_gradient = btyd.gg_mean_and_gradient(x, m)
    for params in (np.array([6.0, 3.0, 300.0]), np.array([1.5, 8.0, 40.0])):
        value, gradient = mean_and_gradient(params)
        assert np.isclose(value, np.mean(btyd.gg_log_likelihood(params, x, m)))
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6 * params[k]
            slope = (mean_and_gradient(params + step)[0] - mean_and_gradient(params - step)[0]) / (2 * step[k])
            assert np.isclose(gradient[k], slope, rtol=1e-4, atol=1e-9), (k, gradient[k], slope)
