"""The settings page: organization-wide values and per-shop overrides."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import inputs
from app.extensions import db
from app.orgs.scoping import can, current_org, get_scoped_or_404, require, scoped
from app.settings import services
from app.settings.cache import settings_cache
from app.settings.registry import SETTINGS, SettingError, shown
from app.settings.words import choice_label
from app.shops.models import Shop

bp = Blueprint("settings", __name__)
bp.add_app_template_filter(choice_label, "choice_label")


def _definitions(for_shop: bool):
    return [d for d in SETTINGS.values() if d.scope == "shop" or not for_shop]


@bp.get("/settings")
@require("org.view")
def index():
    org = current_org()
    shop_id = inputs.id_number(request.args.get("shop"), "shop")
    shop = get_scoped_or_404(Shop, shop_id) if shop_id else None
    shops = db.session.execute(scoped(Shop).order_by(Shop.name)).scalars().all()
    values = settings_cache().values(db.session, org.id, shop.id if shop else None)
    values = {key: shown(SETTINGS[key], value) for key, value in values.items()}  # never a secret's value
    return render_template("settings/index.html", shop=shop, shops=shops, values=values,
                           definitions=_definitions(shop is not None), can_edit=can("settings.edit"))


@bp.post("/settings")
@require("settings.edit")
def update():
    org = current_org()
    shop_id = inputs.id_number(request.args.get("shop"), "shop")
    shop = get_scoped_or_404(Shop, shop_id) if shop_id else None
    changes = {}
    for definition in _definitions(shop is not None):
        if definition.type is bool:
            changes[definition.key] = definition.key in request.form
        elif definition.secret:  # an empty field keeps the secret; "clear" removes it
            if f"{definition.key}__clear" in request.form:
                changes[definition.key] = ""
            elif request.form.get(definition.key):
                changes[definition.key] = request.form[definition.key]
        elif definition.key in request.form:
            changes[definition.key] = request.form[definition.key]
    try:
        changed = services.update_settings(db.session, settings_cache(), org.id, changes,
                                           shop_id=shop.id if shop else None, actor_id=current_user.id)
    except SettingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("settings.index", shop=shop_id)), 303
    db.session.commit()
    flash(_("Settings saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("settings.index", shop=shop_id)), 303
