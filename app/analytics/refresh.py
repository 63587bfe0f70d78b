"""The full refresh of a shop's customer analytics: a job on the ledger (kind `customer_analytics`).

One pass over the shop's orders (app/analytics/summary.py) → numpy: RFM scores and segments (now and a month
ago), the BG/NBD + Gamma-Gamma fit on all history (predictions) and on the calibration period (the holdout
check) → one transaction writes `customer_analytics` (COPY into a temporary table, then upsert), copies
segment / p_active / clv onto `customers`, recomputes the bought-together pairs and the cohorts, and stores
the shop's fit row. Progress is saved (committed) between the steps; the writes are all in the last
transaction, so a refresh that fails or loses its lease leaves the previous one whole.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.analytics import btyd, rfm
from app.analytics.cohorts import cohorts_of
from app.analytics.consent import refresh_consents
from app.analytics.copurchase import refresh_pairs
from app.analytics.models import AnalyticsFit
from app.analytics.summary import HOLDOUT_DAYS, Summary, read_summary, window_of

STEPS = 5
STATEMENT_MS = 15 * 60 * 1000


def refresh_job(context) -> dict:
    """The job function (app/sync/jobkinds.py)."""
    shop = context.shop
    started = time.monotonic()
    session: Session = context.session
    context.save(done=0, total=STEPS)
    consents = refresh_consents(session, shop)
    context.save(done=0, total=STEPS)
    window = window_of(session, shop.id)
    if window is None:
        clear(session, shop.id)
        context.save(done=STEPS, total=STEPS, stats={"customers": 0})
        return {"customers": 0}
    summary = read_summary(session, shop.id, window)
    context.save(done=1, total=STEPS)
    result = compute(summary)
    context.save(done=2, total=STEPS)
    context.fence()
    # One transaction writes a whole shop (a few statements over all its customers): longer than a lease at
    # full size. The runner's heartbeat keeps the lease; the statements get minutes, not the lease's seconds.
    session.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(STATEMENT_MS)})
    fitted_at = datetime.now(UTC)
    write_customers(session, shop.id, shop.currency, summary, result, fitted_at)
    pairs = refresh_pairs(session, shop)
    cohorts = cohorts_of(session, shop.id)
    seconds = round(time.monotonic() - started, 2)
    fit = {"shop_id": shop.id, "fitted_at": fitted_at, "currency": shop.currency, "customers": len(summary),
           "observed_until": datetime.combine(window.until_day, datetime.min.time(), UTC),
           "params": result["params"], "boundaries": result["boundaries"], "holdout": result["holdout"],
           "segments": result["segments"], "movement": result["movement"], "cohorts": cohorts, "seconds": seconds}
    session.execute(insert(AnalyticsFit).values(**fit).on_conflict_do_update(
        index_elements=[AnalyticsFit.shop_id], set_={k: v for k, v in fit.items() if k != "shop_id"}))
    holdout = result["holdout"]
    stats = {"customers": len(summary), "seconds": seconds, "guest_orders": window.guest_orders,
             "consents": consents if consents is not None else "not read",
             "pairs": pairs, "predicted_orders": holdout.get("predicted_orders"),
             "actual_orders": holdout.get("actual_orders"), "mae": holdout.get("mae")}
    context.save(done=STEPS, total=STEPS, stats=stats)
    return stats


def clear(session: Session, shop_id: int) -> None:
    session.execute(text("DELETE FROM customer_analytics WHERE shop_id = :s"), {"s": shop_id})
    session.execute(text("UPDATE customers SET segment = NULL, p_active = NULL, clv = NULL "
                         "WHERE shop_id = :s AND segment IS NOT NULL"), {"s": shop_id})


# -- the numbers ------------------------------------------------------------------------------------------------

def compute(s: Summary) -> dict:
    """Scores, segments, predictions and the holdout check of every customer in the summary."""
    n = len(s)
    repeat_orders = np.maximum(s.orders - 1, 0)
    repeat_mean = np.where(repeat_orders > 0, (s.spent - s.first_value) / np.maximum(repeat_orders, 1), 0.0)
    x, t_x, big_t = s.days - 1, s.span, s.age + 1
    bg = btyd.fit_bgnbd(x, t_x, big_t) if n else None
    gg = btyd.fit_gamma_gamma(repeat_orders, repeat_mean) if n else None
    if bg is not None:
        p_active = btyd.probability_alive(bg, x, t_x, big_t)
        e90 = btyd.expected_purchases(bg, x, t_x, big_t, 90)
        e365 = btyd.expected_purchases(bg, x, t_x, big_t, 365)
    else:
        p_active = e90 = e365 = np.zeros(n)
    value = btyd.expected_order_value(gg, repeat_orders, repeat_mean, s.spent / np.maximum(s.orders, 1))
    clv = e365 * value
    bounds, r, f, m, codes = rfm.score(s.recency, s.orders, s.spent)
    before = s.prev_orders > 0
    previous = np.full(n, -1, dtype=np.int16)
    if before.any():
        _, pr, pf, pm, pcodes = rfm.score(s.prev_recency[before], s.prev_orders[before], s.prev_spent[before])
        previous[before] = pcodes
    return {
        "p_active": p_active, "e90": e90, "e365": e365, "value": value, "clv": clv, "repeat_mean": repeat_mean,
        "r": r, "f": f, "m": m, "codes": codes, "previous": previous,
        "params": {"bgnbd": bg.as_dict() if bg else None, "gamma_gamma": gg.as_dict() if gg else None},
        "boundaries": bounds,
        "segments": segment_sizes(codes, s.spent),
        "movement": movement(previous, codes),
        "holdout": holdout_check(s),
    }


def segment_sizes(codes: np.ndarray, spent: np.ndarray) -> dict:
    sizes = np.bincount(codes, minlength=len(rfm.SEGMENTS))
    revenue = np.bincount(codes, weights=spent, minlength=len(rfm.SEGMENTS))
    return {name: {"customers": int(sizes[i]), "revenue": round(float(revenue[i]), 2)}
            for i, name in enumerate(rfm.SEGMENTS)}


def movement(previous: np.ndarray, codes: np.ndarray) -> dict:
    """Customers per (segment a month ago → now); "none" = no order a month ago (new since)."""
    names = ("none", *rfm.SEGMENTS)
    counts = np.bincount((previous.astype(np.int32) + 1) * len(names) + codes + 1, minlength=len(names) ** 2)
    grid = counts.reshape(len(names), len(names))
    return {names[i]: {names[j]: int(grid[i, j]) for j in range(1, len(names)) if grid[i, j]}
            for i in range(len(names)) if grid[i].any()}


def holdout_check(s: Summary) -> dict:
    """Fit on the calibration period (orders before the cut only), predict the holdout's repeat purchase days
    for the customers who had bought before the cut, and compare with what they did."""
    known = s.cal_days > 0
    if known.sum() < 20:
        return {"holdout_days": HOLDOUT_DAYS, "customers": int(known.sum()), "predicted_orders": None,
                "actual_orders": None, "mae": None, "deciles": []}
    x, t_x, big_t = s.cal_days[known] - 1, s.cal_span[known], s.cal_age[known]
    model = btyd.fit_bgnbd(x, t_x, big_t)
    predicted = btyd.expected_purchases(model, x, t_x, big_t, HOLDOUT_DAYS)
    actual = s.holdout_days[known]
    order = np.argsort(predicted, kind="stable")
    deciles = [{"decile": i + 1, "customers": int(len(part)), "predicted": round(float(predicted[part].sum()), 1),
                "actual": int(actual[part].sum())} for i, part in enumerate(np.array_split(order, 10))]
    total_actual = float(actual.sum())
    return {"holdout_days": HOLDOUT_DAYS, "cut": s.window.cut_day.isoformat(), "customers": int(known.sum()),
            "params": model.as_dict(), "predicted_orders": round(float(predicted.sum()), 1),
            "actual_orders": int(total_actual), "mae": round(float(np.mean(np.abs(predicted - actual))), 4),
            "error": round((float(predicted.sum()) - total_actual) / total_actual, 4) if total_actual else None,
            "deciles": deciles}


# -- the writes -------------------------------------------------------------------------------------------------

COLUMNS = ("customer_guid", "orders_count", "purchase_days", "first_day", "last_day", "spent", "repeat_value",
           "r_score", "f_score", "m_score", "segment", "previous_segment", "p_active", "expected_orders_90",
           "expected_orders_365", "expected_order_value", "clv")


def _money(value: float) -> Decimal | None:
    return None if not math.isfinite(value) else Decimal(f"{value:.2f}")


def write_customers(session: Session, shop_id: int, currency: str, s: Summary, r: dict, fitted_at: datetime) -> None:
    """COPY every customer's row into a temporary table, then one upsert into customer_analytics, one delete
    of customers no longer there, and one update of the three columns on customers that differ."""
    session.execute(text("DROP TABLE IF EXISTS analytics_rows"))
    session.execute(text("""
        CREATE TEMPORARY TABLE analytics_rows (
            customer_guid varchar(64), orders_count int, purchase_days int, first_day int, last_day int,
            spent numeric(14, 2), repeat_value numeric(14, 2), r_score int, f_score int, m_score int,
            segment varchar(24), previous_segment varchar(24), p_active float8, expected_orders_90 float8,
            expected_orders_365 float8, expected_order_value numeric(14, 2), clv numeric(14, 2)
        ) ON COMMIT DROP"""))
    connection = session.connection().connection.driver_connection
    names = rfm.SEGMENTS
    until = s.window.until_day.toordinal()
    with connection.cursor() as cursor, cursor.copy(f"COPY analytics_rows ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for i, guid in enumerate(s.guids):
            orders = int(s.orders[i])
            copy.write_row((
                guid, orders, int(s.days[i]), until - int(s.age[i]), until - int(s.recency[i]),
                _money(s.spent[i]), _money(r["repeat_mean"][i]) if orders > 1 else None,
                int(r["r"][i]), int(r["f"][i]), int(r["m"][i]), names[r["codes"][i]],
                names[r["previous"][i]] if r["previous"][i] >= 0 else None,
                float(r["p_active"][i]), float(r["e90"][i]), float(r["e365"][i]), _money(r["value"][i]),
                _money(r["clv"][i]),
            ))
    # The temporary table's key and statistics: the upsert, delete and updates below join on it (without them
    # the planner guessed a few rows and anti-joined 220 k customers in a nested loop).
    session.execute(text("CREATE INDEX ON analytics_rows (customer_guid)"))
    session.execute(text("ANALYZE analytics_rows"))
    params = {"shop": shop_id, "currency": currency, "fitted_at": fitted_at}
    session.execute(text("""
        INSERT INTO customer_analytics AS a (shop_id, customer_guid, orders_count, purchase_days, first_order_at,
            last_order_at, spent, repeat_value, r_score, f_score, m_score, segment, previous_segment, p_active,
            expected_orders_90, expected_orders_365, expected_order_value, clv, currency, fitted_at)
        SELECT :shop, t.customer_guid, t.orders_count, t.purchase_days,
               (DATE '0001-01-01' + (t.first_day - 1)) AT TIME ZONE 'UTC',
               (DATE '0001-01-01' + (t.last_day - 1)) AT TIME ZONE 'UTC',
               t.spent, t.repeat_value, t.r_score, t.f_score, t.m_score, t.segment, t.previous_segment, t.p_active,
               t.expected_orders_90, t.expected_orders_365, t.expected_order_value, t.clv, :currency, :fitted_at
        FROM analytics_rows t
        ON CONFLICT (shop_id, customer_guid) DO UPDATE SET
            orders_count = excluded.orders_count, purchase_days = excluded.purchase_days,
            first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at,
            spent = excluded.spent, repeat_value = excluded.repeat_value, r_score = excluded.r_score,
            f_score = excluded.f_score, m_score = excluded.m_score, segment = excluded.segment,
            previous_segment = excluded.previous_segment, p_active = excluded.p_active,
            expected_orders_90 = excluded.expected_orders_90, expected_orders_365 = excluded.expected_orders_365,
            expected_order_value = excluded.expected_order_value, clv = excluded.clv,
            currency = excluded.currency, fitted_at = excluded.fitted_at
    """), params)
    session.execute(text("""
        DELETE FROM customer_analytics a WHERE a.shop_id = :shop
          AND NOT EXISTS (SELECT 1 FROM analytics_rows t WHERE t.customer_guid = a.customer_guid)
    """), params)
    session.execute(text("""
        UPDATE customers c SET segment = t.segment, p_active = t.p_active, clv = t.clv
        FROM analytics_rows t
        WHERE c.shop_id = :shop AND c.guid = t.customer_guid
          AND (c.segment, c.p_active, c.clv) IS DISTINCT FROM (t.segment, t.p_active, t.clv)
    """), params)
    session.execute(text("""
        UPDATE customers c SET segment = NULL, p_active = NULL, clv = NULL
        WHERE c.shop_id = :shop AND c.segment IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM analytics_rows t WHERE t.customer_guid = c.guid)
    """), params)
