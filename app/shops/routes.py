"""Shops: the list, a shop's page with its imports (their progress, cancel and retry are app/sync/routes.py)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.channels import channel_for
from app.extensions import db
from app.htmx import STOP_POLLING
from app.orgs.scoping import can, get_scoped_or_404, require, scoped
from app.shops import services as shop_services
from app.shops.models import Shop
from app.sync import queries, services
from app.sync.ledger import KINDS, LedgerError

bp = Blueprint("shops", __name__)



@bp.app_context_processor
def _addon_state():
    """Whether shops can be connected from the pages (the Shoptet addon is configured on this hub)."""
    return {"addon_configured": bool(current_app.config.get("SHOPTET_ADDON_URL"))}


# A kind as a flash message names it (lower case, inside a sentence).
KIND_NAMES = {"orders": lambda: _("orders"), "customers": lambda: _("customers"), "products": lambda: _("products")}


@bp.get("/shops")
@require("org.view")
def index():
    shops = db.session.execute(scoped(Shop).order_by(Shop.name)).scalars().all()
    return render_template("shops/index.html", shops=shops)


@bp.get("/shops/<int:shop_id>")
@require("org.view")
def detail(shop_id: int):
    shop = get_scoped_or_404(Shop, shop_id)
    overviews = queries.kind_overviews(db.session, shop.id, channel_for(shop).kinds)
    return render_template("shops/detail.html", shop=shop, overviews=overviews,
                           history=queries.run_history(db.session, shop.id), can_run=can("imports.run"),
                           cursors=queries.sync_cursors(db.session, shop.id), can_connect=can("shops.connect"),
                           speed=queries.run_speed)


@bp.get("/shops/<int:shop_id>/imports/<kind>/card")
@require("org.view")
def kind_card(shop_id: int, kind: str):
    """A kind's card, polled by htmx while its run is active, with the history table out of band.

    One response carries the run, "last successful import", the Import button and the history, read together,
    so they never disagree; it answers 286 (htmx stops polling) once the run has ended.
    """
    if kind not in KINDS:
        abort(404)
    shop = get_scoped_or_404(Shop, shop_id)
    overview = queries.kind_overview(db.session, shop.id, kind)
    context = dict(shop=shop, o=overview, can_run=can("imports.run"), speed=queries.run_speed)
    body = (render_template("shops/_kind_card.html", **context)
            + render_template("shops/_history.html", history=queries.run_history(db.session, shop.id), oob=True))
    return body, 200 if overview.active else STOP_POLLING


@bp.post("/shops/<int:shop_id>/disconnect")
@require("shops.connect")
def disconnect(shop_id: int):
    shop = get_scoped_or_404(Shop, shop_id)
    shop_services.disconnect(db.session, shop, reason=f"Disconnected in the hub by {current_user.email}.",
                        actor_id=current_user.id)
    db.session.commit()
    flash(_("Shop disconnected: syncing stopped, its data stays."), "info")
    return redirect(url_for("shops.detail", shop_id=shop.id)), 303


@bp.post("/shops/<int:shop_id>/imports/<kind>")
@require("imports.run")
def start_import(shop_id: int, kind: str):
    if kind not in KINDS:
        abort(404)
    shop = get_scoped_or_404(Shop, shop_id)
    try:
        run, created = services.start_import(db.session, shop, kind, actor_id=current_user.id)
    except LedgerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("shops.detail", shop_id=shop.id)), 303
    db.session.commit()
    kind_name = KIND_NAMES[kind]()
    flash(_("Import started: %(kind)s.", kind=kind_name) if created
          else _("An import is already running: %(kind)s. It is shown below.", kind=kind_name),
          "success" if created else "info")
    return redirect(url_for("shops.detail", shop_id=shop.id)), 303
