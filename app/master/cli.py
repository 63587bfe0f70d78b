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
from app.master.jobs import KIND, STAT_KEYS, stats_of
from app.master.prices import price_rule
from app.master.propagation import (
    MasterError,
    apply_follower,
    followers_of,
    master_of,
    status_org,
    stock_rule,
)
from app.master.sales import tell_master
from app.master.texts import text_rules
from app.orgs.models import Organization
from app.sync.runner import ImportFailed, job_now


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
        master = master_of(db.session, org_id)
    except MasterError as exc:
        db.session.rollback()
        _fail(str(exc))
    told = None
    if not dry_run:  # follower sales first, so every follower's stock counts them
        told = tell_master(db.session, master, committed=db.session.commit)
        db.session.commit()
        click.echo(f"{master.name} (master, shop {master.id}): told of {told.told} follower sales "
                   f"({told.units} units), {told.failed} failed")
    followers = {}
    for follower in followers_of(db.session, master):
        summary = _apply_one(master, follower, dry_run)
        click.echo(f"{follower.name} (shop {follower.id}, stock {summary['stock_rule']}, prices "
                   f"{summary['price_rule']}): {'would change' if dry_run else 'changed'} "
                   f"{summary['stock_changed']} stock values, {summary['price_changed']} prices, "
                   f"{summary['text_changed']} texts and {summary['visibility_changed']} visibilities "
                   f"({summary['texts_waiting']} texts waiting for approval), "
                   f"{summary['unchanged']} unchanged, {summary['failed']} failed, {summary['drift']} drifted")
        followers[str(follower.id)] = summary
    click.echo(json.dumps({"org": org_id, "master": master.id, "dry_run": dry_run,
                           "master_sales": {"told": told.told, "units": str(told.units), "confirmed": told.confirmed,
                                            "failed": told.failed}
                           if told else None, "followers": followers}))


def _apply_one(master, follower, dry_run: bool) -> dict:
    """A preview computes in a transaction that is rolled back; an apply of a following shop runs the job."""
    rule, _ = stock_rule(db.session, follower)
    pricing, _ = price_rule(db.session, follower)
    texts, visibility = text_rules(db.session, follower)
    rules = {"stock_rule": rule, "price_rule": pricing, "text_rule": texts, "visibility_rule": visibility}
    if dry_run or (rule != "follow" and pricing == "off" and texts == "off" and visibility == "off"):
        stats = stats_of(apply_follower(db.session, master, follower, dry_run=True))
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()  # the refreshed pairs of a shop whose rule is off
        return stats
    db.session.commit()
    try:
        stats = job_now(db.session, follower, KIND)
    except ImportFailed as exc:
        db.session.rollback()
        return {**{key: 0 for key in STAT_KEYS}, **rules, "failed": 1, "first_error": str(exc)[:200]}
    return {key: stats.get(key, 0) for key in STAT_KEYS} | {
        **rules,
        **({"first_error": stats["first_error"]} if "first_error" in stats else {})}


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
            "paired", "unpaired", "ambiguous", "not_sold", "pending", "awaiting_echo", "drift", "stock_rule",
            "prices_pending", "awaiting_orders")}
    click.echo(json.dumps({"org": org_id, "master": master.id, "followers": followers}))


COMMANDS = (master_apply, master_status)
