"""Run pages: a run's detail, its progress fragment (polled by htmx), cancel and retry.

One blueprint for every page that shows or acts on a run: the shop page and the monitoring page both link
and post here. Members reach their organization's runs (viewing: any role; cancel and retry: `imports.run`);
platform operators reach every organization's, as on the monitoring page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.htmx import STOP_POLLING, is_htmx
from app.orgs.scoping import can, get_scoped_or_404, require
from app.sync import queries, services
from app.sync.ledger import LedgerError
from app.sync.models import SyncRun

bp = Blueprint("runs", __name__)

BACK_TO_MONITORING = "monitoring"  # the `back` a form sends to return to the monitoring page


def _run_or_404(run_id: int) -> SyncRun:
    return get_scoped_or_404(SyncRun, run_id, operators=True)


def _can_run() -> bool:
    return current_user.is_operator or can("imports.run")


def _back(run: SyncRun):
    """Where a cancel or retry returns to: the page the button was on."""
    if request.form.get("back") == BACK_TO_MONITORING:
        return redirect(url_for("monitoring.index")), 303
    return redirect(url_for("shops.detail", shop_id=run.shop_id)), 303


@bp.get("/runs/<int:run_id>")
@require("org.view", operators=True)
def detail(run_id: int):
    run = _run_or_404(run_id)
    return render_template("runs/detail.html", run=run, bad_lines=queries.bad_lines(db.session, run.id),
                           speed=queries.run_speed(run), can_run=_can_run())


@bp.get("/runs/<int:run_id>/progress")
@require("org.view", operators=True)
def progress(run_id: int):
    """The progress fragment; polled by htmx every second while the run is active."""
    run = _run_or_404(run_id)
    body = render_template("runs/_progress.html", run=run, speed=queries.run_speed(run), can_run=_can_run())
    return body, STOP_POLLING if is_htmx() and not run.is_active else 200


@bp.post("/runs/<int:run_id>/cancel")
@require("imports.run", operators=True)
def cancel(run_id: int):
    run = _run_or_404(run_id)
    if services.cancel_run(db.session, run, actor_id=current_user.id):
        flash(_("Run #%(id)s cancelled. Rows already imported stay.", id=run.id), "info")
    else:
        flash(_("Run #%(id)s had already ended.", id=run.id), "info")
    db.session.commit()
    return _back(run)


@bp.post("/runs/<int:run_id>/retry")
@require("imports.run", operators=True)
def retry(run_id: int):
    run = _run_or_404(run_id)
    try:
        services.retry_run(db.session, run, actor_id=current_user.id)
    except LedgerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(run)
    db.session.commit()
    flash(_("Run #%(id)s queued again; it resumes from its checkpoint.", id=run.id), "success")
    return _back(run)
