"""Change settings: validate, store, bump the organization's version, audit. Flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit.services import record
from app.db import run_after_commit
from app.orgs.models import Organization
from app.settings.cache import SettingsCache
from app.settings.models import SettingValue
from app.settings.registry import SettingError, definition, shown
from app.settings.secrets import seal, unseal


def update_settings(session: Session, cache: SettingsCache, org_id: int, changes: dict[str, object], *,
                    shop_id: int | None = None, actor_id: int | None = None) -> dict[str, object]:
    """Apply several changes at once; all are validated before anything is written."""
    parsed: dict[str, object] = {}
    for key, raw in changes.items():
        setting = definition(key)
        if setting.scope == "org" and shop_id is not None:
            raise SettingError(_("%(setting)s applies to the whole organization, not to one shop.",
                                 setting=_(setting.label)))
        parsed[key] = setting.parse(raw)
    if not parsed:
        return {}
    current = dict(session.execute(
        select(SettingValue.key, SettingValue.value).where(
            SettingValue.organization_id == org_id,
            SettingValue.shop_id.is_(None) if shop_id is None else SettingValue.shop_id == shop_id,
            SettingValue.key.in_(parsed),
        )
    ).all())
    old = {k: _plain(k, current.get(k, definition(k).default)) for k in parsed}
    changed = {k: v for k, v in parsed.items() if old[k] != v}
    if not changed:
        return {}
    for key, value in changed.items():
        setting = definition(key)
        stored = seal(value) if setting.secret else value
        statement = insert(SettingValue).values(organization_id=org_id, shop_id=shop_id, key=key, value=stored)
        session.execute(statement.on_conflict_do_update(
            index_elements=["organization_id", "shop_id", "key"], set_={"value": stored, "updated_at": func.now()},
        ))
        record(session, organization_id=org_id, actor_id=actor_id, action="setting.changed", target_type="setting",
               key=key, shop_id=shop_id, old=shown(setting, old[key]), new=shown(setting, value))
    version = session.execute(
        update(Organization).where(Organization.id == org_id)
        .values(settings_version=Organization.settings_version + 1).returning(Organization.settings_version)
    ).scalar_one()
    run_after_commit(session, lambda: cache.publish_version(org_id, version))
    return changed


def _plain(key: str, stored: object) -> object:
    """A stored value as it was set (a secret decrypted), so an unchanged value is not written again."""
    return unseal(stored) if definition(key).secret else stored
