"""`flask hub inventory-refresh --shop ID` and `flask hub forecast-export --shop ID FILE` (last line: JSON)."""

from __future__ import annotations

import json
import sys
import time

import click

from app.extensions import db


def _shop(shop_id: int):
    from app.shops.models import Shop

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        click.echo(f"error: There is no shop with id {shop_id}.", err=True)
        sys.exit(2)
    return shop


@click.command("inventory-refresh")
@click.option("--shop", "shop_id", required=True, type=int)
def inventory_refresh_command(shop_id: int) -> None:
    """Refresh a shop's inventory metrics, forecasts and backtest now, through the run ledger; the last line
    is a JSON summary: variants, seconds, per-class backtest (model and baseline error, band coverage)."""
    from app.sync.runner import ImportFailed, job_now

    shop = _shop(shop_id)
    started = time.monotonic()
    try:
        stats = job_now(db.session, shop, "inventory_refresh")
    except ImportFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    from app.inventory.queries import latest_backtest
    from app.inventory.refresh import per_class

    backtest = latest_backtest(db.session, shop.id)
    click.echo(json.dumps({"variants": stats.get("variants", 0), "seconds": round(time.monotonic() - started, 3),
                           "backtest": per_class(backtest.report) if backtest else {}}))


@click.command("forecast-export")
@click.option("--shop", "shop_id", required=True, type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def forecast_export_command(shop_id: int, file: str) -> None:
    """Write the shop's 12-week forecasts as CSV: variant_code,week_start,p10,p50,p90 (week_start a Monday)."""
    from app.inventory.exports import write_forecast_csv

    shop = _shop(shop_id)
    with open(file, "w", newline="", encoding="utf-8") as handle:
        summary = write_forecast_csv(db.session, shop.id, handle)
    click.echo(json.dumps({**summary, "file": file}))


COMMANDS = (inventory_refresh_command, forecast_export_command)


def register_commands(group) -> None:
    for command in COMMANDS:
        group.add_command(command)
