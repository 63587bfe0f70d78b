"""Saved views and CSV exports of every declared table (the tables' own pages are made by app/tables/pages.py)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.formats import TEMPLATE_FILTERS as FORMAT_FILTERS
from app.formats import TEMPLATE_GLOBALS as FORMAT_GLOBALS
from app.htmx import STOP_POLLING, is_htmx
from app.orgs.models import Role
from app.orgs.scoping import current_org, current_org_shops, current_role, get_scoped_or_404, require
from app.tables import queries, services
from app.tables.declaration import Table
from app.tables.formatting import TEMPLATE_FILTERS
from app.tables.models import SavedView, TableExport
from app.tables.pages import request_state, table_settings
from app.tables.registry import TABLES

bp = Blueprint("tables", __name__)
# Every page formats money, numbers, days and times one way (app/formats.py), and cells the tables' way.
for _name, _function in {**FORMAT_FILTERS, **TEMPLATE_FILTERS}.items():
    bp.add_app_template_filter(_function, _name)
for _name, _function in FORMAT_GLOBALS.items():
    bp.add_app_template_global(_function, _name)


def _table_or_404(table_name: str) -> Table:
    if table_name not in TABLES:
        abort(404)
    return TABLES[table_name]


def _table_url(table: Table, query: str = "") -> str:
    base = url_for(table.endpoint)
    return f"{base}?{query}" if query else base


def _clean_query(query: str) -> str:
    """The query string as a view or an export keeps it: filters, sort and columns; never a cursor."""
    pairs = [(key, value) for key, value in parse_qsl(query[:4000]) if key != "cursor" and value]
    return urlencode(pairs)


# --- saved views -------------------------------------------------------------------------------------------------

@bp.post("/views/<table_name>")
@require("org.view")
def save_view(table_name: str):
    table = _table_or_404(table_name)
    name = (request.form.get("name") or "").strip()[:100]
    query = _clean_query(request.form.get("query", ""))
    if not name:
        flash("Give the view a name.", "error")
        return redirect(_table_url(table, query)), 303
    services.save_view(db.session, current_org().id, current_user.id, table.name, name, query,
                       shared=request.form.get("shared") == "on")
    db.session.commit()
    flash(f"View “{name}” saved.", "success")
    return redirect(_table_url(table, query)), 303


@bp.post("/views/<int:view_id>/delete")
@require("org.view")
def delete_view(view_id: int):
    view = get_scoped_or_404(SavedView, view_id)
    if view.user_id != current_user.id:
        abort(404)  # someone else's view, even a shared one, is theirs to delete
    table = _table_or_404(view.table_name)
    services.delete_view(db.session, view)
    db.session.commit()
    flash("View deleted.", "success")
    return redirect(_table_url(table)), 303


# --- exports ----------------------------------------------------------------------------------------------------

def _own_export_or_404(export_id: int) -> TableExport:
    """An export is seen and downloaded by whoever made it, and by owners; to anyone else it does not exist."""
    export = get_scoped_or_404(TableExport, export_id)
    if export.requested_by_id != current_user.id and current_role() != Role.owner:
        abort(404)
    return export


@bp.post("/exports/<table_name>")
@require("tables.export")
def start_export(table_name: str):
    table = _table_or_404(table_name)
    query = _clean_query(request.form.get("query", ""))
    state = request_state(table, MultiDict(parse_qsl(query)))
    shop_ids = [shop.id for shop in current_org_shops()]
    estimate = queries.estimate(db.session, state, shop_ids, table_settings().zone)
    export = services.start_export(db.session, current_org().id, current_user.id, table.name, query, estimate)
    db.session.commit()
    if is_htmx():
        return render_template("tables/_export.html", export=export), 202
    return redirect(url_for("tables.export_progress", export_id=export.id)), 303


@bp.get("/exports/<int:export_id>")
@require("tables.export")
def export_progress(export_id: int):
    """The export's progress; polled by htmx every second until the file is ready (or the export failed)."""
    export = _own_export_or_404(export_id)
    if not is_htmx():
        return render_template("tables/export.html", export=export)
    return render_template("tables/_export.html", export=export), (
        STOP_POLLING if export.status in services.FINISHED else 200)


@bp.get("/exports/<int:export_id>/download")
@require("tables.export")
def export_download(export_id: int):
    export = _own_export_or_404(export_id)
    if export.status == "expired":
        abort(410)  # the file was deleted after EXPORT_KEEP_HOURS
    if export.status != "done" or not export.file_path:
        abort(404)
    name = f"{export.table_name}-{export.created_at:%Y%m%d-%H%M}.csv"
    return send_file(export.file_path, mimetype="text/csv", as_attachment=True, download_name=name)
