"""The full refresh of a shop's inventory planning: stock log → rollup → metrics → forecasts → backtest.

Run as the ledger job `inventory_refresh` (app/inventory/tasks.py: nightly, from the page, or in the
foreground by `flask hub inventory-refresh`). Each stage commits through `save` (the job's fenced save), and
the long computing happens outside any transaction (fence() sets a statement and idle timeout of one lease).

Memory stays flat in the catalogue's size: variants go through in chunks of CHUNK (their daily history read,
turned into weeks, written, released; then backtested; then forecast and written), and what is kept for all of
them is one float32 row of weekly demand each (the seasons, ABC and the category profiles need every series)
and a few dozen backtest numbers (app/inventory/forecast.py: ForecastRun).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import psycopg
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from app.channels import channel_for
from app.inventory import metrics
from app.inventory.forecast import HORIZON, ForecastRun
from app.inventory.history import HISTORY_DAYS, load_daily, read_stock_log, weekly_demand
from app.inventory.models import Backtest
from app.inventory.pool import pool_of

ABC_LIMITS = (0.80, 0.95)  # cumulative revenue share: A up to 80 %, B up to 95 %, C the rest
XYZ_LIMITS = (0.5, 1.0)  # coefficient of variation of weekly demand (52 weeks): X ≤ 0.5, Y ≤ 1.0, Z above
STAGES = 6


def abc_classes(revenue: np.ndarray) -> list[str]:
    """A: the best sellers making the first 80 % of revenue (the one crossing 80 % included), B: up to
    95 %, C: the rest and everything without revenue."""
    order = np.argsort(-revenue, kind="stable")
    total = float(revenue[revenue > 0].sum())
    classes = ["C"] * len(revenue)
    before = 0.0
    for k in order:
        if revenue[k] <= 0 or total <= 0:
            break
        share_before = before / total
        classes[k] = "A" if share_before < ABC_LIMITS[0] else "B" if share_before < ABC_LIMITS[1] else "C"
        before += float(revenue[k])
    return classes


def xyz_classes(weekly: np.ndarray) -> list[str]:
    """By the coefficient of variation of weekly demand: X steady, Y variable, Z erratic or never sold."""
    mean = weekly.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, weekly.std(axis=1) / mean, np.inf)
    return ["X" if v <= XYZ_LIMITS[0] else "Y" if v <= XYZ_LIMITS[1] else "Z" for v in cv]


CHUNK = 2000


def _variant_chunks(session: Session, shop, size: int = CHUNK):
    """The shop's variants with their stock, cost and supplier, `size` at a time (by code)."""
    channel = channel_for(shop)
    after = ""
    while True:
        codes = session.execute(text(
            "SELECT v.code FROM product_variants v LEFT JOIN products p ON p.shop_id = v.shop_id "
            "AND p.guid = v.product_guid WHERE v.shop_id = :shop AND v.code > :after AND p.deleted_at IS NULL "
            "ORDER BY v.code LIMIT :size"), {"shop": shop.id, "after": after, "size": size}).scalars().all()
        if not codes:
            return
        after = codes[-1]
        rows = session.execute(text(
            "SELECT v.code, v.product_guid, coalesce(p.name, '') || coalesce(' ' || nullif(v.name, ''), '') AS name, "
            "p.default_category, v.price, v.stock, p.raw, v.raw, st.on_hand, st.available "
            "FROM product_variants v "
            "LEFT JOIN products p ON p.shop_id = v.shop_id AND p.guid = v.product_guid "
            "LEFT JOIN (SELECT variant_code, sum(amount) AS on_hand, sum(amount - coalesce(claim, 0)) AS available "
            "           FROM variant_stocks WHERE shop_id = :shop AND variant_code = ANY(:codes) "
            "           GROUP BY variant_code) st ON st.variant_code = v.code "
            "WHERE v.shop_id = :shop AND v.code = ANY(:codes) ORDER BY v.code"), {"shop": shop.id, "codes": codes})
        variants = []
        for code, guid, name, category, price, stock, product_raw, variant_raw, on_hand, available in rows:
            facts = channel.variant_facts(product_raw or {}, variant_raw or {})
            on_hand = on_hand if on_hand is not None else stock
            variants.append({
                "code": code, "guid": guid, "name": name, "category": category or "",
                "supplier_key": facts.supplier_key, "supplier_name": facts.supplier_name,
                "on_hand": on_hand, "available": available if available is not None else on_hand,
                "unit_cost": facts.purchase_price if facts.purchase_price is not None else price,
                "cost_is_sale_price": facts.purchase_price is None,
            })
        yield variants


