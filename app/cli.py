"""`flask --app wsgi hub ...`: the operator's commands. Each one commits once, at the end."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.analytics.cli import COMMANDS as ANALYTICS_COMMANDS
from app.extensions import db
from app.settings.cli import COMMANDS as SETTINGS_COMMANDS
from app.sync.ledger import KINDS as IMPORT_KINDS
from app.sync.ledger import SYNC_KINDS

hub_cli = AppGroup("hub", help="Commerce Hub administration.")
for _command in SETTINGS_COMMANDS:
    hub_cli.add_command(_command)
from app.catalog.cli import COMMANDS as CATALOG_COMMANDS  # noqa: E402

for _command in CATALOG_COMMANDS:
    hub_cli.add_command(_command)
for _command in ANALYTICS_COMMANDS:
    hub_cli.add_command(_command)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@hub_cli.command("create-admin")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="")
def create_admin(email: str, password: str, name: str) -> None:
    """Create a platform operator account."""
    from app.auth.services import AccountError, create_user

    try:
        user = create_user(db.session, email, password, name=name, is_operator=True)
    except AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(user.id)


@hub_cli.command("org-add")
@click.argument("name")
def org_add(name: str) -> None:
    """Create an organization and print its id."""
    from app.orgs.services import MembershipError, create_organization

    try:
        org = create_organization(db.session, name)
    except MembershipError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(org.id)


@hub_cli.command("member-add")
@click.option("--org", "org_id", required=True, type=int)
@click.option("--role", required=True, help="owner, manager, translator or viewer")
@click.argument("email")
def member_add(org_id: int, role: str, email: str) -> None:
    """Add an existing user to an organization with a role."""
    from app.auth.services import find_user
    from app.orgs.services import MembershipError, add_member, parse_role

    user = find_user(db.session, email)
    if user is None:
        _fail(f"No user with the e-mail {email}; create it first (create-admin, or an invitation).")
    try:
        add_member(db.session, org_id, user, parse_role(role))
    except MembershipError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"{email} is now {role} of organization {org_id}")


@hub_cli.command("env-example")
@click.option("--check", is_flag=True, help="only check: exit 2 if either file is out of date")
def env_example(check: bool) -> None:
    """Write deploy/hub.env.example and the README's settings table from the declarations in app/config.py."""
    import json

    from app.config_docs import stale_files, write_files

    if check:
        stale = stale_files()
        if stale:
            _fail(f"out of date: {', '.join(path.name for path in stale)}; run `flask hub env-example`")
        click.echo(json.dumps({"stale": []}))
        return
    click.echo(json.dumps({"written": [path.name for path in write_files()]}))


DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 (the published demo login)


