"""Small factories for test data, written through the same services the app uses."""

from __future__ import annotations

import itertools
import re

from app.auth.services import create_user
from app.orgs.models import Role
from app.orgs.services import add_member, create_organization
from app.shops.models import Shop

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_user(session, email: str | None = None, *, password: str = PASSWORD, operator: bool = False):
    return create_user(session, email or f"user{next(_counter)}@example.com", password, is_operator=operator)


def make_org(session, name: str | None = None, *, owner=None):
    return create_organization(session, name or f"Org {next(_counter)}", owner=owner)


def make_member(session, org, role: Role, email: str | None = None):
    user = make_user(session, email)
    add_member(session, org.id, user, role)
    return user


def make_shop(session, org, name: str | None = None):
    n = next(_counter)
    shop = Shop(organization_id=org.id, name=name or f"Shop {n}", external_id=100000 + n, url=f"https://shop{n}.test")
    session.add(shop)
    session.flush()
    return shop


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = PASSWORD, *, ip: str = "127.0.0.1"):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})