def _cursor(session: Session):
    """A DB-API cursor on the session's current connection: take a new one after every commit."""
    return session.connection().connection.cursor()


def _rebuild_rollup(session: Session, shop, zone: str, end: date, save) -> None:
    """The window's rollup from the order items again, a month per statement and commit."""
    first = end - timedelta(days=HISTORY_DAYS + 7)
    day = first
    while day < end:
        stop = min(end, (day.replace(day=1) + timedelta(days=32)).replace(day=1))
        metrics.rebuild_range(_cursor(session), shop.id, zone, day, stop)
        day = stop
        save()
    _cursor(session).execute("DELETE FROM inventory_daily_sales WHERE shop_id = %(shop)s AND day < %(first)s",
                             {"shop": shop.id, "first": first})


def full_refresh(session: Session, shop, save: Callable[..., None], dead_days: int = 90, chunk: int = CHUNK) -> dict:
    """Everything for one shop; `save(done=, total=, stats=)` commits a stage (the job's fenced save)."""
    started = time.monotonic()
    stats: dict = {}
    log = read_stock_log(session, shop, save=lambda: save(done=0, total=STAGES))
    stats.update(log)
    zone = metrics.shop_zone_name(_cursor(session), shop.id)
    end = metrics.history_end_day(_cursor(session), shop.id, zone)
    _rebuild_rollup(session, shop, zone, end, lambda: save(done=1, total=STAGES))

    codes: list[str] = []
    categories: dict[str, int] = {}
    groups: list[int] = []
    for variants in _variant_chunks(session, shop, chunk):
        _upsert_base(session, shop.id, variants)
        codes += [v["code"] for v in variants]
        groups += [categories.setdefault(v["category"], len(categories)) for v in variants]
        save(done=2, total=STAGES)
    _cursor(session).execute("DELETE FROM inventory_metrics WHERE shop_id = %(shop)s AND NOT variant_code = "
                             "ANY(%(codes)s)", {"shop": shop.id, "codes": codes})
    _cursor(session).execute("DELETE FROM inventory_series WHERE shop_id = %(shop)s AND NOT variant_code = "
                             "ANY(%(codes)s)", {"shop": shop.id, "codes": codes})
    parts = [np.arange(start, min(start + chunk, len(codes))) for start in range(0, len(codes), chunk)]
    pool = pool_of(session, shop, end)
    if pool is not None:
        stats["pool_followers"] = len(pool.followers)

    # History, a chunk at a time: only the weekly demand stays (float32).
    demand: np.ndarray | None = None
    revenue = np.zeros(len(codes))
    xyz: list[str] = [""] * len(codes)
    first_monday = end
    for rows in parts:
        chunk_codes = [codes[k] for k in rows]
        daily = load_daily(session, shop, end, chunk_codes, pool=pool)
        _update_columns(session, shop.id, chunk_codes, {
            "stockout_days_90": [int(x) for x in daily.out_of_stock[:, -90:].sum(axis=1)]})
        first_monday, sold, weekly, out_days = weekly_demand(daily)
        if demand is None:
            demand = np.zeros((len(codes), weekly.shape[1]), dtype=np.float32)
        demand[rows] = weekly
        revenue[rows] = daily.revenue_365
        for k, cls in zip(rows, xyz_classes(weekly[:, -52:]), strict=True):
            xyz[k] = cls
        _write_history(session, shop.id, chunk_codes, first_monday, sold, weekly, out_days)
        del daily, sold, weekly, out_days
        save(done=2, total=STAGES)
    if demand is None:
        demand = np.zeros((0, 0), dtype=np.float32)
    metrics.refresh_sales(_cursor(session), shop.id, codes, end)
    session.execute(text(
        "UPDATE inventory_metrics SET dead = coalesce(on_hand, 0) > 0 AND (last_sale_on IS NULL OR "
        "last_sale_on < :since) WHERE shop_id = :shop"), {"shop": shop.id, "since": end - timedelta(days=dead_days)})
    save(done=3, total=STAGES)
    session.commit()  # nothing open while the models run

    abc = abc_classes(revenue)
    selling = demand > 0
    first_sale = np.where(selling.any(axis=1), selling.argmax(axis=1), demand.shape[1])
    del selling
    run = ForecastRun(demand, np.array(groups, dtype=int), abc, first_sale)
    for rows in parts:
        run.backtest(rows)
    run.settle()
    save(done=4, total=STAGES)
    forecast_start = first_monday + timedelta(weeks=demand.shape[1])
    for rows in parts:
        result = run.forecast(rows)
        chunk_codes = [codes[k] for k in rows]
        _update_columns(session, shop.id, chunk_codes, {
            "abc": [abc[k] for k in rows], "xyz": [xyz[k] for k in rows], "model": result.model,
            "model_error": [None if np.isnan(x) else float(x) for x in result.model_error],
            "baseline_error": [None if np.isnan(x) else float(x) for x in result.baseline_error],
            "forecast_12w": [float(x) for x in result.p50.sum(axis=1)],
        })
        _write_forecasts(session, shop.id, chunk_codes, forecast_start, result)
        save(done=5, total=STAGES)
    report = {**run.report, "variants": len(codes), "as_of": end.isoformat(),
              "history_weeks": int(demand.shape[1]), "forecast_start": forecast_start.isoformat()}
    session.add(Backtest(shop_id=shop.id, report=report))
    session.execute(delete(Backtest).where(Backtest.shop_id == shop.id, Backtest.id.not_in(
        session.query(Backtest.id).filter(Backtest.shop_id == shop.id).order_by(Backtest.id.desc()).limit(10)
        .scalar_subquery())))
    stats.update(variants=len(codes), seconds=round(time.monotonic() - started, 3))
    save(done=STAGES, total=STAGES, stats=_flat(stats, report))
    return {**stats, "backtest": per_class(report)}