@hub_cli.command("demo-seed")
def demo_seed() -> None:
    """Create the demo organizations and login once; running it again keeps what is there."""
    from sqlalchemy import select

    from app.auth.services import create_user, find_user
    from app.orgs.models import Organization, Role
    from app.orgs.services import add_member, create_organization

    user = find_user(db.session, DEMO_EMAIL) or create_user(db.session, DEMO_EMAIL, DEMO_PASSWORD,
                                                            name="Demo Owner", is_operator=True)
    for name in ("Demo Merchant", "Second Merchant"):
        org = db.session.execute(select(Organization).where(Organization.name == name)).scalar_one_or_none()
        if org is None:
            org = create_organization(db.session, name)
            add_member(db.session, org.id, user, Role.owner, actor_id=user.id)
    db.session.commit()
    click.echo("")
    click.echo("  Commerce Hub demo: http://127.0.0.1:5000/")
    click.echo(f"  Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    click.echo("")


@hub_cli.command("shop-add")
@click.option("--org", "org_id", required=True, type=int)
@click.option("--name", required=True)
@click.option("--platform", default="shoptet", show_default=True, help="the shop's platform")
@click.option("--eshop-id", type=int, default=None, help="Shoptet: the shop's eshopId")
@click.option("--url", default="", help="the shop's address")
@click.option("--private-token", default=None, help="Shoptet: a private API token (stored encrypted)")
@click.option("--api-url", default=None, help="API base URL (default the platform's; the sandbox's in demos)")
@click.option("--languages", default=None, help="comma-separated, default language first (default: the API's)")
@click.option("--currency", default=None, help="the shop's currency (default: the API's; needed without it)")
@click.option("--consumer-key", default=None, help="WooCommerce: the REST API consumer key ck_… (stored encrypted)")
@click.option("--consumer-secret", default=None, help="WooCommerce: the consumer secret cs_… (stored encrypted)")
def shop_add(org_id, name, platform, eshop_id, url, private_token, api_url, languages, currency, consumer_key,
             consumer_secret) -> None:
    """Connect a shop to an organization (credentials, facts, webhooks, first imports); prints its id."""
    from app.shops.connect import connect_shop
    from app.shops.services import ShopError, channel_and_credentials, language_codes

    try:
        _channel, credentials = channel_and_credentials(platform, {
            "eshop_id": eshop_id, "private_token": private_token, "url": url, "consumer_key": consumer_key,
            "consumer_secret": consumer_secret})
        connected = connect_shop(db.session, org_id, platform, credentials, name=name, url=url, api_url=api_url,
                                 languages=language_codes(languages), currency=currency)
    except ShopError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    for warning in connected.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(connected.shop.id)


@hub_cli.command("import-snapshot")
@click.option("--shop", "shop_id", required=True, type=int)
@click.option("--kind", required=True, type=click.Choice(IMPORT_KINDS))
@click.option("--language", default=None, help="products: the language of the file (default: the shop's)")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_snapshot(shop_id: int, kind: str, language: str | None, path: str) -> None:
    """Import a local gzip JSON Lines snapshot through the same pipeline as the workers."""
    import json
    import time

    from tqdm import tqdm

    from app.shops.models import Shop
    from app.sync.runner import ImportFailed, run_file_import

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        _fail(f"There is no shop with id {shop_id}.")
    started = time.monotonic()
    with tqdm(unit=" lines", desc=f"{kind} → shop {shop_id}", file=sys.stderr, dynamic_ncols=True) as bar:
        def on_progress(progress):
            bar.total = progress.lines_total
            bar.update(progress.lines_done - bar.n)

        try:
            progress = run_file_import(db.session, shop, kind, path, language=language, on_progress=on_progress)
        except ImportFailed as exc:
            _fail(str(exc))
    summary = {**progress.as_stats(), "seconds": round(time.monotonic() - started, 3)}
    click.echo(json.dumps(summary))


@hub_cli.command("sync")
@click.option("--shop", "shop_id", required=True, type=int)
@click.option("--kind", required=True, type=click.Choice(SYNC_KINDS))
@click.option("--full", is_flag=True, help="a full import (Shoptet: a snapshot) instead of the change feed")
def sync(shop_id: int, kind: str, full: bool) -> None:
    """Run one sync of a shop now, in this process, through the run ledger (never beside a worker's run of
    the same kind); the last line is a JSON summary."""
    import json
    import time

    from app.shops.models import Shop
    from app.sync.runner import ImportFailed, sync_now

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        _fail(f"There is no shop with id {shop_id}.")
    started = time.monotonic()
    try:
        counts = sync_now(db.session, shop, kind, full=full)
    except ImportFailed as exc:
        _fail(str(exc))
    click.echo(json.dumps({**counts, "seconds": round(time.monotonic() - started, 3)}))


from app.dashboard.cli import COMMANDS as DASHBOARD_COMMANDS  # noqa: E402 (the sales commands)

for _command in DASHBOARD_COMMANDS:
    hub_cli.add_command(_command)

from app.master.cli import COMMANDS as MASTER_COMMANDS  # noqa: E402 (master-apply, master-status)

for _command in MASTER_COMMANDS:
    hub_cli.add_command(_command)
