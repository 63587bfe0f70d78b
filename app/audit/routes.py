"""The audit log page, visible to owners: keyset-paged, newest first."""

from __future__ import annotations

from flask import Blueprint, request

from app.audit import queries
from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org, require

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@require("audit.view")
def index():
    page = queries.audit_page(db.session, current_org().id, before_id=request.args.get("before", type=int))
    return render_page_or_partial("audit/index.html", "audit/_rows.html", page=page)