def per_class(report: dict) -> dict:
    """The report's figures per class and overall, as the command prints them."""
    out = {}
    for name, summary in [("overall", report.get("overall", {})), *report.get("classes", {}).items()]:
        out[name] = {key: summary.get(key) for key in ("series", "model_rmsse", "moving_average_rmsse",
                                                        "seasonal_naive_rmsse", "model_bias", "band_coverage")}
    return out


def _flat(stats: dict, report: dict) -> dict:
    """The run page's stats: flat numbers only."""
    flat = {k: v for k, v in stats.items() if isinstance(v, int | float | str)}
    overall = report.get("overall", {})
    for key in ("model_rmsse", "moving_average_rmsse", "band_coverage"):
        if overall.get(key) is not None:
            flat[key] = overall[key]
    return flat


def _upsert_base(session: Session, shop_id: int, variants: list[dict]) -> None:
    """The metrics rows of a chunk of the catalogue's variants (stock, cost, supplier)."""
    value = [None if v["on_hand"] is None or v["unit_cost"] is None
             else (Decimal(v["on_hand"]) * Decimal(v["unit_cost"])).quantize(Decimal("0.01")) for v in variants]
    cursor = _cursor(session)
    cursor.execute(
        "INSERT INTO inventory_metrics (shop_id, variant_code, product_guid, name, category, supplier_key, "
        "supplier_name, on_hand, available, unit_cost, cost_is_sale_price, stock_value, units_7, units_30, "
        "units_90, units_365, revenue_365, stockout_days_90, dead, refreshed_at) "
        "SELECT %(shop)s, * , 0, 0, 0, 0, 0, 0, false, now() FROM unnest(%(codes)s::text[], %(guids)s::text[], "
        "%(names)s::text[], %(categories)s::text[], %(keys)s::text[], %(suppliers)s::text[], %(on_hand)s::numeric[], "
        "%(available)s::numeric[], %(cost)s::numeric[], %(marked)s::bool[], %(value)s::numeric[]) "
        "ON CONFLICT (shop_id, variant_code) DO UPDATE SET product_guid = EXCLUDED.product_guid, "
        "name = EXCLUDED.name, category = EXCLUDED.category, supplier_key = EXCLUDED.supplier_key, "
        "supplier_name = EXCLUDED.supplier_name, on_hand = EXCLUDED.on_hand, available = EXCLUDED.available, "
        "unit_cost = EXCLUDED.unit_cost, cost_is_sale_price = EXCLUDED.cost_is_sale_price, "
        "stock_value = EXCLUDED.stock_value, refreshed_at = now()",
        {"shop": shop_id, "codes": [v["code"] for v in variants], "guids": [v["guid"] for v in variants],
         "names": [v["name"] for v in variants], "categories": [v["category"] for v in variants],
         "keys": [v["supplier_key"] for v in variants], "suppliers": [v["supplier_name"] for v in variants],
         "on_hand": [v["on_hand"] for v in variants], "available": [v["available"] for v in variants],
         "cost": [v["unit_cost"] for v in variants], "marked": [v["cost_is_sale_price"] for v in variants],
         "value": value})


