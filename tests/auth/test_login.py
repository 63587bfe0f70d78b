"""Logging in and out: Argon2id, throttling, cookie flags, server-side revocation."""

from cryptography.fernet import Fernet

from app.auth.models import User
from app.config import Config
from tests.factories import PASSWORD, login, make_org, make_user


def test_right_password_logs_in_and_wrong_one_is_refused(client, db):
    user = make_user(db.session, "ana@example.com")
    make_org(db.session, owner=user)
    assert login(client, "ana@example.com", "wrong-password-1").status_code == 401
    assert client.get("/").status_code == 302  # still anonymous
    response = login(client, "ANA@example.com", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_passwords_are_stored_as_argon2id(db):
    user = make_user(db.session)
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_throttling_per_account_starts_after_repeated_failures(app, client, db):
    make_user(db.session, "bob@example.com")
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    statuses = [login(client, "bob@example.com", f"guess-{i}", ip=f"10.0.0.{i}").status_code for i in range(limit + 2)]
    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429, 429]
    # Even the right password waits: the account is under attack.
    assert login(client, "bob@example.com", PASSWORD, ip="10.0.1.1").status_code == 429


def test_throttling_per_ip_across_accounts(app, client, db):
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    user = make_user(db.session, "carol@example.com")
    make_org(db.session, owner=user)
    statuses = [login(client, f"nobody{i}@example.com", "x" * 12, ip="10.9.9.9").status_code for i in range(limit + 1)]
    assert statuses[-1] == 429 and statuses[:limit] == [401] * limit
    # Another address is not punished for it, and successful logins never count.
    assert login(client, "carol@example.com", PASSWORD, ip="10.9.9.10").status_code == 302


def test_cookie_replayed_after_logout_is_refused(app, client, db):
    user = make_user(db.session, "dan@example.com")
    make_org(db.session, owner=user)
    login(client, "dan@example.com")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and client.get("/").status_code == 200
    page = client.get("/").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    replay = app.test_client()
    replay.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_flags(app, client, db):
    user = make_user(db.session, "eve@example.com")
    make_org(db.session, owner=user)
    response = login(client, "eve@example.com")
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_production_cookies_are_secure_and_host_prefixed():
    flask_config = Config(ENV="production", SECRET_KEY="x", DATABASE_URL="postgresql://h/db", REDIS_URL="redis://h",
                          TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode()).to_flask()
    assert flask_config["SESSION_COOKIE_SECURE"] is True
    assert flask_config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert flask_config["SESSION_COOKIE_HTTPONLY"] is True and flask_config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_open_redirect_after_login_is_ignored(client, db):
    user = make_user(db.session, "fay@example.com")
    make_org(db.session, owner=user)
    from tests.factories import csrf_token

    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={"email": "fay@example.com", "password": PASSWORD,
                                                                 "csrf_token": token})
    assert response.headers["Location"] == "/"
