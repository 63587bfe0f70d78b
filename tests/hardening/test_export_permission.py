"""Exporting is a permission of its own (owners and managers), and a file is downloaded only by its exporter and
the organization's owners."""

import pytest
from sqlalchemy import func, select

from app.orgs.models import Role
from app.tables import exports
from app.tables.models import TableExport
from tests.factories import csrf_token, login, make_member
from tests.orders.tables import add_order

pytestmark = pytest.mark.usefixtures("exports_dir")


def _as(app, db, org, role):
    user = make_member(db.session, org, role)
    client = app.test_client()
    login(client, user.email)
    return client


def _export(client):
    return client.post("/exports/orders", data={"query": "", "csrf_token": csrf_token(client, "/orders")})


@pytest.mark.parametrize("role", [Role.viewer, Role.translator])
def test_viewers_and_translators_cannot_export(app, db, tenant, role):
    add_order(db.session, tenant.shop_a)
    client = _as(app, db, tenant.org, role)
    assert 'id="export-csv"' not in client.get("/orders").get_data(as_text=True)
    assert _export(client).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TableExport)) == 0


def test_only_the_exporter_and_owners_download(app, client, db, tenant):
    add_order(db.session, tenant.shop_a)
    manager = _as(app, db, tenant.org, Role.manager)
    other_manager = _as(app, db, tenant.org, Role.manager)
    viewer = _as(app, db, tenant.org, Role.viewer)
    assert 'id="export-csv"' in manager.get("/orders").get_data(as_text=True)
    assert _export(manager).status_code == 303
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert exports.run_export(export_id) == "done"

    with manager.get(f"/exports/{export_id}/download") as own:
        assert own.status_code == 200
    with client.get(f"/exports/{export_id}/download") as owner:  # the tenant's owner
        assert owner.status_code == 200
    assert other_manager.get(f"/exports/{export_id}").status_code == 404
    assert other_manager.get(f"/exports/{export_id}/download").status_code == 404
    assert viewer.get(f"/exports/{export_id}/download").status_code == 403
