"""Probes (/healthz, /readyz), /metrics, and the monitoring page with retry/cancel of runs."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, url_for
from flask import request as flask_request
from flask_login import current_user, login_required

from app.extensions import db
from app.htmx import render_page_or_partial
from app.monitoring import health, metrics, overview, queries
from app.orgs.scoping import can, current_org
from app.sync import services as sync_services
from app.sync.ledger import LedgerError

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


def _run_or_404(run_id: int):
    run = queries.run_in_scope(db.session, run_id, monitoring_scope())
    if run is None:
        abort(404)
    return run


@bp.post("/monitoring/runs/<int:run_id>/cancel")
@login_required
def cancel_run(run_id: int):
    run = _run_or_404(run_id)
    if sync_services.cancel_run(db.session, run, actor_id=current_user.id):
        flash(f"Run #{run.id} cancelled. Rows already imported stay.", "info")
    else:
        flash(f"Run #{run.id} had already ended.", "info")
    db.session.commit()
    return redirect(url_for("monitoring.index")), 303


@bp.post("/monitoring/runs/<int:run_id>/retry")
@login_required
def retry_run(run_id: int):
    run = _run_or_404(run_id)
    try:
        sync_services.retry_run(db.session, run, actor_id=current_user.id)
    except LedgerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("monitoring.index")), 303
    db.session.commit()
    flash(f"Run #{run.id} queued again; it resumes from its checkpoint.", "success")
    return redirect(url_for("monitoring.index")), 303
