"""Shops: the list, a shop's page with its imports (their progress, cancel and retry are app/sync/routes.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.orgs.scoping import can, get_scoped_or_404, require, scoped
from app.shops import services as shop_services
from app.shops.models import Shop
from app.sync import queries, services
from app.sync.ledger import KINDS, LedgerError

bp = Blueprint("shops", __name__)



@bp.get("/shops")
@require("org.view")
def index():
    shops = db.session.execute(scoped(Shop).order_by(Shop.name)).scalars().all()
    return render_template("shops/index.html", shops=shops)


@bp.get("/shops/<int:shop_id>")
@require("org.view")
def detail(shop_id: int):
    shop = get_scoped_or_404(Shop, shop_id)
    return render_template("shops/detail.html", shop=shop, overviews=queries.kind_overviews(db.session, shop.id),
                           history=queries.run_history(db.session, shop.id), can_run=can("imports.run"),
                           cursors=queries.sync_cursors(db.session, shop.id), can_connect=can("shops.connect"),
                           speed=queries.run_speed)


@bp.post("/shops/<int:shop_id>/disconnect")
@require("shops.connect")
def disconnect(shop_id: int):
    shop = get_scoped_or_404(Shop, shop_id)
    shop_services.disconnect(db.session, shop, reason=f"Disconnected in the hub by {current_user.email}.",
                        actor_id=current_user.id)
    db.session.commit()
    flash("Shop disconnected: syncing stopped, its data stays.", "info")
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
    flash(f"Import of {kind} started." if created else f"An import of {kind} is already running; showing it.",
          "success" if created else "info")
    return redirect(url_for("shops.detail", shop_id=shop.id)), 303
