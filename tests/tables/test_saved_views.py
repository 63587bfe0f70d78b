"""Saved views: a user's own query strings, optionally shared within the organization."""

from sqlalchemy import select

from app.orgs.models import Role
from app.tables.models import SavedView
from tests.factories import csrf_token, login, make_member


def _save(client, table, name, query, shared=False):
    data = {"name": name, "query": query, "csrf_token": csrf_token(client, f"/{table}")}
    if shared:
        data["shared"] = "on"
    return client.post(f"/views/{table}", data=data)


def test_save_a_view_and_find_it_on_the_table(client, db, tenant):
    response = _save(client, "orders", "Unpaid in Shop A", f"shop={tenant.shop_a.id}&paid=no&cursor=abc")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"shop={tenant.shop_a.id}&paid=no")
    view = db.session.execute(select(SavedView)).scalar_one()
    assert (view.table_name, view.query, view.shared) == ("orders", f"shop={tenant.shop_a.id}&paid=no", False)
    html = client.get("/orders").get_data(as_text=True)
    assert "Unpaid in Shop A" in html and f'href="/orders?shop={tenant.shop_a.id}&amp;paid=no"' in html
    assert "Unpaid in Shop A" not in client.get("/customers").get_data(as_text=True)
    _save(client, "orders", "Unpaid in Shop A", "paid=no")  # the same name again overwrites
    assert db.session.execute(select(SavedView.query)).scalars().all() == ["paid=no"]


def test_shared_views_are_seen_by_colleagues_only(app, client, db, tenant, stranger):
    _save(client, "customers", "Mine", "has_orders=no")
    _save(client, "customers", "Team", "has_orders=yes", shared=True)
    colleague = make_member(db.session, tenant.org, Role.viewer)
    other = app.test_client()
    login(other, colleague.email)
    html = other.get("/customers").get_data(as_text=True)
    assert "Team" in html and "Mine" not in html
    team = db.session.execute(select(SavedView).where(SavedView.name == "Team")).scalar_one()
    deleted = other.post(f"/views/{team.id}/delete", data={"csrf_token": csrf_token(other, "/customers")})
    assert deleted.status_code == 404  # shared to see, not to delete
    assert client.post(f"/views/{team.id}/delete",
                       data={"csrf_token": csrf_token(client, "/customers")}).status_code == 303
    assert db.session.execute(select(SavedView.name)).scalars().all() == ["Mine"]


def test_only_declared_tables_have_views_and_exports(client, tenant):
    token = csrf_token(client, "/orders")
    assert client.post("/views/users", data={"name": "x", "query": "", "csrf_token": token}).status_code == 404
    assert client.post("/exports/users", data={"query": "", "csrf_token": token}).status_code == 404
