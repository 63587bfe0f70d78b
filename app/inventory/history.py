"""Demand history: units sold per variant and day, and the days a variant could not sell.

Sales come from the daily rollup (app/inventory/metrics.py says what counts as a sale). Days out of stock
come from the movement logs the shop's channel follows (`stock_log`: Shoptet's default warehouse, which orders
take goods from), kept as spans at or below zero per warehouse: a variant is out on a day when every followed
warehouse was at zero for more than half of that day. Zero sales on such a day is not zero demand, so the
weekly series scales a week's sales up from its in-stock days (`weekly_demand`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.channels import channel_for
from app.inventory.pool import Pool, follower_sales

HISTORY_DAYS = 728  # 104 ISO weeks


def shop_zone(shop) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or "Europe/Prague")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Prague")


def history_end(session: Session, shop) -> date:
    """The day after the shop's newest order (its local day): the data's "today". A live shop's is today; a
    demo shop's history may end earlier, and windows are counted back from there."""
    newest = session.execute(text("SELECT max(creation_time) FROM orders WHERE shop_id = :shop"),
                             {"shop": shop.id}).scalar()
    if newest is None:
        return datetime.now(UTC).astimezone(shop_zone(shop)).date() + timedelta(days=1)
    return newest.astimezone(shop_zone(shop)).date() + timedelta(days=1)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


@dataclass
class DailyHistory:
    """Per variant (row) and day (column) from `start` for `days` days."""

    start: date
    days: int
    codes: list[str]
    units: np.ndarray  # float32 [codes, days]
    revenue_365: np.ndarray  # float64 [codes]: net revenue of the last 365 days, base currency
    out_of_stock: np.ndarray  # bool [codes, days]

    def index(self) -> dict[str, int]:
        return {code: k for k, code in enumerate(self.codes)}


def load_daily(session: Session, shop, end: date, codes: list[str], days: int = HISTORY_DAYS,
               pool: Pool | None = None) -> DailyHistory:
    """Sales (from the rollup, app/inventory/metrics.py) and stock-outs of `codes` over `days` days before
    `end`; with a `pool` (app/inventory/pool.py) the paired followers' sales are added to the master's."""
    start = end - timedelta(days=days)
    index = {code: k for k, code in enumerate(codes)}
    units = np.zeros((len(codes), days), dtype=np.float32)  # the full refresh asks for a chunk of variants
    revenue = np.zeros(len(codes))
    rows = session.execute(text(
        "SELECT variant_code, day - :start, units, revenue FROM inventory_daily_sales "
        "WHERE shop_id = :shop AND variant_code = ANY(:codes) AND day >= :start AND day < :end"),
        {"shop": shop.id, "codes": codes, "start": start, "end": end})
    for code, day, amount, money in rows:
        k = index.get(code)
        if k is not None:
            units[k, day] = float(amount)
            if day >= days - 365:
                revenue[k] += float(money)
    if pool is not None:
        for code, day, amount, money in follower_sales(session, pool, codes, start, end):
            k = index[code]
            units[k, day] += amount
            if day >= days - 365:
                revenue[k] += money
    return DailyHistory(start, days, codes, units, revenue, stockout_days(session, shop, codes, start, days))


def stockout_days(session: Session, shop, codes: list[str], start: date, days: int) -> np.ndarray:
    """Out-of-stock days (see the module docstring) of `codes` from `start`, as a bool matrix."""
    zone = shop_zone(shop)
    index = {code: k for k, code in enumerate(codes)}
    since, until = local_midnight(start, zone), local_midnight(start + timedelta(days=days), zone)
    followed = session.execute(text("SELECT count(*) FROM inventory_stock_cursors WHERE shop_id = :shop"),
                               {"shop": shop.id}).scalar() or 1
    per_stock: dict[tuple[str, int], np.ndarray] = {}
    spans = session.execute(text(
        "SELECT variant_code, stock_id, started_at, coalesce(ended_at, :until) FROM inventory_stockout_spans "
        "WHERE shop_id = :shop AND variant_code = ANY(:codes) AND started_at < :until "
        "AND (ended_at IS NULL OR ended_at > :since)"),
        {"shop": shop.id, "codes": codes, "since": since, "until": until})
    for code, stock_id, started, ended in spans:
        if code not in index:
            continue
        hours = per_stock.setdefault((code, stock_id), np.zeros(days))
        _add_hours(hours, max(started, since).astimezone(zone), min(ended, until).astimezone(zone), start)
    out = np.zeros((len(codes), days), dtype=bool)
    zeros: dict[str, list[np.ndarray]] = {}
    for (code, _stock), hours in per_stock.items():
        zeros.setdefault(code, []).append(hours > 12)
    for code, flags in zeros.items():
        if len(flags) >= followed:  # out in every warehouse the channel follows
            out[index[code]] = np.logical_and.reduce(flags)
    return out


