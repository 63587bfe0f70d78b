"""The audit log: changes in words (Czech letters as they are), filters by who, what and when, keyset pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.audit.models import AuditEvent
from app.audit.services import record
from app.orgs.models import Role
from tests.factories import login, make_member, make_org, make_user

EVENT = re.compile(r'data-event-id="(\d+)"')


@pytest.fixture
def log(db, client):
    owner = make_user(db.session)
    org = make_org(db.session, owner=owner)
    manager = make_member(db.session, org, Role.manager)
    db.session.query(AuditEvent).filter_by(organization_id=org.id).delete()  # the setup's own events
    login(client, owner.email)

    def event(action, actor, when, **details):
        found = record(db.session, organization_id=org.id, actor_id=actor.id if actor else None, action=action,
                       **details)
        found.created_at = when
        db.session.flush()
        return found

    start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    events = {
        "zone": event("setting.changed", owner, start, key="display_timezone", shop_id=None,
                      old="Europe/Prague", new="Europe/Bratislava"),
        "role": event("member.role_changed", owner, start + timedelta(days=1), old="viewer", new="manager"),
        "shop": event("shop.added", manager, start + timedelta(days=2), name="Zahrádka Šťastná", platform="shoptet"),
        "import": event("import.started", None, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), kind="orders"),
    }
    other_org = make_org(db.session)
    record(db.session, organization_id=other_org.id, actor_id=None, action="shop.added", name="Foreign")
    db.session.flush()
    return owner, manager, events


def _ids(client, query: str = "") -> list[int]:
    response = client.get(f"/audit?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [int(found) for found in EVENT.findall(response.get_data(as_text=True))]


def test_changes_are_readable(client, log):
    html = client.get("/audit").get_data(as_text=True)
    assert "Zahrádka Šťastná" in html and "\\u00" not in html
    assert "Europe/Prague → Europe/Bratislava" in html and "viewer → manager" in html
    assert "Setting changed" in html and "Role changed" in html and "Times in Europe/Prague" in html
    cs = client.get("/audit", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert "28. 11. 2026 13:00" in cs  # the display zone (Prague), the Czech way


def test_newest_first(client, log):
    _, _, events = log
    assert _ids(client) == [events[name].id for name in ("import", "shop", "role", "zone")]


@pytest.mark.parametrize(("query", "names"), [
    ("what=member", {"role"}),
    ("what=setting.changed", {"zone"}),
    ("who=system", {"import"}),
    ("since=2026-11-30", {"shop", "import"}),
    ("since=1.%2012.%202026", {"import"}),  # 23:30 UTC is 1 December in Prague
    ("until=29.%2011.%202026", {"zone", "role"}),
    ("what=shop&since=2026-11-29", {"shop"}),
])
def test_filters(client, log, query, names):
    _, _, events = log
    assert set(_ids(client, query)) == {events[name].id for name in names}


def test_filter_by_member(client, log):
    owner, manager, events = log
    assert _ids(client, f"who={manager.id}") == [events["shop"].id]
    assert set(_ids(client, f"who={owner.id}")) == {events["zone"].id, events["role"].id}


@pytest.mark.parametrize("query", ["who=abc", "who=999999", "what=drop.table", "since=yesterday"])
def test_bad_filters_answer_400(client, log, query):
    assert client.get(f"/audit?{query}").status_code == 400


def test_keyset_pages_keep_the_filter(app, client, db, log):
    from app.audit import queries

    owner, _, _ = log
    org_id = db.session.get(AuditEvent, log[2]["zone"].id).organization_id
    same_time = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # one transaction's events share their time
    for n in range(7):
        found = record(db.session, organization_id=org_id, actor_id=owner.id, action="setting.changed",
                       key=f"k{n}", old=n, new=n + 1)
        found.created_at = same_time
    db.session.flush()
    first = queries.audit_page(db.session, org_id, size=4, wanted=queries.AuditFilter(what="setting"))
    seen = [event.id for event, _ in first.rows]
    before = first.next_before
    while before:
        page = queries.audit_page(db.session, org_id, before_id=before, size=4,
                                  wanted=queries.AuditFilter(what="setting"))
        seen += [event.id for event, _ in page.rows]
        before = page.next_before
    assert len(seen) == len(set(seen)) == 8
    assert _ids(client, f"what=setting&before={first.next_before}") == seen[4:]  # the page after, filtered


def test_another_organizations_cursor_shows_nothing_of_it(client, db, log):
    foreign = db.session.query(AuditEvent).filter(AuditEvent.details["name"].astext == "Foreign").one()
    html = client.get(f"/audit?before={foreign.id}").get_data(as_text=True)
    assert "Foreign" not in html and not EVENT.findall(html)
