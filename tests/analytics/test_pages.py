"""The analytics pages: what they show after a refresh, and that every one is scoped to the organization."""

from __future__ import annotations

import re

from app.analytics.rfm import SEGMENTS
from app.customers.models import Customer
from app.orgs.models import Role
from tests.factories import csrf_token, login, make_member
from tests.orders.tables import add_customer


def check_pages(db, btyd_shop, client):
    """After a refresh (tests/analytics/test_refresh.py, which loads the shop once)."""
    page = client.get(f"/analytics/?shop={btyd_shop.id}").get_data(as_text=True)
    assert all(f'data-segment="{name}"' in page for name in SEGMENTS)
    assert 'id="movement"' in page and 'id="deciles"' in page
    assert f"/customers?shop={btyd_shop.id}&amp;segment=champions" in page
    cohorts = client.get(f"/analytics/cohorts?shop={btyd_shop.id}").get_data(as_text=True)
    assert 'id="cohort-heatmap"' in cohorts and cohorts.count("<rect") > 24
    top = client.get(f"/analytics/bought-together?shop={btyd_shop.id}").get_data(as_text=True)
    product = re.search(r"product=([0-9a-f-]{36})", top).group(1)
    pairs = client.get(f"/analytics/bought-together?shop={btyd_shop.id}&product={product}").get_data(as_text=True)
    assert pairs.count("data-product=") >= 1
    # the customers table filtered by a segment, sorted by CLV
    listed = client.get(f"/customers?shop={btyd_shop.id}&segment=champions&sort=clv"
                        "&cols=name&cols=segment&cols=p_active&cols=clv")
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "segment-champions" in html and "segment-lost" not in html
    buyer = db.session.query(Customer).filter(Customer.shop_id == btyd_shop.id, Customer.orders_count > 2).first()
    insight = client.get(f"/analytics/customers/{buyer.id}").get_data(as_text=True)
    assert 'id="insight-segment"' in insight and 'id="next-products"' in insight


def test_every_page_is_scoped_to_the_organization(db, tenant, stranger, client):
    foreign = add_customer(db.session, stranger)
    for url in (f"/analytics/?shop={stranger.id}", f"/analytics/cohorts?shop={stranger.id}",
                f"/analytics/bought-together?shop={stranger.id}", f"/analytics/customers/{foreign.id}"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/analytics/")
    assert client.post("/analytics/refresh", data={"shop": stranger.id, "csrf_token": token}).status_code == 404
    assert client.get(f"/analytics/?shop={tenant.shop_a.id}").status_code == 200
    # the cross-shop view never shows another organization's record with the same e-mail
    add_customer(db.session, tenant.shop_a, email=foreign.email)
    page = client.get(f"/analytics/person?email={foreign.email.upper()}").get_data(as_text=True)
    assert page.count("data-customer-id=") == 1 and f'data-customer-id="{foreign.id}"' not in page


def test_a_viewer_sees_the_pages_but_cannot_start_a_refresh(db, tenant, app):
    viewer = make_member(db.session, tenant.org, Role.viewer)
    client = app.test_client()
    login(client, viewer.email)
    assert client.get(f"/analytics/?shop={tenant.shop_a.id}").status_code == 200
    token = csrf_token(client, "/analytics/")
    assert client.post("/analytics/refresh", data={"shop": tenant.shop_a.id, "csrf_token": token}).status_code == 403
