"""`/search?q=`: the full results page, and the same results as the partial the header box shows (htmx)."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org_shops, require
from app.search.queries import search

bp = Blueprint("search", __name__)


def hit_url(hit) -> str:
    if hit.kind == "orders":
        return url_for("orders.detail", order_id=hit.id)
    if hit.kind == "customers":
        return url_for("customers.detail", customer_id=hit.id)
    return url_for("search.index", q=hit.code or hit.title) + f"#product-{hit.id}"


@bp.get("/search")
@require("org.view")  # what the orders and customers tables need
def index():
    term = request.args.get("q", "")
    shops = {shop.id: shop for shop in current_org_shops()}
    groups = search(db.session, list(shops), term)
    return render_page_or_partial("search/index.html", "search/_results.html", groups=groups, term=term,
                                  shops=shops, hit_url=hit_url)
