"""Inventory pages: the table (app/inventory/table.py), a variant's chart and terms, each supplier's purchase
suggestion (quantities the buyer edits, exports), the backtest report, and starting a refresh."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.htmx import is_htmx
from app.inventory import queries, services
from app.inventory.chart import forecast_chart
from app.inventory.exports import draft_xlsx, write_draft_csv
from app.inventory.models import VariantMetrics
from app.inventory.purchase import NO_SUPPLIER, SERVICE_LEVELS, supplier_drafts
from app.inventory.table import INVENTORY
from app.orgs.scoping import current_org_shops, get_shop_scoped_or_404, require
from app.tables.pages import add_table_page

bp = Blueprint("inventory", __name__)
add_table_page(bp, INVENTORY)
NONE_KEY = "-"  # the URL's name for "no supplier"


def _shop(shop_id: int):
    shop = next((shop for shop in current_org_shops() if shop.id == shop_id), None)
    if shop is None:
        abort(404)
    return shop


def _key(supplier: str) -> str:
    return NO_SUPPLIER if supplier == NONE_KEY else supplier


def _draft(shop_id: int, supplier: str):
    drafts = supplier_drafts(db.session, shop_id, _key(supplier))
    if drafts:
        return drafts[0]
    known = {s["key"] for s in queries.suppliers(db.session, shop_id)}
    if _key(supplier) not in known:
        abort(404)
    return None


@bp.get("/inventory/variants/<int:metrics_id>")
@require("org.view")
def variant(metrics_id: int):
    metrics = get_shop_scoped_or_404(VariantMetrics, metrics_id)
    series = queries.series_of(db.session, metrics)
    weeks = [series.forecast_start + timedelta(weeks=k) for k in range(len(series.p50))] if series else []
    return render_template("inventory/variant.html", m=metrics, shop=_shop(metrics.shop_id), series=series, weeks=weeks,
                           chart=forecast_chart(series) if series else None,
                           terms=queries.variant_terms(db.session, metrics), service_levels=SERVICE_LEVELS,
                           backtest=queries.latest_backtest(db.session, metrics.shop_id))


@bp.post("/inventory/variants/<int:metrics_id>/terms")
@require("orders.edit")
def variant_terms(metrics_id: int):
    metrics = get_shop_scoped_or_404(VariantMetrics, metrics_id)
    try:
        services.set_variant_terms(db.session, metrics.shop_id, metrics.variant_code, request.form)
    except services.InventoryInputError as exc:
        db.session.rollback()
        return Response(str(exc), status=400)
    db.session.commit()
    flash(_("Ordering terms saved."))
    return redirect(url_for("inventory.variant", metrics_id=metrics_id))


@bp.get("/inventory/shops/<int:shop_id>/suppliers")
@require("org.view")
def suppliers(shop_id: int):
    shop = _shop(shop_id)
    drafts = {d.supplier_key: d for d in supplier_drafts(db.session, shop_id)}
    return render_template("inventory/suppliers.html", shop=shop, suppliers=queries.suppliers(db.session, shop_id),
                           drafts=drafts, none_key=NONE_KEY, shops=current_org_shops())


@bp.get("/inventory/shops/<int:shop_id>/suppliers/<supplier>")
@require("org.view")
def supplier(shop_id: int, supplier: str):
    shop = _shop(shop_id)
    draft = _draft(shop_id, supplier)
    terms = next((s for s in queries.suppliers(db.session, shop_id) if s["key"] == _key(supplier)), None)
    return render_template("inventory/supplier.html", shop=shop, draft=draft, supplier=supplier,
                           info=terms, none_key=NONE_KEY)


@bp.post("/inventory/shops/<int:shop_id>/suppliers/<supplier>/terms")
@require("orders.edit")
def supplier_terms(shop_id: int, supplier: str):
    _shop(shop_id)
    if _key(supplier) == NO_SUPPLIER:
        return Response(_("Variants without a supplier have no terms to set."), status=400)
    try:
        services.set_supplier_terms(db.session, shop_id, _key(supplier), request.form)
    except services.InventoryInputError as exc:
        db.session.rollback()
        return Response(str(exc), status=400)
    db.session.commit()
    flash(_("Supplier terms saved."))
    return redirect(url_for("inventory.supplier", shop_id=shop_id, supplier=supplier))


@bp.post("/inventory/shops/<int:shop_id>/suppliers/<supplier>/quantity")
@require("orders.edit")
def set_quantity(shop_id: int, supplier: str):
    """The buyer's quantity of one line (htmx: the suggestion's table comes back with new totals)."""
    _shop(shop_id)
    try:
        services.set_draft_quantity(db.session, shop_id, request.form.get("variant_code", ""),
                                    request.form.get("quantity"))
    except services.InventoryInputError as exc:
        db.session.rollback()
        return Response(str(exc), status=400)
    db.session.commit()
    if is_htmx():
        return render_template("inventory/_draft.html", shop=_shop(shop_id), draft=_draft(shop_id, supplier),
                               supplier=supplier)
    return redirect(url_for("inventory.supplier", shop_id=shop_id, supplier=supplier))


@bp.post("/inventory/shops/<int:shop_id>/suppliers/<supplier>/reset")
@require("orders.edit")
def reset_draft(shop_id: int, supplier: str):
    _shop(shop_id)
    draft = _draft(shop_id, supplier)
    if draft is not None:
        services.clear_draft(db.session, shop_id, [line.variant_code for line in draft.lines])
        db.session.commit()
    return redirect(url_for("inventory.supplier", shop_id=shop_id, supplier=supplier))


@bp.get("/inventory/shops/<int:shop_id>/suppliers/<supplier>/draft.<fmt>")
@require("org.view")
def export_draft(shop_id: int, supplier: str, fmt: str):
    shop = _shop(shop_id)
    draft = _draft(shop_id, supplier)
    if draft is None or fmt not in ("csv", "xlsx"):
        abort(404)
    name = f"purchase-order-{shop_id}-{(draft.supplier_name or 'none').replace(' ', '-')}"
    if fmt == "csv":
        handle = io.StringIO()
        write_draft_csv(draft, shop.currency, handle)
        return Response(handle.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(draft_xlsx(draft, shop.currency),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.get("/inventory/shops/<int:shop_id>/backtest")
@require("org.view")
def backtest(shop_id: int):
    shop = _shop(shop_id)
    return render_template("inventory/backtest.html", shop=shop, backtest=queries.latest_backtest(db.session, shop_id),
                           shops=current_org_shops())


@bp.post("/inventory/shops/<int:shop_id>/refresh")
@require("imports.run")
def refresh(shop_id: int):
    from app.sync.services import start_job

    shop = _shop(shop_id)
    run, created = start_job(db.session, shop, "inventory_refresh", actor_id=current_user.id)
    db.session.commit()
    flash(_("Inventory refresh started.") if created else _("An inventory refresh is already running."))
    return redirect(url_for("inventory.backtest", shop_id=shop_id))
