"""Logged out, any page leads to the login form and, after logging in, back to that page."""

import pytest

from app.orgs.models import Role
from app.security import safe_next_url
from tests.factories import PASSWORD, csrf_token, make_member, make_org, make_shop, make_user


def _login_at(client, location: str, email: str):
    token = csrf_token(client, location)
    return client.post(location, data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("page", ["/orders?status=1&sort=newest", "/customers", "/shops", "/settings", "/"])
def test_a_logged_out_page_asks_for_login_and_returns_there(client, db, page):
    user = make_user(db.session, "eva@example.com")
    make_org(db.session, owner=user)
    response = client.get(page)
    assert response.status_code == 302, page  # never a bare "401 · Log in first"
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    form = client.get(location)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)

    after = _login_at(client, location, "eva@example.com")
    assert after.status_code == 302 and after.headers["Location"] == page


def test_a_shop_page_behind_a_role_check_returns_after_login(client, db):
    org = make_org(db.session)
    user = make_member(db.session, org, Role.viewer, "viewer@example.com")
    shop = make_shop(db.session, org, "Zahrada")
    page = f"/shops/{shop.id}"
    location = client.get(page).headers["Location"]
    assert _login_at(client, location, user.email).headers["Location"] == page
    assert "Zahrada" in client.get(page).get_data(as_text=True)


def test_a_polled_fragment_sends_the_whole_page_to_the_login_form(client, db):
    response = client.get("/runs/1/progress", headers={"HX-Request": "true",
                                                        "HX-Current-URL": "http://localhost/shops/7?x=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/shops/7?x%3D1"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "/ok\r\nSet-Cookie: x=1", "", None, "javascript:alert(1)"])
def test_next_never_leaves_the_hub(client, db, target):
    assert safe_next_url(target, "") == ""
    user = make_user(db.session, "fred@example.com")
    make_org(db.session, owner=user)
    token = csrf_token(client)
    response = client.post("/login", query_string={"next": target} if target is not None else None,
                           data={"email": "fred@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_logout_leads_to_the_login_form(client, db):
    user = make_user(db.session, "gus@example.com")
    make_org(db.session, owner=user)
    _login_at(client, "/login", user.email)
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/customers").headers["Location"] == "/login?next=/customers"
