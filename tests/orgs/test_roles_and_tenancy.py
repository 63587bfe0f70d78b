"""Roles decide what a member may do; organizations never see each other's data."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.orgs.models import Membership, Role
from tests.factories import csrf_token, login, make_member, make_org, make_shop, make_user


def _post(client, path, data=None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/")})


def test_viewer_cannot_do_a_managers_action(client, db):
    org = make_org(db.session)
    viewer = make_member(db.session, org, Role.viewer)
    login(client, viewer.email)
    assert client.get("/settings").status_code == 200  # may look
    assert _post(client, "/settings", {"table_page_size": "20"}).status_code == 403
    assert client.get("/members").status_code == 403


def test_manager_changes_settings_but_not_members(client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    login(client, manager.email)
    assert _post(client, "/settings", {"table_page_size": "20"}).status_code == 303
    assert client.get("/members").status_code == 403


def test_translator_cannot_change_settings(client, db):
    org = make_org(db.session)
    translator = make_member(db.session, org, Role.translator)
    login(client, translator.email)
    assert _post(client, "/settings", {"table_page_size": "20"}).status_code == 403


def test_other_organizations_ids_answer_404(client, db):
    org_a, org_b = make_org(db.session, "A"), make_org(db.session, "B")
    owner_a = make_member(db.session, org_a, Role.owner)
    shop_b = make_shop(db.session, org_b)
    owner_b = make_member(db.session, org_b, Role.owner)
    membership_b = db.session.execute(select(Membership).where(Membership.user_id == owner_b.id)).scalar_one()
    login(client, owner_a.email)
    assert client.get(f"/settings?shop={shop_b.id}").status_code == 404
    assert _post(client, f"/settings?shop={shop_b.id}", {"sync_interval_minutes": "5"}).status_code == 404
    response = _post(client, f"/members/{membership_b.id}/remove")
    assert response.status_code == 303  # refused with a message, nothing removed
    assert db.session.get(Membership, membership_b.id) is not None
    assert _post(client, "/orgs/switch", {"org_id": str(org_b.id)}).status_code == 404


def test_organization_never_loses_its_last_owner(client, db):
    owner = make_user(db.session)
    org = make_org(db.session, owner=owner)
    login(client, owner.email)
    membership = db.session.execute(select(Membership).where(Membership.user_id == owner.id)).scalar_one()
    response = _post(client, f"/members/{membership.id}/role", {"role": "manager"})
    assert response.status_code == 303
    assert db.session.get(Membership, membership.id).role == Role.owner
    _post(client, f"/members/{membership.id}/remove")
    assert db.session.get(Membership, membership.id) is not None
    # With a second owner, the first may step down.
    make_member(db.session, org, Role.owner)
    _post(client, f"/members/{membership.id}/role", {"role": "manager"})
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == Role.manager


def test_owner_invites_member_who_joins_with_the_link(app, client, db):
    owner = make_user(db.session)
    org = make_org(db.session, owner=owner)
    login(client, owner.email)
    _post(client, "/members/invite", {"email": "New@Example.com", "role": "translator"})
    page = client.get("/members").get_data(as_text=True)
    link = page.split('id="invite-link">')[1].split("<")[0]
    path = link.split("localhost", 1)[1]

    invitee = app.test_client()
    token = csrf_token(invitee, path)
    response = invitee.post(path, data={"csrf_token": token, "name": "New", "password": "a-long-password"})
    assert response.status_code == 302
    membership = db.session.execute(
        select(Membership).where(Membership.organization_id == org.id, Membership.role == Role.translator)
    ).scalar_one()
    assert membership.user.email == "new@example.com"
    assert invitee.get(path).status_code == 404  # used up
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.organization_id == org.id)).scalars().all()
    assert {"member.invited", "member.added"} <= set(actions)


def test_audit_log_records_role_changes_and_only_owners_see_it(client, db):
    owner = make_user(db.session)
    org = make_org(db.session, owner=owner)
    viewer = make_member(db.session, org, Role.viewer)
    membership = db.session.execute(select(Membership).where(Membership.user_id == viewer.id)).scalar_one()
    login(client, owner.email)
    _post(client, f"/members/{membership.id}/role", {"role": "manager"})
    page = client.get("/audit").get_data(as_text=True)
    assert "member.role_changed" in page and owner.email in page

    other = client.application.test_client()
    login(other, viewer.email)  # now a manager
    assert other.get("/audit").status_code == 403


def test_switching_organization_changes_what_is_shown(client, db):
    user = make_user(db.session)
    org_a = make_org(db.session, "Alpha Ltd", owner=user)
    org_b = make_org(db.session, "Beta Ltd", owner=user)
    login(client, user.email)
    assert "Alpha Ltd</h1>" in client.get("/").get_data(as_text=True)
    _post(client, "/orgs/switch", {"org_id": str(org_b.id)})
    assert "Beta Ltd</h1>" in client.get("/").get_data(as_text=True)
    assert org_a.id != org_b.id
