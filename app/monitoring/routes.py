"""Probes (/healthz, /readyz), /metrics, and the monitoring page (its retry/cancel post to app/sync/routes.py)."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify
from flask import request as flask_request
from flask_login import current_user, login_required

from app.extensions import db
from app.htmx import render_page_or_partial
from app.monitoring import health, metrics, overview
from app.orgs.scoping import can, current_org

bp = Blueprint("monitoring", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    result = health.readiness(current_app, db.session, current_app.extensions["redis"])
    return jsonify(result.as_dict()), 200 if result.ready else 503


@bp.get("/metrics")
def prometheus_metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token and not hmac.compare_digest(flask_request.headers.get("Authorization", ""), f"Bearer {token}"):
        abort(401)
    body, content_type = metrics.exposition(flask_request.headers.get("Accept"))
    return body, 200, {"Content-Type": content_type}


def monitoring_scope() -> int | None:
    """None for platform operators (everything); the current organization's id for its owners; else 403."""
    if current_user.is_operator:
        return None
    org = current_org()
    if not can("monitoring.view"):
        abort(403)
    return org.id


@bp.get("/monitoring")
@login_required
def index():
    scope = monitoring_scope()
    redis = current_app.extensions["redis"]
    operator = scope is None
    view = (overview.live_overview if flask_request.headers.get("HX-Request") else overview.full_overview)(
        db.session, redis, scope, operator=operator)
    return render_page_or_partial("monitoring/index.html", "monitoring/_live.html", view=view)
