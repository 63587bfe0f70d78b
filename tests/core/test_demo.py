"""`make demo` seeds a login it prints; that login must work, and seeding twice keeps one of everything."""

import re

from sqlalchemy import func, select

from app.orgs.models import Organization
from tests.factories import login


def test_demo_seed_prints_a_working_login_and_is_idempotent(app, client, db):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["hub", "demo-seed"]).output
    runner.invoke(args=["hub", "demo-seed"])
    email, password = re.search(r"Log in as (\S+) / (\S+)", output).groups()
    assert "http://127.0.0.1:5000/" in output
    assert db.session.execute(select(func.count()).select_from(Organization)).scalar_one() == 2
    assert login(client, email, password).status_code == 302
    assert "Demo Merchant" in client.get("/").get_data(as_text=True)


def test_a_user_without_an_organization_sees_what_to_do(client, db):
    from tests.factories import make_user

    user = make_user(db.session, operator=True)
    login(client, user.email)
    page = client.get("/")
    assert page.status_code == 200 and "No organization yet" in page.get_data(as_text=True)
    assert "Monitoring" in page.get_data(as_text=True)
