"""`flask hub master-apply` and `flask hub master-status`: the master shop's followers from the command line.

One line per follower, then a JSON summary as the last line; bad input prints `error: ...` and exits 2.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.master.propagation import MasterError, apply_org, status_org
from app.orgs.models import Organization


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _check_org(org_id: int) -> None:
    if db.session.get(Organization, org_id) is None:
        _fail(f"There is no organization with id {org_id}.")


@click.command("master-apply")
@with_appcontext
@click.option("--org", "org_id", required=True, type=int)
@click.option("--dry-run", is_flag=True, help="compute and report the differences, push nothing")
def master_apply(org_id: int, dry_run: bool) -> None:
    """Pair every follower with the master shop and push the stock differences now, in the foreground."""
    _check_org(org_id)
    try:
        master, results = apply_org(db.session, org_id, dry_run=dry_run,
                                    committed=None if dry_run else db.session.commit)
    except MasterError as exc:
        db.session.rollback()
        _fail(str(exc))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    followers = {}
    for result in results:
        summary = result.summary()
        click.echo(f"{result.name} (shop {result.shop_id}, stock {result.stock_rule}): "
                   f"{'would change' if dry_run else 'changed'} {result.stock_changed} stock values, "
                   f"{result.unchanged} unchanged, {result.failed} failed, {result.drift} drifted")
        followers[str(result.shop_id)] = {key: summary[key] for key in (
            "stock_changed", "price_changed", "unchanged", "failed", "drift", "skipped", "stock_rule", "errors")}
    click.echo(json.dumps({"org": org_id, "master": master.id, "dry_run": dry_run, "followers": followers}))


@click.command("master-status")
@with_appcontext
@click.option("--org", "org_id", required=True, type=int)
def master_status(org_id: int) -> None:
    """Per follower: paired, unpaired, ambiguous, pending pushes, drift."""
    _check_org(org_id)
    try:
        master, statuses = status_org(db.session, org_id)
    except MasterError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()  # the refreshed automatic pairs
    followers = {}
    for status in statuses:
        data = asdict(status)
        click.echo(f"{status.name} (shop {status.shop_id}, stock {status.stock_rule}): {status.paired} paired, "
                   f"{status.unpaired} unpaired, {status.ambiguous} ambiguous, {status.pending} pending, "
                   f"{status.drift} drifted")
        followers[str(status.shop_id)] = {key: data[key] for key in (
            "paired", "unpaired", "ambiguous", "not_sold", "pending", "awaiting_echo", "drift", "stock_rule")}
    click.echo(json.dumps({"org": org_id, "master": master.id, "followers": followers}))


COMMANDS = (master_apply, master_status)
