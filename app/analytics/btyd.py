"""Buy-till-you-die models: BG/NBD (Fader, Hardie & Lee 2005) for how many orders, Gamma-Gamma for their value.

Fitted by maximum likelihood with scipy (L-BFGS-B on the log parameters), vectorized over customers with
numpy. Why not a package: `lifetimes` (last release 2020) breaks on numpy 2 / pandas 2; its fork `btyd`
(0.1b3, 2022, a beta) pins the same old stack; `pymc-marketing` (maintained) fits these models through
PyMC/PyTensor, which compiles C at first use and would bring ~10 packages for two closed-form likelihoods.
The likelihoods and conditional expectations below are the published closed forms those packages implement
(their MAP fit with flat priors is this estimate); tests check them against the sandbox's true parameters.

Time unit: days. Per customer: x = repeat purchase days (distinct days with an order, minus the first),
t_x = days from the first to the last purchase, T = days from the first purchase to the end of observation.
A customer with a single order (x = 0) is part of the fit on purpose: BG/NBD has no drop-out before the
first repeat purchase, so their P(active) is the chance the rate is still "on" given no repeat in T days,
and their expected orders fall with T through the rate's prior alone. Guests (orders without an account)
are not customers the model can follow and are left out (app/analytics/summary.py says how many).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1


@dataclass(frozen=True)
class BetaGeo:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def mean(self) -> float:
        """The population's mean order value (the prior's), finite only when q > 1."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("nan")


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood (the reference formula; the fit uses `BgnbdTotal`, its weighted sum)."""
    r, alpha, a, b = params
    repeat = x > 0
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    stay = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        gone = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0))
                        - (r + x) * np.log(alpha + t_x), -np.inf)
    return head + np.logaddexp(stay, gone)


class BgnbdTotal:
    """The weighted sum of `bgnbd_log_likelihood`, arranged so an evaluation costs little at 220 k customers:
    the gamma and beta functions depend on x alone and are taken once per distinct x (a few dozen small
    integers); customers without a repeat purchase (x = 0, about half) contribute head - r log(alpha + T),
    summed per distinct T (days: a few thousand values); only repeat buyers need the per-customer logaddexp."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, weights: np.ndarray):
        single = x == 0
        self.single_t, inverse = np.unique(big_t[single], return_inverse=True)
        self.single_w = np.bincount(inverse, weights=weights[single], minlength=len(self.single_t))
        repeat = ~single
        self.values, self.index = np.unique(x[repeat], return_inverse=True)
        self.x, self.t_x, self.big_t, self.w = x[repeat], t_x[repeat], big_t[repeat], weights[repeat]

    def __call__(self, params: np.ndarray) -> float:
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """The sum and its gradient in (r, alpha, a, b), in closed form: the fit then evaluates once per step
        instead of five times (a numerical gradient's four nudged evaluations), its costliest part.
        `p_stay`: each repeat buyer's share of `stay` in logaddexp(stay, gone) (their chance of being active)."""
        r, alpha, a, b = params
        u = self.values
        base = -gammaln(r) + r * np.log(alpha) - betaln(a, b)
        weight_single = self.single_w.sum()
        log_single = np.log(alpha + self.single_t)
        single = r * (np.log(alpha) * weight_single - self.single_w @ log_single)
        head = (gammaln(r + u) + betaln(a, b + u))[self.index] + base
        odds = (np.log(a) - np.log(b + u - 1))[self.index]
        rx = r + self.x
        log_big_t, log_t_x = np.log(alpha + self.big_t), np.log(alpha + self.t_x)
        stay = -rx * log_big_t
        gone = odds - rx * log_t_x
        mixed = np.logaddexp(stay, gone)
        value = float(single + self.w @ (head + mixed))
        p_stay = np.exp(stay - mixed)
        w_stay, w_gone = self.w * p_stay, self.w * (1.0 - p_stay)
        weight_repeat = self.w.sum()
        per_u = np.bincount(self.index, weights=self.w, minlength=len(u))  # weight per distinct x
        gone_per_u = np.bincount(self.index, weights=w_gone, minlength=len(u))
        d_r = (np.log(alpha) * weight_single - self.single_w @ log_single
               + per_u @ (digamma(r + u) - digamma(r)) + np.log(alpha) * weight_repeat
               - w_stay @ log_big_t - w_gone @ log_t_x)
        d_alpha = (r * (weight_single / alpha - self.single_w @ (1.0 / (alpha + self.single_t)))
                   + r * weight_repeat / alpha
                   - w_stay @ (rx / (alpha + self.big_t)) - w_gone @ (rx / (alpha + self.t_x)))
        d_a = per_u @ (digamma(a + b) - digamma(a + b + u)) + w_gone.sum() / a
        d_b = (per_u @ (digamma(b + u) - digamma(a + b + u) - digamma(b) + digamma(a + b))
               - gone_per_u @ (1.0 / (b + u - 1)))
        return value, np.array([d_r, d_alpha, d_a, d_b])


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, start: BetaGeo | None = None) -> BetaGeo:
    """Maximum likelihood of BG/NBD on the customers' (x, t_x, T); customers with equal triples are
    weighted once, so the cost is per distinct history, not per customer. `start`: a nearby fit (last
    night's, or the full-history one for the calibration period) to start from: fewer iterations."""
    triples, counts = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
    total = BgnbdTotal(triples[:, 0], triples[:, 1], triples[:, 2], counts / counts.sum())
    scale = max(float(np.mean(big_t)), 1.0)

    def cost(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        params[1] *= scale  # alpha is in days: optimize it relative to the observed span
        value, gradient = total.value_and_gradient(params)
        if not (np.isfinite(value) and np.isfinite(gradient).all()):
            return 1e12, np.zeros(4)
        return -value, -gradient * params  # d/d log p = p d/dp (alpha's scale included)

    initial = [0.5, 0.3, 1.0, 2.0] if start is None else [start.r, start.alpha / scale, start.a, start.b]
    best = minimize(cost, np.log(np.clip(initial, 1e-3, 1e3)), jac=True, method="L-BFGS-B", bounds=[(-9, 9)] * 4)
    r, alpha, a, b = np.exp(best.x)
    return BetaGeo(float(r), float(alpha * scale), float(a), float(b))


def _alive_odds_log(model: BetaGeo, x, t_x, big_t) -> np.ndarray:
    """log of a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) for x > 0 (-inf for x = 0)."""
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(repeat, np.log(model.a) - np.log(np.where(repeat, model.b + x - 1, 1.0))
                        + (model.r + x) * (np.log(model.alpha + big_t) - np.log(model.alpha + t_x)), -np.inf)


def probability_alive(model: BetaGeo, x, t_x, big_t) -> np.ndarray:
    """P(still active | x, t_x, T)."""
    return 1.0 / (1.0 + np.exp(_alive_odds_log(model, x, t_x, big_t)))


def expected_purchases(model: BetaGeo, x, t_x, big_t, horizon: float) -> np.ndarray:
    """E[repeat purchases in (T, T + horizon] | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if a <= 1:
        a = 1.0 + 1e-6  # the closed form needs a > 1; at the boundary the limit is taken
    z = horizon / (alpha + big_t + horizon)
    ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + horizon))
    tail = np.exp(ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    head = (a + b + x - 1) / (a - 1) * (1.0 - tail)
    return np.maximum(head * probability_alive(model, x, t_x, big_t), 0.0)


def gg_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, v = params
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
            + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))


def gg_mean_and_gradient(x: np.ndarray, m: np.ndarray):
    """The mean of gg_log_likelihood and its gradient in (p, q, v), in closed form (the fit evaluates once per
    step, not four times), with the gamma functions taken once per distinct x, log m and x log x precomputed."""
    values, index = np.unique(x, return_inverse=True)
    per_value = np.bincount(index, minlength=len(values)) / len(x)  # share of customers per distinct x
    log_m, x_log_x, xm = np.log(m), x * np.log(x), x * m
    mean_x_log_xm = float(np.mean(x * (log_m + np.log(x))))  # d/dp of (p x - 1) log m + p x log x

    def mean_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = params
        px = p * values
        log_xm_v = np.log(xm + v)
        value = (per_value @ (gammaln(px + q) - gammaln(px)) - gammaln(q) + q * np.log(v)
                 + np.mean((p * x - 1) * log_m + p * x_log_x - (p * x + q) * log_xm_v))
        d_p = (per_value @ (values * (digamma(px + q) - digamma(px))) + mean_x_log_xm - np.mean(x * log_xm_v))
        d_q = per_value @ digamma(px + q) - digamma(q) + np.log(v) - np.mean(log_xm_v)
        d_v = q / v - np.mean((p * x + q) / (xm + v))
        return float(value), np.array([d_p, d_q, d_v])

    return mean_and_gradient


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGamma | None:
    """Gamma-Gamma on customers with repeat purchases (x > 0) and their mean repeat order value m > 0."""
    keep = (x > 0) & (m > 0)
    if keep.sum() < 10:
        return None
    xs, ms = x[keep], m[keep]
    scale = float(np.mean(ms))
    mean_and_gradient = gg_mean_and_gradient(xs, ms)

    def cost(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        params[2] *= scale
        value, gradient = mean_and_gradient(params)
        if not (np.isfinite(value) and np.isfinite(gradient).all()):
            return 1e12, np.zeros(3)
        return -value, -gradient * params  # d/d log p = p d/dp (v's scale included)

    best = minimize(cost, np.log([2.0, 3.0, 1.0]), jac=True, method="L-BFGS-B", bounds=[(-9, 9)] * 3)
    p, q, v = np.exp(best.x)
    return GammaGamma(float(p), float(q), float(v * scale))


def expected_order_value(model: GammaGamma | None, x: np.ndarray, m: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """E[order value | x, m]: the customer's own mean shrunk toward the population's; a customer without
    repeat orders gets the population's mean (or, with no usable fit, their own orders' mean: `fallback`)."""
    if model is None or model.q <= 1:
        return fallback
    p, q, v = model.p, model.q, model.v
    population = p * v / (q - 1)
    own = np.where(x > 0, m, 0.0)
    weight = p * x / (p * x + q - 1)
    return np.where(x > 0, (1 - weight) * population + weight * own, population)