def _add_hours(hours: np.ndarray, begin: datetime, end: datetime, start: date) -> None:
    """Add the hours of [begin, end) (local, aware) to each day's count."""
    while begin < end:
        day = begin.date()
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), begin.tzinfo)
        stop = min(end, next_midnight)
        k = (day - start).days
        if 0 <= k < len(hours):
            hours[k] += (stop - begin).total_seconds() / 3600
        begin = stop


def weekly_demand(history: DailyHistory) -> tuple[date, np.ndarray, np.ndarray, np.ndarray]:
    """(first Monday, units sold per week, demand per week, out-of-stock days per week) over the full ISO weeks
    of the history. A week with some out-of-stock days counts its sales over its in-stock days × 7; a week
    out of stock throughout takes the mean demand of the in-stock weeks before it (or 0)."""
    offset = (7 - history.start.weekday()) % 7  # first Monday on or after the start
    weeks = (history.days - offset) // 7
    span = slice(offset, offset + weeks * 7)
    units = history.units[:, span].reshape(len(history.codes), weeks, 7)
    out = history.out_of_stock[:, span].reshape(len(history.codes), weeks, 7)
    sold = units.sum(axis=2)
    out_days = out.sum(axis=2)
    in_stock = 7 - out_days
    in_stock_sales = np.where(out, 0.0, units).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        demand = np.where(in_stock > 0, in_stock_sales * 7 / in_stock, np.nan)
    demand = np.maximum(demand, sold, where=~np.isnan(demand), out=demand)  # never below what was sold
    for row in np.argwhere(np.isnan(demand).any(axis=1)).ravel():
        series = demand[row]
        known_sum, known_count = 0.0, 0
        for w in range(weeks):
            if np.isnan(series[w]):
                recent = series[max(0, w - 8):w]
                recent = recent[~np.isnan(recent)]
                series[w] = float(recent.mean()) if len(recent) else (known_sum / known_count if known_count else 0)
            else:
                known_sum += series[w]
                known_count += 1
    np.maximum(demand, sold, out=demand)  # a week out throughout may still have sold before it ran out
    first_monday = history.start + timedelta(days=offset)
    return first_monday, sold, demand, out_days.astype(int)


def read_stock_log(session: Session, shop, save: Callable[[], None] | None = None) -> dict:
    """Follow the shop's warehouses' movement logs from the stored positions, turning each variant's amount
    into stock-out spans; each batch commits (through `save`) with its position."""
    channel = channel_for(shop)
    positions = dict(session.execute(text(
        "SELECT stock_id, last_id FROM inventory_stock_cursors WHERE shop_id = :shop"), {"shop": shop.id}).all())
    stats = {"movements": 0, "stockouts": 0}
    open_spans: dict[int, dict[str, int]] = {}
    for batch in channel.stock_log(shop, positions.get):
        spans = open_spans.get(batch.stock_id)
        if spans is None:
            spans = open_spans[batch.stock_id] = dict(session.execute(text(
                "SELECT variant_code, id FROM inventory_stockout_spans "
                "WHERE shop_id = :shop AND stock_id = :stock AND ended_at IS NULL"),
                {"shop": shop.id, "stock": batch.stock_id}).all())
        for code, moved_at, amount in batch.movements:
            stats["movements"] += 1
            if amount <= 0 and code not in spans:
                spans[code] = session.execute(text(
                    "INSERT INTO inventory_stockout_spans (shop_id, stock_id, variant_code, started_at) "
                    "VALUES (:shop, :stock, :code, :at) RETURNING id"),
                    {"shop": shop.id, "stock": batch.stock_id, "code": code, "at": moved_at}).scalar_one()
                stats["stockouts"] += 1
            elif amount > 0 and code in spans:
                session.execute(text("UPDATE inventory_stockout_spans SET ended_at = :at WHERE id = :id"),
                                {"at": moved_at, "id": spans.pop(code)})
        session.execute(text(
            "INSERT INTO inventory_stock_cursors (shop_id, stock_id, last_id) VALUES (:shop, :stock, :last) "
            "ON CONFLICT (shop_id, stock_id) DO UPDATE SET last_id = EXCLUDED.last_id"),
            {"shop": shop.id, "stock": batch.stock_id, "last": batch.position})
        if save is not None:
            save()
    return stats
