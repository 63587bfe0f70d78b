"""`GET /wp-json/wc/v3`: the namespace index (no authentication needed), listing the routes served."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.woocommerce.rest import json_response
from sandbox.woocommerce.routes import API_PREFIX

bp = Blueprint("woo_index", __name__)


@bp.get(API_PREFIX)
@bp.get(API_PREFIX + "/")
def namespace_index():
    routes = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/") and len(rule.rule) > len(API_PREFIX) + 1:
            path = "/wc/v3" + rule.rule[len(API_PREFIX):].replace("<int:", "(?P<").replace(">", ">[\\d]+)")
            methods = sorted(rule.methods - {"OPTIONS", "HEAD"})
            routes.setdefault(path, {"namespace": "wc/v3", "methods": [], "endpoints": []})
            routes[path]["methods"] = sorted(set(routes[path]["methods"]) | set(methods))
            routes[path]["endpoints"].append({"methods": methods, "args": {}})
    home = request.host_url.rstrip("/")
    return json_response({"namespace": "wc/v3", "routes": routes,
                          "_links": {"up": [{"href": f"{home}/wp-json/"}]}})


@bp.get(API_PREFIX + "/settings/general")
def general_settings():
    """`GET /settings/general` (read only here): the settings a client reads facts from, in WooCommerce's
    shape (a list of `{id, label, value, ...}`); the store's currency and price decimals."""
    from flask import g

    from sandbox.woocommerce.routes import require

    require("list")
    store = g.sandbox.store
    settings = [("woocommerce_currency", "Currency", store.profile.currency, "select"),
                ("woocommerce_price_num_decimals", "Number of decimals", "2", "number"),
                ("woocommerce_default_country", "Country / State", store.profile.customer_countries[0][0], "select")]
    return json_response([{"id": key, "label": label, "description": "", "type": kind, "default": "",
                           "value": value, "group_id": "general"} for key, label, value, kind in settings])


@bp.get("/wp-json/")
def site_index():
    """`GET /wp-json/` (WordPress's REST index, no authentication): the site's name, addresses, time zone
    (`timezone_string`, `gmt_offset` in hours now) and namespaces; the routes list is left out here."""
    import time as _time
    from datetime import datetime

    from flask import g

    store = g.sandbox.store
    offset = datetime.fromtimestamp(_time.time(), store.clock.zone).utcoffset().total_seconds() / 3600
    return json_response({"name": store.profile.name, "description": "", "url": store.home, "home": store.home,
                          "gmt_offset": offset, "timezone_string": store.clock.name,
                          "namespaces": ["wc/v3", "wc-auth/v1"], "authentication": {}, "routes": {}})
