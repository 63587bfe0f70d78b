"""The audit log page, visible to owners: keyset-paged, newest first, filtered by who, what and when."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.audit import queries, words
from app.core import inputs
from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org, current_org_shops, require
from app.tables import args as a
from app.tables.pages import table_settings

bp = Blueprint("audit", __name__)


def _filter(args: MultiDict, member_ids: set[int]) -> queries.AuditFilter:
    """The query string's filter; 400 with what to fix for values the form cannot send."""
    try:
        who = (args.get("who") or "").strip() or None
        if who not in (None, queries.SYSTEM):
            who = a.int_arg(args, "who")
            if who not in member_ids:
                raise a.FilterError(_("%(name)s: choose a member of the organization.", name="who"))
        what = (args.get("what") or "").strip() or None
        if what and what not in words.GROUPS and what not in words.ACTIONS:
            raise a.FilterError(_("%(name)s: choose one of %(choices)s.", name="what",
                                  choices=", ".join([*words.GROUPS, *words.ACTIONS])))
        return queries.AuditFilter(who=who, what=what, since=a.date_arg(args, "since"), until=a.date_arg(args, "until"))
    except a.FilterError as exc:
        abort(400, description=str(exc))


@bp.get("/audit")
@require("audit.view")
def index():
    session, org = db.session, current_org()
    members = queries.members(session, org.id)
    wanted = _filter(request.args, {user_id for user_id, _ in members})
    zone = table_settings().zone
    before_id = inputs.id_number(request.args.get("before"), "before")
    page = queries.audit_page(session, org.id, before_id=before_id, wanted=wanted, zone=zone)
    query = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_page_or_partial(
        "audit/index.html", "audit/_rows.html", page=page, wanted=wanted, members=members, zone=zone, query=query,
        groups=words.GROUPS, actions=words.ACTIONS, action_label=words.action_label, detail_items=words.detail_items,
        shop_names={shop.id: shop.name for shop in current_org_shops()}, system=queries.SYSTEM)
