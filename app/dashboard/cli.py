"""`flask hub sales-summary` (read from the rollups, as the dashboard) and `flask hub sales-rebuild`.

The last line of each is JSON; bad input prints `error: ...` and exits 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.orgs.models import Organization
from app.shops.models import Shop


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


def _shop_ids(org_id: int, shop_id: int | None) -> list[int]:
    if db.session.get(Organization, org_id) is None:
        _fail(f"no organization {org_id}")
    query = select(Shop.id).where(Shop.organization_id == org_id)
    if shop_id is not None:
        query = query.where(Shop.id == shop_id)
    ids = list(db.session.execute(query).scalars())
    if shop_id is not None and not ids:
        _fail(f"shop {shop_id} is not a shop of organization {org_id}")
    return ids


@click.command("sales-summary")
@click.option("--org", "org_id", type=int, required=True, help="the organization's id")
@click.option("--from", "start", required=True, help="first day, YYYY-MM-DD (the shop's day)")
@click.option("--to", "end", required=True, help="last day, YYYY-MM-DD, included")
@click.option("--shop", "shop_id", type=int, help="one shop of the organization (default: all)")
@with_appcontext
def sales_summary_command(org_id: int, start: str, end: str, shop_id: int | None) -> None:
    """Orders (not cancelled), their revenue with VAT and cancelled orders per currency, from the rollups."""
    from app.dashboard.queries import sales_summary

    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        _fail("--from is after --to")
    click.echo(json.dumps(sales_summary(db.session, _shop_ids(org_id, shop_id), first, last), sort_keys=True))


@click.command("sales-rebuild")
@click.option("--shop", "shop_id", type=int, help="one shop (default: every shop)")
@with_appcontext
def sales_rebuild_command(shop_id: int | None) -> None:
    """Roll up a shop's orders again from scratch (after a rollback window of a release without the hook)."""
    from app.dashboard.rollups import rebuild_shop

    query = select(Shop.id).order_by(Shop.id)
    if shop_id is not None:
        query = query.where(Shop.id == shop_id)
    ids = list(db.session.execute(query).scalars())
    if shop_id is not None and not ids:
        _fail(f"no shop {shop_id}")
    for one in ids:
        rebuild_shop(db.session.connection().connection.driver_connection.cursor(), one)
        db.session.commit()
    click.echo(json.dumps({"shops": len(ids)}))


COMMANDS = (sales_summary_command, sales_rebuild_command)
