"""The full refresh of a shop's customer analytics: a job on the ledger (kind `customer_analytics`).

One pass over the shop's orders (app/analytics/summary.py) → numpy: RFM scores and segments (now and a month
ago), the BG/NBD + Gamma-Gamma fit on all history (predictions) and on the calibration period (the holdout
check) → the rows are written in chunks of CHUNK customers, each its own short transaction that starts with
the run's fence and commits with the progress (COPY into a temporary table, upsert into
`customer_analytics`, copy segment / p_active / clv onto `customers`). No transaction outlives a lease or
holds a customer's row lock for more than a chunk (an orders sync touching the same customers waits seconds,
not minutes), and a worker that lost its lease stops at its next chunk. Then the rows of customers no longer
there are removed, the bought-together pairs and the cohorts recomputed, and the shop's fit row stored last:
the pages' figures switch to the new fit in one commit. A refresh that fails half way leaves some customers
with the new values and the rest with the previous ones (each row says when it was fitted); the retry
writes them all again. The run's stats hold the seconds of each phase (`phases`), where a slow refresh went.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.analytics import btyd, rfm
from app.analytics.cohorts import cohorts_of
from app.analytics.consent import refresh_consents
from app.analytics.copurchase import count_pairs, store_pairs
from app.analytics.models import AnalyticsFit
from app.analytics.summary import HOLDOUT_DAYS, Summary, read_summary, window_of

CHUNK = 10_000  # customers per write transaction: seconds, far inside a lease even on a busy machine
STEPS = 4  # read, compute, pairs, cohorts and the fit row; plus one per chunk


class Phases:
    """Seconds spent in each phase of a refresh, in the run's stats: where a slow refresh spends its time."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._mark = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 2)
        self._mark = now


def refresh_job(context) -> dict:
    """The job function (app/sync/jobkinds.py)."""
    shop = context.shop
    started = time.monotonic()
    phases = Phases()
    session: Session = context.session
    context.save(done=0, total=STEPS)
    consents = refresh_consents(session, shop)
    context.save(done=0, total=STEPS)
    phases.lap("consents")
    window = window_of(session, shop.id)
    if window is None:
        clear(session, shop.id)
        context.save(done=STEPS, total=STEPS, stats={"customers": 0})
        return {"customers": 0}
    summary = read_summary(session, shop.id, window)
    chunks = -(-len(summary) // CHUNK)
    total = STEPS + chunks
    context.save(done=1, total=total)
    phases.lap("read")
    previous = session.get(AnalyticsFit, shop.id)
    result = compute(summary, previous.params.get("bgnbd") if previous and previous.params else None)
    context.save(done=2, total=total)
    phases.lap("compute")
    fitted_at = datetime.now(UTC)
    for number, start in enumerate(range(0, len(summary), CHUNK), start=1):
        context.fence()  # first in the chunk's transaction
        phases.lap("fence and progress")
        write_chunk(session, shop.id, shop.currency, summary, result, fitted_at, slice(start, start + CHUNK),
                    phases)
        context.save(done=2 + number, total=total)
    phases.lap("fence and progress")
    # reads first, outside the fenced transactions (the fence's row lock would stall the heartbeat meanwhile)
    baskets, blocks = count_pairs(session, shop)
    session.commit()
    phases.lap("pairs")
    context.fence()
    remove_unfitted(session, shop.id, fitted_at)
    phases.lap("remove")
    pairs = store_pairs(session, shop.id, baskets, blocks)
    context.save(done=total - 1, total=total)
    phases.lap("pairs")
    cohorts = cohorts_of(session, shop.id)
    phases.lap("cohorts")
    context.fence()
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
    phases.lap("fit row")
    stats["phases"] = phases.seconds
    context.save(done=total, total=total, stats=stats)
    return stats


def clear(session: Session, shop_id: int) -> None:
    session.execute(text("DELETE FROM customer_analytics WHERE shop_id = :s"), {"s": shop_id})
    session.execute(text("UPDATE customers SET segment = NULL, p_active = NULL, clv = NULL "
                         "WHERE shop_id = :s AND segment IS NOT NULL"), {"s": shop_id})


# -- the numbers ------------------------------------------------------------------------------------------------

def compute(s: Summary, previous: dict | None = None) -> dict:
    """Scores, segments, predictions and the holdout check of every customer in the summary."""
    n = len(s)
    repeat_orders = np.maximum(s.orders - 1, 0)
    repeat_mean = np.where(repeat_orders > 0, (s.spent - s.first_value) / np.maximum(repeat_orders, 1), 0.0)
    x, t_x, big_t = s.days - 1, s.span, s.age + 1
    bg = btyd.fit_bgnbd(x, t_x, big_t, btyd.BetaGeo(**previous) if previous else None) if n else None
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
        "holdout": holdout_check(s, bg),
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


def holdout_check(s: Summary, full: btyd.BetaGeo | None = None) -> dict:
    """Fit on the calibration period (orders before the cut only), predict the holdout's repeat purchase days
    for the customers who had bought before the cut, and compare with what they did."""
    known = s.cal_days > 0
    if known.sum() < 20:
        return {"holdout_days": HOLDOUT_DAYS, "customers": int(known.sum()), "predicted_orders": None,
                "actual_orders": None, "mae": None, "deciles": []}
    x, t_x, big_t = s.cal_days[known] - 1, s.cal_span[known], s.cal_age[known]
    model = btyd.fit_bgnbd(x, t_x, big_t, full)
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
           "expected_orders_365", "expected_order_value", "clv", "table_p_active", "table_clv")


