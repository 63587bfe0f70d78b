"""Lists in the WooCommerce sandbox: paging headers, filters, sorting, dates and deterministic data."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import WOO_ORDERS, woo_http

from sandbox.woocommerce.testing import run_woo_sandbox

PRAGUE = ZoneInfo("Europe/Prague")


def _all(woo_api, path: str, **params) -> list[dict]:
    out, page = [], 1
    while True:
        response = woo_api.get(path, params={**params, "page": page, "per_page": 100})
        out += response.json()
        if page >= int(response.headers["X-WP-TotalPages"]):
            return out
        page += 1


def test_paging_headers_and_links(woo_api):
    first = woo_api.get("/orders", params={"per_page": 7, "status": "completed"})
    total = int(first.headers["X-WP-Total"])
    assert int(first.headers["X-WP-TotalPages"]) == math.ceil(total / 7)
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    assert "status=completed" in first.headers["Link"] and "page=2" in first.headers["Link"]
    middle = woo_api.get("/orders", params={"per_page": 7, "page": 3})
    assert 'rel="prev"' in middle.headers["Link"] and 'rel="next"' in middle.headers["Link"]
    past = woo_api.get("/orders", params={"per_page": 7, "page": 10_000, "status": "completed"})
    assert past.status_code == 200 and past.json() == [], "a page past the end is empty, not an error"
    assert past.headers["X-WP-Total"] == str(total)
    default = woo_api.get("/orders")
    assert len(default.json()) == 10, "per_page defaults to 10"
    assert default.headers["X-WP-TotalPages"] == str(math.ceil(int(default.headers["X-WP-Total"]) / 10))


def test_per_page_limit_and_bad_arguments(woo_api):
    response = woo_api.get("/orders", params={"per_page": 101, "orderby": "nope", "modified_after": "yesterday"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["data"]["params"] == {
        "per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)",
        "orderby": "orderby is not one of date, id, include, title, slug, modified.",
        "modified_after": "Invalid date.",
    }


def test_offset_and_page_agree(woo_api):
    by_page = woo_api.get("/orders", params={"per_page": 10, "page": 4, "orderby": "id"}).json()
    by_offset = woo_api.get("/orders", params={"per_page": 10, "offset": 30, "orderby": "id"}).json()
    assert [o["id"] for o in by_page] == [o["id"] for o in by_offset]


def test_every_visible_order_once_in_each_sort(woo_api):
    orders_by_id = _all(woo_api, "/orders", orderby="id", order="asc")
    ids = [o["id"] for o in orders_by_id]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    statuses = Counter(o["status"] for o in orders_by_id)
    assert "trash" not in statuses and "checkout-draft" not in statuses, "status=any leaves them out"
    by_modified = _all(woo_api, "/orders", orderby="modified", order="asc", dates_are_gmt="true")
    keys = [(o["date_modified_gmt"], o["id"]) for o in by_modified]
    assert keys == sorted(keys), "modified order with the id as tie-break"
    assert sorted(ids) == sorted(o["id"] for o in by_modified)
    ties = Counter(o["date_modified_gmt"] for o in by_modified)
    assert max(ties.values()) > 100, "one second holds more than a page (a migration's bulk update)"
    desc = woo_api.get("/orders", params={"orderby": "modified", "order": "desc", "per_page": 100}).json()
    assert [(o["date_modified_gmt"], o["id"]) for o in desc] == sorted(keys, reverse=True)[:100]


def test_modified_after_is_exclusive_and_dates_are_gmt(woo_api):
    sample = woo_api.get("/orders", params={"orderby": "modified", "order": "asc", "per_page": 100,
                                            "offset": 700}).json()
    pivot = sample[50]
    gmt = woo_api.get("/orders", params={"modified_after": pivot["date_modified_gmt"], "dates_are_gmt": "true",
                                         "orderby": "modified", "order": "asc", "per_page": 100}).json()
    assert all(o["date_modified_gmt"] > pivot["date_modified_gmt"] for o in gmt)
    local = woo_api.get("/orders", params={"modified_after": pivot["date_modified"], "orderby": "modified",
                                           "order": "asc", "per_page": 100}).json()
    assert [o["id"] for o in local] == [o["id"] for o in gmt], "site time without dates_are_gmt"
    naive_local = datetime.fromisoformat(pivot["date_modified"]).replace(tzinfo=PRAGUE)
    assert naive_local.utcoffset().total_seconds() in (3600, 7200)


def test_filters(woo_api):
    trash = woo_api.get("/orders", params={"status": "trash", "per_page": 100}).json()
    assert trash and {o["status"] for o in trash} == {"trash"}
    both = woo_api.get("/orders", params={"status": "trash,refunded", "per_page": 100}).json()
    assert {o["status"] for o in both} == {"trash", "refunded"}
    registered = next(o for o in woo_api.get("/orders", params={"per_page": 100}).json() if o["customer_id"])
    mine = woo_api.get("/orders", params={"customer": registered["customer_id"]}).json()
    assert mine and {o["customer_id"] for o in mine} == {registered["customer_id"]}
    guests = woo_api.get("/orders", params={"customer": 0, "per_page": 20}).json()
    assert guests and all(o["customer_id"] == 0 and o["billing"]["email"] for o in guests)
    picked = [o["id"] for o in woo_api.get("/orders", params={"per_page": 5}).json()]
    included = woo_api.get("/orders", params={"include": ",".join(map(str, picked)), "orderby": "include",
                                              "order": "asc"}).json()
    assert [o["id"] for o in included] == picked
    excluded = woo_api.get("/orders", params={"exclude": ",".join(map(str, picked)), "per_page": 10}).json()
    assert not set(picked) & {o["id"] for o in excluded}
    created_after = woo_api.get("/orders", params={"after": "2025-06-01T00:00:00", "per_page": 100,
                                                   "dates_are_gmt": "true"}).json()
    assert all(o["date_created_gmt"] > "2025-06-01T00:00:00" for o in created_after)


def test_products_by_sku_include_variations(woo_api):
    variable = next(p for p in woo_api.get("/products", params={"type": "variable", "per_page": 5}).json())
    variation = woo_api.get(f"/products/{variable['id']}/variations").json()[0]
    found = woo_api.get("/products", params={"sku": f"{variation['sku']},{variable['sku']}"}).json()
    assert {p["id"] for p in found} == {variable["id"], variation["id"]}
    assert next(p for p in found if p["id"] == variation["id"])["parent_id"] == variable["id"]
    assert "/" in variation["sku"] and variable["sku"].isdigit(), "the Shoptet catalogue's codes"


def test_customers_ignore_date_filters(woo_api):
    everyone = woo_api.get("/customers", params={"per_page": 1})
    filtered = woo_api.get("/customers", params={"per_page": 1, "modified_after": "2099-01-01T00:00:00"})
    assert filtered.headers["X-WP-Total"] == everyone.headers["X-WP-Total"] != "0"
    email = woo_api.get("/customers", params={"per_page": 1, "orderby": "id"}).json()[0]["email"]
    assert [c["email"] for c in woo_api.get("/customers", params={"email": email}).json()] == [email]


def test_data_is_deterministic(woo):
    """The same seed gives the same store; another seed another one; the time zone is configurable."""
    def page(store, **params):
        with woo_http(store) as client:
            return client.get("/orders", params={"per_page": 20, "orderby": "id", "order": "asc", **params}).json()

    ours = page(woo)
    with run_woo_sandbox(seed=7, orders=WOO_ORDERS, timezone="America/New_York") as twin:
        theirs = page(twin)
        assert [(o["id"], o["total"], o["date_created_gmt"]) for o in theirs] == \
            [(o["id"], o["total"], o["date_created_gmt"]) for o in ours]
        assert theirs[0]["date_created"] != ours[0]["date_created"], "site time follows the store's zone"
    with run_woo_sandbox(seed=8, orders=WOO_ORDERS) as other:
        assert [o["total"] for o in page(other)] != [o["total"] for o in ours]
