"""The ledger job `inventory_refresh` (analytics queue) and the scheduler's nightly pass that starts it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from app.sync.jobs import JobContext

NIGHT_HOUR_UTC = 1  # the nightly refresh is started from this hour on, once a day per shop


def refresh_job(context: JobContext) -> dict:
    """A full refresh of the run's shop (app/inventory/refresh.py), with its progress on the run page; the
    stats are flat (the run page's), the backtest is in `inventory_backtests`."""
    from app.inventory.refresh import full_refresh
    from app.settings.cache import settings_cache

    shop = context.shop
    dead_days = int(settings_cache().values(context.session, shop.organization_id, shop.id)
                    .get("inventory_dead_stock_days", 90))
    stats = full_refresh(context.session, shop, context.save, dead_days=dead_days)
    overall = {f"overall_{key}": value for key, value in stats["backtest"].get("overall", {}).items()
               if isinstance(value, int | float)}
    return {key: value for key, value in stats.items() if isinstance(value, int | float | str)} | overall


def schedule_nightly_refresh(app, now: datetime | None = None) -> int:
    """Start the day's refresh of every active shop without one since today's NIGHT_HOUR_UTC (the ledger
    keeps one active per shop, so a second scheduler or tick starts nothing more)."""
    from app.extensions import db
    from app.shops.models import Shop
    from app.sync.services import start_job

    now = now or datetime.now(UTC)
    if now.hour < NIGHT_HOUR_UTC:
        return 0
    night = now.replace(hour=NIGHT_HOUR_UTC, minute=0, second=0, microsecond=0)
    due = db.session.execute(text(
        "SELECT s.id FROM shops s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM sync_runs r "
        "WHERE r.shop_id = s.id AND r.kind = 'inventory_refresh' AND r.created_at >= :night)"),
        {"night": night}).scalars().all()
    started = 0
    for shop_id in due:
        shop = db.session.get(Shop, shop_id)
        _run, created = start_job(db.session, shop, "inventory_refresh", actor_id=None)
        db.session.commit()
        started += int(created)
    return started
