"""Writes of the tables: saved views and exports. They flush; the route or the job commits, and an export's job
is enqueued only once its row is committed."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import run_after_commit
from app.queues import enqueue
from app.tables.models import SavedView, TableExport
from app.tables.registry import TABLES

FINISHED = ("done", "failed", "expired")  # expired: an export whose file was deleted


def export_job_id(export_id: int) -> str:
    return f"table-export-{export_id}"


def enqueue_export(redis, export_id: int) -> bool:
    """Idempotent: the route after commit and the scheduler's recovery pass may both call it."""
    return enqueue(redis, "default", "app.tables.exports.run_export", [export_id], export_job_id(export_id))


def _check_table(table_name: str) -> None:
    if table_name not in TABLES:
        raise ValueError(f"unknown table {table_name!r}")


# --- exports --------------------------------------------------------------------------------------------------

def start_export(session: Session, org_id: int, user_id: int | None, table_name: str, query: str,
                 rows_estimate: int | None, *, consent_only: bool = False) -> TableExport:
    """Record the export (its row is the progress the page polls) and write the CSV through a job;
    `consent_only`: an audience's export (customers with recorded marketing consent only)."""
    _check_table(table_name)
    export = TableExport(organization_id=org_id, requested_by_id=user_id, table_name=table_name, query=query,
                         status="queued", rows_done=0, rows_estimate=rows_estimate, consent_only=consent_only,
                         left_out=0 if consent_only else None)
    session.add(export)
    session.flush()
    export_id = export.id
    run_after_commit(session, lambda: enqueue_export(current_app.extensions["redis"], export_id))
    return export


# --- saved views ----------------------------------------------------------------------------------------------

def save_view(session: Session, org_id: int, user_id: int, table_name: str, name: str, query: str,
              shared: bool) -> SavedView:
    """Save (or overwrite, by name) the user's view of a table: its query string, cursor left out."""
    _check_table(table_name)
    view = session.execute(
        select(SavedView).where(SavedView.organization_id == org_id, SavedView.user_id == user_id,
                                SavedView.table_name == table_name, SavedView.name == name)
    ).scalar_one_or_none()
    if view is None:
        view = SavedView(organization_id=org_id, user_id=user_id, table_name=table_name, name=name)
        session.add(view)
    view.query, view.shared = query, shared
    session.flush()
    return view


def delete_view(session: Session, view: SavedView) -> None:
    session.delete(view)
    session.flush()
