"""Organization switcher, members and invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.auth import sessions
from app.core import inputs
from app.extensions import db
from app.orgs import queries, services
from app.orgs.forms import AcceptInvitationForm, InviteForm, RoleForm, SwitchOrgForm
from app.orgs.scoping import SESSION_KEY, current_org, require

bp = Blueprint("orgs", __name__)


@bp.post("/orgs/switch")
@login_required
def switch():
    form = SwitchOrgForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = inputs.id_number(form.org_id.data, "org_id")
    if wanted not in {org.id for org, _role in g.memberships}:
        abort(404)
    session[SESSION_KEY] = wanted
    return redirect(request.referrer if _same_site(request.referrer) else url_for("core.index"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.get("/members")
@require("members.manage")
def members():
    org = current_org()
    return render_template(
        "orgs/members.html",
        members=queries.members(db.session, org.id),
        invitations=queries.pending_invitations(db.session, org.id),
        invite_form=InviteForm(),
        role_form=RoleForm(),
        invite_link=session.pop("invite_link", None),
    )


@bp.post("/members/invite")
@require("members.manage")
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Enter an e-mail address and a role."), "error")
        return redirect(url_for("orgs.members"))
    try:
        token = services.invite(db.session, current_org().id, form.email.data, services.parse_role(form.role.data),
                                actor_id=current_user.id)
    except services.MembershipError as exc:
        flash(str(exc), "error")
        return redirect(url_for("orgs.members"))
    db.session.commit()
    session["invite_link"] = url_for("orgs.accept", token=token, _external=True)
    flash(_("Invitation created for %(email)s. Send them the link below.", email=form.email.data), "success")
    return redirect(url_for("orgs.members"))


@bp.post("/members/<int:membership_id>/role")
@require("members.manage")
def change_role(membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_role(db.session, current_org().id, membership_id, services.parse_role(form.role.data),
                             actor_id=current_user.id)
    except services.MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orgs.members")), 303
    db.session.commit()
    flash(_("Role changed."), "success")
    return redirect(url_for("orgs.members")), 303


@bp.post("/members/<int:membership_id>/remove")
@require("members.manage")
def remove(membership_id: int):
    try:
        services.remove_member(db.session, current_org().id, membership_id, actor_id=current_user.id)
    except services.MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orgs.members")), 303
    db.session.commit()
    flash(_("Member removed."), "success")
    return redirect(url_for("orgs.members")), 303


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = services.find_invitation(db.session, token)
    if invitation is None:
        abort(404)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        try:
            user = services.accept_invitation(db.session, invitation, user=user, password=form.password.data or "",
                                              name=form.name.data or "")
        except services.MembershipError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("orgs/accept.html", form=form, invitation=invitation), 400
        if not current_user.is_authenticated:
            sessions.start(db.session, user, ip=request.remote_addr or "")
            session.permanent = True
            login_user(user)
        session[SESSION_KEY] = invitation.organization_id
        db.session.commit()
        flash(_("Welcome to %(organization)s.", organization=invitation.organization.name), "success")
        return redirect(url_for("core.index"))
    return render_template("orgs/accept.html", form=form, invitation=invitation)
