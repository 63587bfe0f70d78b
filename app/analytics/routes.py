"""Customer analytics pages: segments (sizes, revenue, movement, the holdout check), cohorts, bought together,
a customer's insights (predictions, next products) and one person across shops. Every page reads only the
current organization's shops: a shop or customer id of another organization answers 404."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.analytics import queries
from app.analytics.models import CustomerAnalytics
from app.analytics.rfm import SEGMENT_TITLES, SEGMENTS
from app.customers.models import Customer
from app.extensions import db
from app.orgs.scoping import current_org_shops, get_shop_scoped_or_404, require

bp = Blueprint("analytics", __name__, url_prefix="/analytics")


def _shop():
    """The shop named by `?shop=` among the organization's (404 otherwise), or its first shop."""
    shops = current_org_shops()
    wanted = request.args.get("shop", type=int) or request.form.get("shop", type=int)
    if wanted is None:
        return (shops[0] if shops else None), shops
    for shop in shops:
        if shop.id == wanted:
            return shop, shops
    abort(404)


@bp.get("/")
@require("org.view")
def segments():
    shop, shops = _shop()
    fit = queries.fit_of(db.session, shop.id) if shop else None
    return render_template("analytics/segments.html", shop=shop, shops=shops, fit=fit, segments=SEGMENTS,
                           titles=SEGMENT_TITLES)


@bp.post("/refresh")
@require("imports.run")
def refresh():
    from app.sync.services import start_job

    shop, _ = _shop()
    if shop is None:
        abort(404)
    run, _created = start_job(db.session, shop, "customer_analytics", actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for("runs.detail", run_id=run.id))


@bp.get("/cohorts")
@require("org.view")
def cohorts():
    shop, shops = _shop()
    fit = queries.fit_of(db.session, shop.id) if shop else None
    return render_template("analytics/cohorts.html", shop=shop, shops=shops, fit=fit)


@bp.get("/bought-together")
@require("org.view")
def bought_together():
    shop, shops = _shop()
    product = request.args.get("product", "").strip()
    context = dict(shop=shop, shops=shops, product=product, pairs=[], top=[], name=None)
    if shop is not None:
        if product:
            context["pairs"] = queries.bought_together(db.session, shop.id, product)
            context["name"] = queries.product_name(db.session, shop.id, product)
        else:
            context["top"] = queries.top_products(db.session, shop.id)
    return render_template("analytics/bought_together.html", **context)


@bp.get("/customers/<int:customer_id>")
@require("org.view")
def customer(customer_id: int):
    record = get_shop_scoped_or_404(Customer, customer_id)
    shops = {shop.id: shop for shop in current_org_shops()}
    analytics = db.session.get(CustomerAnalytics, (record.shop_id, record.guid))
    rows, sums = queries.person_across_shops(db.session, list(shops), record.email or "")
    return render_template("analytics/customer.html", customer=record, shop=shops[record.shop_id], shops=shops,
                           analytics=analytics, titles=SEGMENT_TITLES,
                           next_products=queries.next_products(db.session, record.shop_id, record.guid),
                           others=[row for row in rows if row[0].id != record.id], sums=sums)


@bp.get("/person")
@require("org.view")
def person():
    shops = {shop.id: shop for shop in current_org_shops()}
    email = queries.normalized_email(request.args.get("email"))
    rows, sums = queries.person_across_shops(db.session, list(shops), email)
    return render_template("analytics/person.html", email=email, rows=rows, sums=sums, shops=shops,
                           titles=SEGMENT_TITLES)


def _view_or_404(view_id: int):
    from app.orgs.scoping import current_org
    from app.tables.models import SavedView

    view = db.session.get(SavedView, view_id)
    if (view is None or view.organization_id != current_org().id or view.table_name != "customers"
            or not (view.shared or view.user_id == current_user.id)):
        abort(404)
    return view


@bp.get("/audiences")
@require("org.view")
def audiences():
    from app.orgs.scoping import current_org
    from app.tables.queries import saved_views

    views = saved_views(db.session, current_org().id, "customers", current_user.id)
    return render_template("analytics/audiences.html", views=views)


@bp.post("/audiences/<int:view_id>/export")
@require("tables.export")
def export_audience(view_id: int):
    """Queue the audience's export (the tables' export job, consenting customers only); its page polls it."""
    from app.analytics.audiences import audience_query
    from app.orgs.scoping import current_org
    from app.tables.services import start_export

    view = _view_or_404(view_id)
    export = start_export(db.session, current_org().id, current_user.id, "customers", audience_query(view.query),
                          None, consent_only=True)
    db.session.commit()
    return redirect(url_for("tables.export_progress", export_id=export.id), 303)
