"""The merchant's home page: sales of a range for one shop or all, from the rollups (app/dashboard/report.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, request

from app.dashboard.periods import PRESETS, RangeError, parse_period
from app.dashboard.report import build_report
from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org, current_org_shops, require
from app.settings.cache import settings_cache

bp = Blueprint("dashboard", __name__)
VAT_CHOICES = ("incl", "excl")


def render_dashboard():
    """The page (or, for htmx, its report part) for the query string's range, shop and VAT choice."""
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
    report = build_report(db.session, shops, [shop.id for shop in chosen], period, vat,
                          str(values["reporting_currency"]) or None)
    context = dict(report=report, presets=PRESETS, preset=preset, shops=shops, shop_arg=shop_arg)
    return render_page_or_partial("dashboard/index.html", "dashboard/_report.html", **context)


@bp.get("/dashboard")
@require("org.view")
def index():
    return render_dashboard()
