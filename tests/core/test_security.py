"""CSRF on every write, a strict CSP, no inline scripts."""

import re

from tests.factories import csrf_token, login, make_org, make_user


def _logged_in(client, db):
    user = make_user(db.session, "sec@example.com")
    make_org(db.session, owner=user)
    login(client, "sec@example.com")
    return user


def test_write_without_csrf_token_is_refused(client, db):
    _logged_in(client, db)
    response = client.post("/settings", data={"table_page_size": "20"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_htmx_write_with_token_in_header_is_accepted(client, db):
    _logged_in(client, db)
    token = csrf_token(client, "/")
    response = client.post("/settings", data={"table_page_size": "20"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_login_without_csrf_token_is_refused(client, db):
    make_user(db.session, "x@example.com")
    assert client.post("/login", data={"email": "x@example.com", "password": "whatever-123"}).status_code == 400


def test_content_security_policy_has_no_unsafe_sources(client, db):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts_or_styles(client, db):
    _logged_in(client, db)
    for path in ("/login", "/", "/settings", "/members", "/audit"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"\sstyle=", html), f"inline style on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {path}"


def test_error_pages_use_the_base_layout(client, db):
    _logged_in(client, db)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Commerce Hub" in response.get_data(as_text=True) and "Not found" in response.get_data(as_text=True)
