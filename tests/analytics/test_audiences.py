"""An audience (a saved view of customers) exports only customers whose shop recorded marketing consent, and
says how many were left out; consents are read through the shop's channel from the sandbox's newsletter list."""

from __future__ import annotations

import csv
from decimal import Decimal

from sqlalchemy import select

from app.analytics.consent import replace_consents
from app.queues import fetch_job
from app.tables import exports
from app.tables.models import TableExport
from app.tables.services import save_view
from tests.factories import csrf_token
from tests.orders.tables import add_customer


def test_audience_export_keeps_only_consenting_customers(app, db, tenant, client, exports_dir, stranger):
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
    response = client.post(f"/analytics/audiences/{view.id}/export", data={"csrf_token": token})
    assert response.status_code == 303  # queued: the export's page polls its progress
    export = db.session.execute(select(TableExport)).scalar_one()
    assert export.consent_only and export.status == "queued" and "segment=champions" in export.query
    with app.app_context():
        job = fetch_job(app.extensions["redis"], f"table-export-{export.id}")
    assert job.args == [export.id]
    export_id, yes_email, currency = export.id, yes.email, shop_a.currency
    assert exports.run_export(export_id) == "done"  # the job (it ends the session: rows are read again)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-included="1"' in page and 'data-left-out="3"' in page
    with client.get(f"/exports/{export_id}/download") as download:
        rows = list(csv.DictReader(download.get_data(as_text=True).splitlines()))
    assert [(r["email"], r["segment"], r["clv"], r["clv_currency"]) for r in rows] == [
        (yes_email, "champions", "120.50", currency)]


def test_a_viewer_cannot_export_an_audience(app, db, tenant, exports_dir):
    from app.orgs.models import Role
    from tests.factories import login, make_member

    view = save_view(db.session, tenant.org.id, tenant.owner.id, "customers", "All", "", shared=True)
    make_member(db.session, tenant.org, Role.viewer, "audience-viewer@example.com")
    db.session.flush()
    client = app.test_client()
    login(client, "audience-viewer@example.com")
    assert "Export consenting customers" not in client.get("/analytics/audiences").get_data(as_text=True)
    token = csrf_token(client, "/analytics/audiences")
    assert client.post(f"/analytics/audiences/{view.id}/export", data={"csrf_token": token}).status_code == 403
    assert db.session.execute(select(TableExport)).first() is None


def test_another_organizations_audience_and_files_answer_404(db, tenant, client, exports_dir, stranger):
    view = save_view(db.session, stranger.organization_id, tenant.owner.id, "customers", "Theirs", "", shared=True)
    db.session.flush()
    token = csrf_token(client, "/analytics/audiences")
    assert client.post(f"/analytics/audiences/{view.id}/export", data={"csrf_token": token}).status_code == 404


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
