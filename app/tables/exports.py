"""The CSV export job of every table. It takes the export's id; the export's row is the progress the page polls.

The file has the columns the table showed (`cols`), in the table's order, each as its declared CSV fields;
rows come shop by shop in keyset batches (flat memory), each batch committed with the progress. An audience's
export (`consent_only`) keeps the customers whose shop recorded their marketing consent and counts the rest.
"""

from __future__ import annotations

import csv
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.analytics.audiences import with_consent
from app.embedded import var_dir
from app.extensions import db
from app.orgs.scoping import org_shops
from app.settings.cache import settings_cache
from app.tables import queries, services
from app.tables.columns import RowContext
from app.tables.declaration import parse_state
from app.tables.models import TableExport
from app.tables.registry import TABLES

log = logging.getLogger(__name__)


def exports_dir() -> Path:
    path = Path(current_app.config.get("EXPORTS_DIR") or var_dir() / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_paths(export: TableExport) -> tuple[Path, Path]:
    """The export's file and the partial file it is written to first."""
    path = exports_dir() / f"{export.table_name}-{export.id}.csv"
    return path, path.with_suffix(".part")


def run_export(export_id: int) -> str:
    """Write export `export_id` as CSV, batch by batch, committing the progress after each batch."""
    session = db.session
    try:
        export = session.get(TableExport, export_id)
        if export is None or export.status in services.FINISHED:
            return "skipped"
        export.status, export.rows_done = "running", 0
        session.commit()
        path, partial = export_paths(export)
        _write_csv(session, export, path, partial)
        export.status, export.file_path, export.finished_at = "done", str(path), datetime.now(UTC)
        session.commit()
        return "done"
    except Exception as exc:
        session.rollback()
        log.exception("export %s failed", export_id)
        export = session.get(TableExport, export_id)
        if export is not None:
            export.status, export.error, export.finished_at = "failed", str(exc)[:2000], datetime.now(UTC)
            session.commit()
            export_paths(export)[1].unlink(missing_ok=True)
        raise
    finally:
        session.remove()


def _write_csv(session: Session, export: TableExport, path: Path, partial: Path) -> None:
    table = TABLES[export.table_name]
    shops = org_shops(session, export.organization_id)
    shop_ids, shop_names = [shop.id for shop in shops], {shop.id: shop.name for shop in shops}
    shop_currencies = {shop.id: shop.currency for shop in shops}
    zone = ZoneInfo(str(settings_cache().values(session, export.organization_id)["display_timezone"]))
    state = parse_state(table, MultiDict(parse_qsl(export.query)), shop_ids)
    shown = [table.columns_by_key[key] for key in state.columns]
    fields = [entry for column in shown for entry in column.fields]
    hooks = [column for column in shown if column.per_page]
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for header, _ in fields])
        for rows in queries.export_batches(session, state, shop_ids, zone):
            if export.consent_only:
                kept = with_consent(session, rows)
                export.left_out += len(rows) - len(kept)
                rows = kept
            context = RowContext(shop_names, zone, {column.key: column.per_page(session, shop_ids, rows)
                                                    for column in hooks}, shop_currencies)
            writer.writerows([cell(row, context) for _, cell in fields] for row in rows)
            export.rows_done += len(rows)
            session.commit()  # the progress the page polls; ends the read transaction between batches
    os.replace(partial, path)
