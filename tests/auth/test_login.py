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


def test_failures_slow_down_that_account_from_that_address_only(app, client, db, monkeypatch):
    """No lock-out: an attacker's failures delay the attacker's address, never the real user's."""
    from app.auth import throttle

    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    user = make_user(db.session, "bob@example.com")
    make_org(db.session, owner=user)
    attacker = "203.0.113.9"
    statuses = [login(client, "bob@example.com", f"guess-{i}", ip=attacker).status_code
                for i in range(throttle.FREE_FAILURES + 1)]
    assert statuses == [401] * throttle.FREE_FAILURES + [429]  # the sixth waits, even with the right password
    assert login(client, "bob@example.com", PASSWORD, ip=attacker).status_code == 429
    # Bob at his own address is not slowed at all, however many failures the attacker piles up.
    for i in range(20):
        clock[0] += throttle.MAX_DELAY_SECONDS
        assert login(client, "bob@example.com", f"more-{i}", ip=attacker).status_code == 401
    assert login(app.test_client(), "bob@example.com", PASSWORD, ip="198.51.100.7").status_code == 302


def test_the_delay_grows_and_a_success_resets_it(app, client, db, monkeypatch):
    from app.auth import throttle

    clock = [2_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    user = make_user(db.session, "gil@example.com")
    make_org(db.session, owner=user)
    for i in range(throttle.FREE_FAILURES):
        assert login(client, "gil@example.com", f"typo-{i}").status_code == 401
    delays, redis = [], app.extensions["redis"]
    for i in range(3):
        assert login(client, "gil@example.com", PASSWORD).status_code == 429
        delays.append(throttle.wait_seconds(redis, "gil@example.com", "127.0.0.1"))
        clock[0] += delays[-1] - 1
        assert login(client, "gil@example.com", PASSWORD).status_code == 429  # a second early is still early
        clock[0] += 1
        assert login(client, "gil@example.com", f"again-{i}").status_code == 401
    assert delays == [2, 4, 8]
    clock[0] += 16
    assert login(client, "gil@example.com", PASSWORD).status_code == 302
    assert throttle.wait_seconds(redis, "gil@example.com", "127.0.0.1") == 0


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
