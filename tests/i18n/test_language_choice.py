"""The language is chosen per user (stored on the user), the browser's language being the default."""

from app.auth.models import User
from tests.factories import PASSWORD, csrf_token, login, make_org, make_user


def _lang(html):
    return html.split('<html lang="')[1].split('"')[0]


def test_the_browser_language_is_the_default(client, db):
    assert _lang(client.get("/login", headers={"Accept-Language": "sk-SK,sk;q=0.9"}).get_data(as_text=True)) == "sk"
    assert _lang(client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)) == "en"


def test_a_chosen_language_is_stored_on_the_user_and_wins_over_the_browser(app, client, db):
    user = make_user(db.session, "jana@example.com")
    make_org(db.session, owner=user)
    login(client, user.email)
    token = csrf_token(client, "/")
    response = client.post("/language", data={"language": "cs", "next": "/shops?x=1", "csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 303 and response.headers["Location"] == "/shops?x=1"
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "cs"
    page = client.get("/shops", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(page) == "cs" and "Obchody" in page

    other = app.test_client()  # another browser of the same user: the choice follows the user
    login(other, user.email)
    assert _lang(other.get("/", headers={"Accept-Language": "sk"}).get_data(as_text=True)) == "cs"


def test_a_language_chosen_before_login_becomes_the_users(client, db):
    user = make_user(db.session, "petr@example.com")
    make_org(db.session, owner=user)
    token = csrf_token(client)
    client.post("/language", data={"language": "sk", "next": "/login", "csrf_token": token})
    assert _lang(client.get("/login").get_data(as_text=True)) == "sk"
    token = csrf_token(client)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "sk"
    assert _lang(client.get("/").get_data(as_text=True)) == "sk"


def test_an_unknown_language_or_a_foreign_next_is_refused(client, db):
    token = csrf_token(client)
    assert client.post("/language", data={"language": "de", "csrf_token": token}).status_code == 400
    response = client.post("/language", data={"language": "cs", "next": "//evil.example/", "csrf_token": token})
    assert response.headers["Location"] == "/"