def table_values(p_active: np.ndarray, clv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the customers table shows, sorts and filters by: P(active) in whole percent and CLV to two
    significant digits (predictions, not ledger amounts; `customer_analytics` keeps them exact). Why: an
    update of a customers row is never HOT (the columns are indexed) and touches its 18 indexes, five of them
    GIN; exact values drift every night for every customer, rounded ones for about one in twelve, so a
    nightly refresh rewrites that many rows instead of all of them."""
    with np.errstate(divide="ignore", invalid="ignore"):
        digits = 1 - np.floor(np.log10(np.abs(clv)))
        scale = np.where(np.isfinite(digits), 10.0 ** digits, 1.0)
        return np.round(p_active, 2), np.where(clv == 0, 0.0, np.round(clv * scale) / scale)

# float8 → numeric(14, 2), and NULL for what is not a finite amount (NaN compares above every number)
MONEY = "CASE WHEN t.{0} BETWEEN -1e11 AND 1e11 THEN round(t.{0}::numeric, 2) END"


def chunk_rows(s: Summary, r: dict, part: slice):
    """The chunk's rows as plain Python values (converted per column by numpy, not per value)."""
    names = np.array([*rfm.SEGMENTS, None], dtype=object)  # code -1 (no order a month ago) → None
    until = s.window.until_day.toordinal()
    orders = s.orders[part]
    repeat_value = np.where(orders > 1, r["repeat_mean"][part], np.nan)
    columns = [s.guids[part], orders.astype(np.int64), s.days[part].astype(np.int64),
               (until - s.age[part]).astype(np.int64), (until - s.recency[part]).astype(np.int64),
               s.spent[part], repeat_value, r["r"][part].astype(np.int64), r["f"][part].astype(np.int64),
               r["m"][part].astype(np.int64), names[r["codes"][part]], names[r["previous"][part]],
               r["p_active"][part], r["e90"][part], r["e365"][part], r["value"][part], r["clv"][part],
               *table_values(r["p_active"][part], r["clv"][part])]
    return zip(*(c if isinstance(c, list) else c.tolist() for c in columns), strict=True)


def write_chunk(session: Session, shop_id: int, currency: str, s: Summary, r: dict, fitted_at: datetime,
                part: slice, phases: Phases | None = None) -> None:
    """COPY a chunk of customers' rows into a temporary table, upsert them into customer_analytics and copy
    the three table columns onto customers where they differ."""
    session.execute(text("DROP TABLE IF EXISTS analytics_rows"))  # a test's outer transaction never commits
    session.execute(text("""
        CREATE TEMPORARY TABLE analytics_rows (
            customer_guid varchar(64) PRIMARY KEY, orders_count int, purchase_days int, first_day int,
            last_day int, spent float8, repeat_value float8, r_score int, f_score int, m_score int,
            segment varchar(24), previous_segment varchar(24), p_active float8, expected_orders_90 float8,
            expected_orders_365 float8, expected_order_value float8, clv float8, table_p_active float8,
            table_clv float8
        ) ON COMMIT DROP"""))
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(f"COPY analytics_rows ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in chunk_rows(s, r, part):
            copy.write_row(row)
    # statistics: the joins below then hash (a guessed few rows made nested loops over 220 k customers)
    session.execute(text("ANALYZE analytics_rows"))
    lap = phases.lap if phases is not None else lambda name: None
    lap("write: copy")
    params = {"shop": shop_id, "currency": currency, "fitted_at": fitted_at}
    session.execute(text(f"""
        INSERT INTO customer_analytics AS a (shop_id, customer_guid, orders_count, purchase_days, first_order_at,
            last_order_at, spent, repeat_value, r_score, f_score, m_score, segment, previous_segment, p_active,
            expected_orders_90, expected_orders_365, expected_order_value, clv, currency, fitted_at)
        SELECT :shop, t.customer_guid, t.orders_count, t.purchase_days,
               (DATE '0001-01-01' + (t.first_day - 1)) AT TIME ZONE 'UTC',
               (DATE '0001-01-01' + (t.last_day - 1)) AT TIME ZONE 'UTC',
               {MONEY.format("spent")}, {MONEY.format("repeat_value")}, t.r_score, t.f_score, t.m_score,
               t.segment, t.previous_segment, t.p_active, t.expected_orders_90, t.expected_orders_365,
               {MONEY.format("expected_order_value")}, {MONEY.format("clv")}, :currency, :fitted_at
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
    """), params)  # noqa: S608 (constant)
    lap("write: customer_analytics")
    with _lookups_by_guid(session):
        session.execute(text(f"""
            UPDATE customers c SET segment = t.segment, p_active = t.table_p_active,
                                   clv = {MONEY.format("table_clv")}
            FROM analytics_rows t
            WHERE c.shop_id = :shop AND c.guid = t.customer_guid
              AND (c.segment, c.p_active, c.clv)
                  IS DISTINCT FROM (t.segment, t.table_p_active, {MONEY.format("table_clv")})
        """), params)  # noqa: S608 (constant)
    lap("write: customers")


@contextmanager
def _lookups_by_guid(session: Session):
    """Plan the next statement as one probe of `uq_customers_shop_id` (shop_id, guid) per chunk row. Left to
    itself the planner hashes the shop's customers (a scan of the whole wide table per chunk) or merges along
    that index from the shop's first guid to the chunk's last (the k-th chunk reads k chunks of rows): either
    way the chunks cost more the bigger the shop, where the probes cost the chunk's size."""
    before = session.execute(text("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
                             ).one()
    switch = text("SELECT set_config('enable_hashjoin', :a, true), set_config('enable_mergejoin', :b, true)")
    session.execute(switch, {"a": "off", "b": "off"})
    try:
        yield
    finally:
        session.execute(switch, dict(zip("ab", before, strict=True)))


def remove_unfitted(session: Session, shop_id: int, fitted_at: datetime) -> None:
    """After the chunks: the rows of an earlier fit whose customer has no counting order any more, and their
    customers' table columns. Rows the orders hook added during the refresh (no fit yet) stay."""
    params = {"shop": shop_id, "fitted_at": fitted_at}
    session.execute(text("DELETE FROM customer_analytics WHERE shop_id = :shop AND fitted_at < :fitted_at"), params)
    session.execute(text("""
        UPDATE customers c SET segment = NULL, p_active = NULL, clv = NULL
        WHERE c.shop_id = :shop AND c.segment IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM customer_analytics a WHERE a.shop_id = :shop AND a.customer_guid = c.guid
                          AND a.fitted_at = :fitted_at)
    """), params)
