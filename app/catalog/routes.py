"""Products pages: the table (declared in app/catalog/table.py) and a product's detail."""

from __future__ import annotations

import orjson
from flask import Blueprint, render_template

from app.catalog import queries
from app.catalog.labels import field_label, unit_state_label
from app.catalog.models import TEXT_FIELDS, Product
from app.catalog.table import PRODUCTS
from app.catalog.visibility import visibility_name
from app.extensions import db
from app.orgs.scoping import current_org_shops, get_shop_scoped_or_404, require
from app.tables.pages import add_table_page, table_settings

bp = Blueprint("products", __name__)
bp.add_app_template_filter(visibility_name, "visibility_name")
bp.add_app_template_filter(field_label, "field_label")
bp.add_app_template_filter(unit_state_label, "unit_state")
add_table_page(bp, PRODUCTS)


def admin_url(shop, product: Product) -> str | None:
    """The product in the shop's admin, when the shop's URL is an http(s) one."""
    raw_url = (product.raw or {}).get("adminUrl")
    if isinstance(raw_url, str) and raw_url.startswith(("https://", "http://")):
        return raw_url
    base = shop.url or ""
    if not base.startswith(("https://", "http://")):
        return None
    return f"{base.rstrip('/')}/admin/produkty-detail/?guid={product.guid}"


@bp.get("/products/<int:product_id>")
@require("org.view")
def detail(product_id: int):
    product = get_shop_scoped_or_404(Product, product_id)
    shop = {s.id: s for s in current_org_shops()}[product.shop_id]
    languages = queries.shop_languages([shop])
    return render_template(
        "catalog/detail.html", product=product, shop=shop, languages=languages, fields=list(TEXT_FIELDS),
        zone=table_settings().zone, admin_url=admin_url(shop, product),
        raw_json=orjson.dumps(product.raw, option=orjson.OPT_INDENT_2).decode(),
        **queries.product_detail(db.session, product))
