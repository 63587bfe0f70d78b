"""The master shop page: which shop is master, each follower's pairing to review, a stock rule's preview,
and applying it (a job per follower)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import inputs
from app.extensions import db
from app.master.jobs import KIND
from app.master.pairing import PairingError, pair_by_hand, set_fixed_price
from app.master.propagation import MasterError, master_of, preview_org
from app.orgs.scoping import can, current_org, get_scoped_or_404, require
from app.shops.models import Shop
from app.sync.services import start_job

bp = Blueprint("master", __name__)


@bp.get("/master")
@require("org.view")
def index():
    org = current_org()
    try:
        master, previews = preview_org(db.session, org.id)
    except MasterError:
        master, previews = None, []
    return render_template("master/index.html", master=master, previews=previews, can_edit=can("settings.edit"))


@bp.post("/master/pair")
@require("settings.edit")
def pair():
    org = current_org()
    follower = get_scoped_or_404(Shop, inputs.id_number(request.form.get("shop"), "shop"))
    code = (request.form.get("follower_code") or "").strip()
    master_code = None if "not_sold" in request.form else (request.form.get("master_code") or "").strip()
    try:
        if master_code == "":
            raise PairingError(_("Enter the master variant's code, or mark the variant as not sold here."))
        pair_by_hand(db.session, master_of(db.session, org.id), follower, code, master_code,
                     actor_id=current_user.id)
    except (PairingError, MasterError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("master.index")), 303
    db.session.commit()
    flash(_("Variant %(code)s of %(shop)s paired.", code=code, shop=follower.name), "success")
    return redirect(url_for("master.index")), 303


@bp.post("/master/price")
@require("settings.edit")
def fixed_price():
    follower = get_scoped_or_404(Shop, inputs.id_number(request.form.get("shop"), "shop"))
    code = (request.form.get("follower_code") or "").strip()
    raw = (request.form.get("price") or "").strip().replace(",", ".")
    try:
        price = Decimal(raw) if raw else None
        if price is not None and not price.is_finite():
            raise InvalidOperation
        set_fixed_price(db.session, follower, code, price, actor_id=current_user.id)
    except InvalidOperation:
        db.session.rollback()
        flash(_("Enter the price as a number, such as 249.90."), "error")
        return redirect(url_for("master.index")), 303
    except PairingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("master.index")), 303
    db.session.commit()
    flash(_("Fixed price of %(code)s in %(shop)s saved.", code=code, shop=follower.name), "success")
    return redirect(url_for("master.index")), 303


@bp.post("/master/apply")
@require("settings.edit")
def apply():
    follower = get_scoped_or_404(Shop, inputs.id_number(request.form.get("shop"), "shop"))
    run, _created = start_job(db.session, follower, KIND, actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for("runs.detail", run_id=run.id)), 303
