"""An audience (a saved view of customers) exports only customers whose shop recorded marketing consent, and
says how many were left out; consents are read through the shop's channel from the sandbox's newsletter list."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

from app.analytics.consent import replace_consents
from app.tables.services import save_view
from tests.factories import csrf_token
from tests.orders.tables import add_customer


def test_audience_export_keeps_only_consenting_customers(db, tenant, client, exports_dir, stranger):
    shop_a, shop_b = tenant.shop_a, tenant.shop_b
    yes = add_customer(db.session, shop_a, email="yes@example.com", segment="champions", clv=Decimal("120.50"))
    add_customer(db.session, shop_a, email="no@example.com", segment="champions")
    add_customer(db.session, shop_a, email=None, segment="champions")  # no e-mail: cannot have consented
    add_customer(db.session, shop_a, email="other-segment@example.com", segment="lost")
    # consent in another shop (or another organization) is not consent in this one
    add_customer(db.session, shop_b, email="elsewhere@example.com", segment="champions")
    replace_consents(db.session, shop_a.id, [("YES@example.com ", None), ("other-segment@example.com", None)])
    replace_consents(db.session, shop_b.id, [("no@example.com", None)])
    replace_consents(db.session, stranger.id, [("elsewhere@example.com", None)])
    view = save_view(db.session, tenant.org.id, tenant.owner.id, "customers", "Champions", "segment=champions",
                     shared=False)
    db.session.flush()
    assert f'data-view-id="{view.id}"' in client.get("/analytics/audiences").get_data(as_text=True)
    token = csrf_token(client, "/analytics/audiences")
    page = client.post(f"/analytics/audiences/{view.id}/export", data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-included="1"' in page and 'data-left-out="3"' in page
    link = re.search(r'href="(/analytics/audiences/files/[^"]+)"', page).group(1)
    response = client.get(link)
    rows = list(csv.DictReader(response.get_data(as_text=True).splitlines()))
    response.close()
    assert [(r["email"], r["segment"], r["clv"], r["currency"]) for r in rows] == [
        (yes.email, "champions", "120.50", shop_a.currency)]


def test_another_organizations_audience_and_files_answer_404(db, tenant, client, exports_dir, stranger):
    view = save_view(db.session, stranger.organization_id, tenant.owner.id, "customers", "Theirs", "", shared=True)
    db.session.flush()
    token = csrf_token(client, "/analytics/audiences")
    assert client.post(f"/analytics/audiences/{view.id}/export", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/analytics/audiences/files/audience-{stranger.organization_id}-1-x.csv").status_code == 404


def test_consents_are_read_from_the_newsletter_list_through_the_channel(db):
    from app.analytics.consent import refresh_consents
    from app.analytics.models import MarketingConsent
    from app.shops.services import add_shop
    from sandbox.testing import run_sandbox
    from tests.factories import make_org

    with run_sandbox(seed=31, shops=1, orders=200, customers=80, products=20) as sandbox:
        info = sandbox.shops[0]
        shop = add_shop(db.session, make_org(db.session).id, name=info["name"], eshop_id=info["eshop_id"],
                        private_token=info["private_token"], api_url=sandbox.base_url, languages="cs")
        import httpx

        listed = httpx.get(sandbox.url("/api/mailing-lists/newsletters"), headers=sandbox.private_headers()
                           ).json()["data"]["paginator"]["totalCount"]
        assert refresh_consents(db.session, shop) == listed > 0
    stored = db.session.query(MarketingConsent).filter_by(shop_id=shop.id).all()
    assert len(stored) == listed and all(c.email == c.email.lower() for c in stored)
