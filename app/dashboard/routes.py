"""The merchant's home page: sales of a range for one shop or all, from the rollups (app/dashboard/report.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, request, url_for

from app.dashboard.periods import PRESETS, RangeError, parse_period
from app.dashboard.queries import top_products
from app.dashboard.report import build_report
from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org, current_org_shops, require
from app.settings.cache import settings_cache

bp = Blueprint("dashboard", __name__)
VAT_CHOICES = ("incl", "excl")


def _choices():
    """(preset, period, shops, chosen shops, shop argument, VAT, settings) from the query string."""
    org = current_org()
    values = settings_cache().values(db.session, org.id)
    today = datetime.now(ZoneInfo(str(values["display_timezone"]))).date()
    try:
        preset, period = parse_period(request.args, today)
    except RangeError as exc:
        abort(400, description=str(exc))
    shops = current_org_shops()
    shop_arg = request.args.get("shop", "")
    if shop_arg:
        chosen = [shop for shop in shops if str(shop.id) == shop_arg]
        if not chosen:
            abort(404)
    else:
        chosen = shops
    vat = request.args.get("vat") or "incl"
    if vat not in VAT_CHOICES:
        abort(400, description="VAT is either incl or excl.")
    return preset, period, shops, chosen, shop_arg, vat, values


def render_dashboard():
    """The page (or, for htmx, its report part) for the query string's range, shop and VAT choice."""
    preset, period, shops, chosen, shop_arg, vat, values = _choices()
    report = build_report(db.session, shops, [shop.id for shop in chosen], period, vat,
                          str(values["reporting_currency"]) or None)
    context = dict(report=report, presets=PRESETS, preset=preset, shops=shops, shop_arg=shop_arg,
                   products_url=url_for("dashboard.products", **request.args))
    return render_page_or_partial("dashboard/index.html", "dashboard/_report.html", **context)


@bp.get("/dashboard/products")
@require("org.view")
def products():
    """Top products and categories: a part of its own (the page asks for it once shown), the costliest read."""
    _, period, _, chosen, _, vat, _ = _choices()
    column = "revenue_with_vat" if vat == "incl" else "revenue_without_vat"
    top, categories = top_products(db.session, [shop.id for shop in chosen], period.start, period.end, column)
    return render_page_or_partial("dashboard/products.html", "dashboard/_products.html", products=top,
                                  categories=categories, period=period)


@bp.get("/dashboard")
@require("org.view")
def index():
    return render_dashboard()
