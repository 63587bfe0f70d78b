"""Run pages live in one blueprint (`runs`, app/sync/routes.py) at their URLs; shop and monitoring pages use it."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.orgs.models import Role
from app.sync.models import SyncRun
from tests.factories import csrf_token, login, make_member, make_org, make_shop, make_user
from tests.monitoring.conftest import make_run


@pytest.fixture
def runs(db):
    org, other = make_org(db.session), make_org(db.session)
    people = {"manager": make_member(db.session, org, Role.manager),
              "owner": make_member(db.session, org, Role.owner),
              "viewer": make_member(db.session, org, Role.viewer),
              "operator": make_user(db.session, operator=True)}
    own = make_run(db.session, make_shop(db.session, org), status="running")
    foreign = make_run(db.session, make_shop(db.session, other), status="failed", error="boom")
    return people, own, foreign


def test_every_run_url_is_served_by_the_runs_blueprint(app):
    endpoints = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints["/runs/<int:run_id>"] == "runs.detail"
    assert endpoints["/runs/<int:run_id>/progress"] == "runs.progress"
    for action in ("cancel", "retry"):
        assert endpoints[f"/runs/<int:run_id>/{action}"] == f"runs.{action}"
    assert [rule for rule in endpoints if "runs" in rule and not rule.startswith("/runs/")] == []


def test_a_member_sees_and_acts_on_own_runs_and_returns_to_the_shop(client, db, runs):
    people, own, foreign = runs
    login(client, people["manager"].email)
    page = client.get(f"/runs/{own.id}").get_data(as_text=True)
    assert f'id="run-{own.id}"' in page and f'hx-get="/runs/{own.id}/progress"' in page
    assert f'action="/runs/{own.id}/cancel"' in page
    response = client.post(f"/runs/{own.id}/cancel", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/shops/{own.shop_id}")
    db.session.expire_all()
    assert db.session.get(SyncRun, own.id).status == "cancelled"
    assert client.get(f"/runs/{foreign.id}").status_code == 404


def test_a_viewer_sees_but_may_not_act(client, db, runs):
    people, own, _foreign = runs
    login(client, people["viewer"].email)
    page = client.get(f"/runs/{own.id}").get_data(as_text=True)
    assert f'action="/runs/{own.id}/cancel"' not in page
    assert client.post(f"/runs/{own.id}/cancel", data={"csrf_token": csrf_token(client, "/")}).status_code == 403


def test_the_monitoring_page_posts_to_the_run_actions_and_comes_back(client, db, runs):
    people, _own, foreign = runs
    login(client, people["operator"].email)
    page = client.get("/monitoring").get_data(as_text=True)
    assert f'action="/runs/{foreign.id}/retry"' in page and 'name="back" value="monitoring"' in page
    assert f'href="/runs/{foreign.id}"' in page
    assert client.get(f"/runs/{foreign.id}").status_code == 200  # an operator reaches every organization's run
    response = client.post(f"/runs/{foreign.id}/retry", data={"csrf_token": csrf_token(client, "/monitoring"),
                                                             "back": "monitoring"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/monitoring")
    db.session.expire_all()
    assert db.session.get(SyncRun, foreign.id).status == "queued"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "import.retried")).scalar_one()
    assert event.actor_id == people["operator"].id