SQL_TYPES = {"abc": "text", "xyz": "text", "model": "text", "model_error": "float8", "baseline_error": "float8",
             "forecast_12w": "float8", "stockout_days_90": "int"}


def _update_columns(session: Session, shop_id: int, codes: list[str], columns: dict[str, list]) -> None:
    names = list(columns)
    sets = ", ".join(f"{name} = u.{name}" for name in names)
    arrays = ", ".join(f"%({name})s::{SQL_TYPES[name]}[]" for name in names)
    cursor = _cursor(session)
    cursor.execute(
        f"UPDATE inventory_metrics m SET {sets} FROM unnest(%(codes)s::text[], {arrays}) "  # noqa: S608 (constant)
        f"AS u(code, {', '.join(names)}) WHERE m.shop_id = %(shop)s AND m.variant_code = u.code",
        {"shop": shop_id, "codes": codes, **columns})


def _stage(session: Session, table: str, columns: str, rows) -> psycopg.Cursor:
    """A transaction's temporary table `table` filled with `rows` by COPY; the cursor to go on with."""
    cursor = _cursor(session)
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS")
    cursor.execute(f"TRUNCATE {table}")
    names = ", ".join(column.split()[0] for column in columns.split(", "))
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return cursor


def _write_history(session, shop_id, codes, first_monday, sold, demand, out_days) -> None:
    """The weekly history of a chunk; a series keeps its last forecast until this refresh writes the new one
    (a new series starts with none: zeros)."""
    cursor = _stage(session, "stage_inventory_history",
                    "variant_code text, sold float8[], demand float8[], stockout_days int[]",
                    ((code, sold[k].tolist(), np.round(demand[k], 3).tolist(), out_days[k].tolist())
                     for k, code in enumerate(codes)))
    nothing = [0.0] * HORIZON
    cursor.execute(
        "INSERT INTO inventory_series AS s (shop_id, variant_code, first_week, sold, demand, stockout_days, "
        "forecast_start, p10, p50, p90, source) SELECT %(shop)s, h.variant_code, %(first)s, h.sold, h.demand, "
        "h.stockout_days, %(first)s, %(nothing)s, %(nothing)s, %(nothing)s, 'category' "
        "FROM stage_inventory_history h ON CONFLICT (shop_id, variant_code) DO UPDATE SET "
        "first_week = EXCLUDED.first_week, sold = EXCLUDED.sold, demand = EXCLUDED.demand, "
        "stockout_days = EXCLUDED.stockout_days", {"shop": shop_id, "first": first_monday, "nothing": nothing})


def _write_forecasts(session, shop_id, codes, forecast_start, result) -> None:
    cursor = _stage(session, "stage_inventory_forecasts",
                    "variant_code text, p10 float8[], p50 float8[], p90 float8[], source text",
                    ((code, np.round(result.p10[k], 3).tolist(), np.round(result.p50[k], 3).tolist(),
                      np.round(result.p90[k], 3).tolist(), result.source[k]) for k, code in enumerate(codes)))
    cursor.execute(
        "UPDATE inventory_series s SET forecast_start = %(start)s, p10 = f.p10, p50 = f.p50, p90 = f.p90, "
        "source = f.source FROM stage_inventory_forecasts f WHERE s.shop_id = %(shop)s "
        "AND s.variant_code = f.variant_code", {"shop": shop_id, "start": forecast_start})
