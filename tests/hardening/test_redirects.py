"""After login the hub goes only to a path on this site, judged after the browser's own normalisation."""

import pytest

from app.security import safe_next_url
from tests.factories import PASSWORD, csrf_token, make_org, make_user


@pytest.mark.parametrize("next_url", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "%20//evil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "//evil.example", "https://evil.example/", "javascript:alert(1)",
    "/ok%0d%0aSet-Cookie:%20x=1",
    "%09/%09/evil.example", "///evil.example",
])
def test_login_never_redirects_off_site(client, db, next_url):
    user = make_user(db.session, f"n{abs(hash(next_url)) % 10**8}@example.com")
    make_org(db.session, owner=user)
    token = csrf_token(client)
    response = client.post(f"/login?next={next_url}", data={"email": user.email, "password": PASSWORD,
                                                             "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/", next_url


def test_a_path_on_this_site_is_kept(client, db):
    user = make_user(db.session, "keep@example.com")
    make_org(db.session, owner=user)
    token = csrf_token(client)
    response = client.post("/login?next=/orders%3Fpaid%3Dyes", data={"email": user.email, "password": PASSWORD,
                                                                      "csrf_token": token})
    assert response.headers["Location"] == "/orders?paid=yes"


@pytest.mark.parametrize(("target", "expected"), [
    ("/customers?q=a", "/customers?q=a"), ("/\t/evil.example", "/"), ("\\/evil.example", "/"),
    ("/\\evil.example", "/"), (" /orders", "/orders"), ("/a\r\nLocation: //x", "/"), (None, "/"), ("", "/"),
    ("http:/evil.example", "/"),
])
def test_safe_next_url(target, expected):
    assert safe_next_url(target) == expected
