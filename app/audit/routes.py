"""The audit log page, visible to owners: keyset-paged, newest first."""

from __future__ import annotations

from flask import Blueprint, request

from app.audit import queries
from app.core import inputs
from app.extensions import db
from app.htmx import render_page_or_partial
from app.orgs.scoping import current_org, require

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@require("audit.view")
def index():
    before_id = inputs.id_number(request.args.get("before"), "before")
    page = queries.audit_page(db.session, current_org().id, before_id=before_id)
    return render_page_or_partial("audit/index.html", "audit/_rows.html", page=page)
