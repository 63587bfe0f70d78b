"""`flask hub settings-set | settings-get`: organization and shop settings from the command line.

The same service as the settings page writes (validation, audit, cache version), so a value set here is
checked and recorded exactly as one set on the page. Secrets are never printed. The last line of each
command is a JSON summary; bad input prints `error: ...` and exits 2 with nothing written.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.orgs.models import Organization
from app.settings import services
from app.settings.cache import settings_cache
from app.settings.registry import SETTINGS, SettingError, definition, shown
from app.shops.models import Shop


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _check_scope(org_id: int, shop_id: int | None) -> None:
    """The organization exists and the shop is one of its own: another's shop is refused like a missing one."""
    if db.session.get(Organization, org_id) is None:
        _fail(f"There is no organization with id {org_id}.")
    if shop_id is not None:
        shop = db.session.get(Shop, shop_id)
        if shop is None or shop.organization_id != org_id:
            _fail(f"Organization {org_id} has no shop with id {shop_id}.")


@click.command("settings-set")
@with_appcontext
@click.option("--org", "org_id", required=True, type=int)
@click.option("--shop", "shop_id", type=int, default=None, help="a shop's own value (shop settings only)")
@click.argument("key")
@click.argument("value")
def settings_set(org_id: int, shop_id: int | None, key: str, value: str) -> None:
    """Set one setting, validated and audited as on the settings page (an empty VALUE clears a secret)."""
    _check_scope(org_id, shop_id)
    try:
        setting = definition(key)
        changed = services.update_settings(db.session, settings_cache(), org_id, {key: value}, shop_id=shop_id)
        parsed = setting.parse(value)
    except SettingError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(json.dumps({"org": org_id, "shop": shop_id, "key": key, "value": shown(setting, parsed),
                           "changed": key in changed}))


@click.command("settings-get")
@with_appcontext
@click.option("--org", "org_id", required=True, type=int)
@click.option("--shop", "shop_id", type=int, default=None, help="a shop's values (its own or inherited)")
@click.argument("key", required=False)
def settings_get(org_id: int, shop_id: int | None, key: str | None) -> None:
    """Print the settings of an organization or shop (secrets masked), or only KEY."""
    _check_scope(org_id, shop_id)
    values = settings_cache().values(db.session, org_id, shop_id)
    if key is not None:
        try:
            definition(key)
        except SettingError as exc:
            _fail(str(exc))
        if key not in values:
            _fail(f"{SETTINGS[key].label} applies to the whole organization: leave out --shop.")
        values = {key: values[key]}
    values = {name: shown(SETTINGS[name], value) for name, value in values.items()}
    for name, value in values.items():
        click.echo(f"{name} = {value}")
    click.echo(json.dumps(values))


COMMANDS = (settings_set, settings_get)
