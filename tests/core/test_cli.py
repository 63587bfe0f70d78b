"""`flask hub ...` commands an operator runs."""

from sqlalchemy import select

from app.auth.models import User
from app.orgs.models import Membership, Organization, Role


def test_create_admin_org_add_member_add(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "create-admin", "Ops@Example.com", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(User).where(User.email == "ops@example.com")).scalar_one().is_operator

    result = runner.invoke(args=["hub", "org-add", "Acme s.r.o."])
    assert result.exit_code == 0
    org_id = int(result.output.strip())
    assert db.session.get(Organization, org_id).name == "Acme s.r.o."

    result = runner.invoke(args=["hub", "member-add", "--org", str(org_id), "ops@example.com", "--role", "owner"])
    assert result.exit_code == 0, result.output
    membership = db.session.execute(select(Membership).where(Membership.organization_id == org_id)).scalar_one()
    assert membership.role == Role.owner


def test_bad_input_says_what_to_fix(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "create-admin", "a@b.cz", "--password", "short"])
    assert result.exit_code == 2 and "at least 10 characters" in result.output
    org_id = runner.invoke(args=["hub", "org-add", "X"]).output.strip()
    result = runner.invoke(args=["hub", "member-add", "--org", org_id, "nobody@example.com", "--role", "owner"])
    assert result.exit_code == 2 and "No user with the e-mail" in result.output
    runner.invoke(args=["hub", "create-admin", "a@b.cz", "--password", "long-enough-pw"])
    result = runner.invoke(args=["hub", "member-add", "--org", org_id, "a@b.cz", "--role", "boss"])
    assert result.exit_code == 2 and "choose one of: owner, manager, translator, viewer" in result.output
