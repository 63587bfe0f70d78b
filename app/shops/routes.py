"""Shops: the list, a shop's page with its imports (live progress over HTMX), retry and cancel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.htmx import STOP_POLLING, is_htmx
from app.orgs.scoping import can, get_scoped_or_404, require, scoped
from app.shops import services as shop_services
from app.shops.models import Shop
from app.sync import queries, services
from app.sync.ledger import KINDS, LedgerError
from app.sync.models import SyncRun

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


@bp.get("/runs/<int:run_id>/progress")
@require("org.view")
def run_progress(run_id: int):
    """The progress fragment; polled by htmx every second while the run is active."""
    run = get_scoped_or_404(SyncRun, run_id)
    body = render_template("shops/_run_progress.html", run=run, speed=queries.run_speed(run),
                           can_run=can("imports.run"))
    status = STOP_POLLING if is_htmx() and not run.is_active else 200
    return body, status


@bp.post("/runs/<int:run_id>/cancel")
@require("imports.run")
def cancel(run_id: int):
    run = get_scoped_or_404(SyncRun, run_id)
    if services.cancel_run(db.session, run, actor_id=current_user.id):
        flash("Import cancelled. Rows already imported stay.", "info")
    else:
        flash("That import had already ended.", "info")
    db.session.commit()
    return redirect(url_for("shops.detail", shop_id=run.shop_id)), 303


@bp.post("/runs/<int:run_id>/retry")
@require("imports.run")
def retry(run_id: int):
    run = get_scoped_or_404(SyncRun, run_id)
    try:
        services.retry_run(db.session, run, actor_id=current_user.id)
    except LedgerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("shops.detail", shop_id=run.shop_id)), 303
    db.session.commit()
    flash("Import queued again; it resumes where it stopped.", "success")
    return redirect(url_for("shops.detail", shop_id=run.shop_id)), 303


@bp.get("/runs/<int:run_id>")
@require("org.view")
def run_detail(run_id: int):
    run = get_scoped_or_404(SyncRun, run_id)
    return render_template("shops/run.html", run=run, bad_lines=queries.bad_lines(db.session, run.id),
                           speed=queries.run_speed(run), can_run=can("imports.run"))
