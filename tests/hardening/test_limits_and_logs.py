"""Body size limits (413 before reading), no-store on logged-in pages and downloads, secrets out of logs."""

import io
import logging
import runpy
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.security import RedactingFilter, redact_url
from tests.factories import csrf_token, login, make_org, make_user


class ExplodingStream(io.RawIOBase):
    """A body that must not be read: the size check answers from Content-Length alone."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_a_20_mb_webhook_is_refused_with_413_before_it_is_read(client, db, tenant):
    response = client.post(f"/webhooks/shoptet/{tenant.shop_a.id}", content_type="application/json",
                           environ_overrides={"wsgi.input": ExplodingStream(),
                                              "CONTENT_LENGTH": str(20 * 1024 * 1024)})
    assert response.status_code == 413


def test_webhooks_take_up_to_1_mb(client, db, tenant):
    body = b'{"pad": "' + b"x" * (900 * 1024) + b'"}'
    assert client.post(f"/webhooks/shoptet/{tenant.shop_a.id}", data=body).status_code == 401  # read, then refused


def test_forms_are_small(client, db, tenant):
    token = csrf_token(client, "/orders")
    response = client.post("/views/orders", data={"name": "big", "query": "q=" + "x" * 100_000, "csrf_token": token})
    assert response.status_code == 413
    assert "<nav" in response.get_data(as_text=True)


def test_logged_in_pages_and_downloads_are_not_stored(client, db, tenant):
    for path in ("/", "/orders", "/customers", "/settings", "/shops"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path


def test_anonymous_pages_and_static_files_may_be_cached(app, db):
    anonymous = app.test_client()
    assert anonymous.get("/login").headers.get("Cache-Control") != "no-store"
    with anonymous.get("/static/vendor/htmx.min.js") as static:
        assert static.headers.get("Cache-Control") != "no-store"


def test_downloads_are_not_stored(app):
    from flask import Response

    with app.test_request_context("/exports/1/download"):
        response = app.process_response(Response("a,b\n", headers={"Content-Disposition": "attachment; x.csv"}))
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("line", "secret"), [
    ("GET /invite/Zm9vYmFyLXRva2VuLTEyMw HTTP/1.1", "Zm9vYmFyLXRva2VuLTEyMw"),
    ("POST /invite/Zm9vYmFyLXRva2VuLTEyMw?x=1 HTTP/1.1", "Zm9vYmFyLXRva2VuLTEyMw"),
    ("GET /shoptet/install?code=oauth-code-42&state=signed.state HTTP/1.1", "oauth-code-42"),
    ("https://hub.example.com/invite/abc123def456", "abc123def456"),
])
def test_url_secrets_are_redacted(line, secret):
    assert secret not in redact_url(line) and "[redacted]" in redact_url(line)


def test_access_logs_are_redacted(app, caplog):
    """Gunicorn's access logger gets a dict of atoms; Werkzeug's development server a tuple."""
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("gunicorn.access").filters)
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("werkzeug").filters)
    with caplog.at_level(logging.INFO):
        logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" "%(f)s"', {
            "h": "203.0.113.1", "r": "GET /invite/s3cr3t-t0ken HTTP/1.1", "f": "https://hub/invite/s3cr3t-t0ken"})
        logging.getLogger("werkzeug").info('%s - "%s" %s', "127.0.0.1", "GET /invite/s3cr3t-t0ken HTTP/1.1", "200")
    assert "s3cr3t-t0ken" not in caplog.text and caplog.text.count("[redacted]") == 3


def test_gunicorn_workers_install_the_redaction():
    config = runpy.run_path(str(Path(__file__).parents[2] / "deploy/gunicorn.conf.py"))
    logging.getLogger("gunicorn.access").filters.clear()
    config["post_fork"](None, None)
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("gunicorn.access").filters)


def test_an_invitation_link_in_the_development_server_log_is_redacted(app, live_server, caplog):
    import httpx

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        httpx.get(f"{live_server}/invite/not-a-real-token-but-secret")
    assert "not-a-real-token-but-secret" not in caplog.text


def test_errors_carry_no_bound_values(app, db):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT 1 / 0 WHERE :email = :email"), {"email": "victim@example.com"})
    db.session.rollback()
    assert "victim@example.com" not in str(caught.value)


def test_login_errors_do_not_log_the_email(app, client, db, caplog):
    make_org(db.session, owner=make_user(db.session, "logme@example.com"))
    with caplog.at_level(logging.DEBUG):
        login(client, "logme@example.com", "wrong-password-x")
    assert "wrong-password-x" not in caplog.text


def test_a_throttled_login_says_the_remaining_delay_in_retry_after(client, db, monkeypatch):
    """The growing delay of this account from this address, not the per-address limit's 15-minute window."""
    from app.auth import throttle

    clock = [3_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    for i in range(throttle.FREE_FAILURES):
        assert login(client, "ivy@example.com", f"typo-{i}").status_code == 401
    response = login(client, "ivy@example.com", "x" * 12)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    clock[0] += 1
    assert login(client, "ivy@example.com", "x" * 12).headers["Retry-After"] == "1"
    clock[0] += 1
    assert login(client, "ivy@example.com", "x" * 12).status_code == 401  # waited: tried, failed once more
    assert login(client, "ivy@example.com", "x" * 12).headers["Retry-After"] == "4"


def test_the_per_address_limit_says_when_its_window_ends(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "2 per 15 minutes")
    statuses = [login(client, f"nobody{n}@example.com", "x" * 12, ip="198.51.100.4").status_code for n in range(2)]
    response = login(client, "nobody9@example.com", "x" * 12, ip="198.51.100.4")
    assert statuses == [401, 401] and response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "Too many attempts from your address" in response.get_data(as_text=True)
