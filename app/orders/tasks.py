"""RQ jobs of the orders and customers tables. They take ids; their rows are the progress the pages poll."""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.channels import channel_for
from app.channels.base import ChannelError, ShopWriter
from app.embedded import var_dir
from app.extensions import db
from app.orders import queries, services
from app.orders.models import OrderStatusChange, TableExport
from app.orgs.scoping import org_shops
from app.settings.cache import settings_cache

log = logging.getLogger(__name__)


# --- status changes ------------------------------------------------------------------------------------------

def apply_status_change(change_id: int) -> str:
    """Send change `change_id` to each shop's platform, one bulk call per shop, and record each order's outcome.

    No transaction stays open while a platform answers: the orders are read, the writers built, then committed.
    """
    session = db.session
    try:
        change = session.get(OrderStatusChange, change_id)
        if change is None or change.status in services.FINISHED:
            return "skipped"
        change.status = "running"
        status_id = change.status_id
        pending = queries.pending_status_change_orders(session, change_id)
        shops = {shop.id: shop for shop in org_shops(session, change.organization_id)}
        targets = {shop_id: _target(shops.get(shop_id), status_id, change.status_name) for shop_id in pending}
        session.commit()
        for shop_id, orders in pending.items():
            changed, failed = _send(targets[shop_id], orders, status_id)
            services.record_status_outcomes(session, change_id, changed, failed, status=targets[shop_id].status)
            session.commit()  # each shop's outcome stands on its own
        services.finish_status_change(session, session.get(OrderStatusChange, change_id))
        session.commit()
        return session.get(OrderStatusChange, change_id).status
    except Exception as exc:
        session.rollback()
        change = session.get(OrderStatusChange, change_id)
        if change is not None:
            services.finish_status_change(session, change, error=f"The status change stopped: {exc}")
            session.commit()
        raise
    finally:
        session.remove()


@dataclass
class _Target:
    """A shop the change goes to: its writer (or why there is none), and the hub's normalized status there."""

    writer: ShopWriter | None
    problem: str | None = None
    status: str | None = None


def _target(shop, status_id: int, status_name: str | None) -> _Target:
    if shop is None:
        return _Target(None, "The order's shop is no longer in this organization.")
    channel = channel_for(shop)
    try:
        return _Target(channel.writer(shop), status=channel.normalized_status(status_id, status_name))
    except ChannelError as exc:
        return _Target(None, str(exc))


def _send(target: _Target, orders: list[tuple[int, str]], status_id: int) -> tuple[list[int], dict[int, str]]:
    """One shop's orders (id, code) → its platform; returns the ids changed and an error per order that was not."""
    if target.writer is None:
        return [], {order_id: target.problem for order_id, _ in orders}
    try:
        with target.writer as writer:
            result = writer.set_order_status([code for _, code in orders], status_id)
    except ChannelError as exc:
        return [], {order_id: str(exc) for order_id, _ in orders}
    failed = {order_id: result.failed[code] for order_id, code in orders if code in result.failed}
    return [order_id for order_id, _ in orders if order_id not in failed], failed


# --- exports --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowContext:
    """What a cell needs beyond its row: shop names, the display zone, and per batch the e-mails' shops."""

    shop_names: dict[int, str]
    zone: ZoneInfo
    shops_of_email: dict[str, set[int]] = field(default_factory=dict)


# A CSV field of a row. Text cells (what a shopper or merchant typed) pass through spreadsheet_safe; times,
# numbers and yes/no cannot start a formula.
Cell = Callable[[object, RowContext], object]


@dataclass(frozen=True)
class ExportSpec:
    """How one table becomes CSV: its filters, its batches, and the CSV fields of each table column.

    The file has the columns the table showed (`cols`), in the table's order; a column may be several
    fields (the customer is name and company, a total is amount and currency).
    """

    parse_filters: Callable
    batches: Callable[..., Iterator[list]]
    fields: dict[str, tuple[tuple[str, Cell], ...]]
    needs_shops_of_email: bool = False

    def chosen(self, columns: list[str]) -> list[tuple[str, Cell]]:
        return [entry for column in columns for entry in self.fields[column]]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"^\+?[\d ]+$")


def spreadsheet_safe(cell):
    """Text a shopper typed (a name, a company) must not run as a formula when the CSV opens in a spreadsheet:
    such cells get a leading apostrophe. Phone numbers like +420… stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not PHONE_NUMBER.match(cell):
        return "'" + cell
    return cell


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _text(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, ctx: spreadsheet_safe(value(row) or "")


def _number(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, ctx: "" if (number := value(row)) is None else number


def _time(name: str) -> Cell:
    value = attrgetter(name)
    return lambda row, ctx: _when(value(row), ctx.zone)


def _shop(row, ctx: RowContext) -> str:
    return spreadsheet_safe(ctx.shop_names.get(row.shop_id, ""))


def _also_in(row, ctx: RowContext) -> str:
    others = ctx.shops_of_email.get(row.email, set()) - {row.shop_id} if row.email else set()
    return spreadsheet_safe("; ".join(sorted(ctx.shop_names[shop_id] for shop_id in others
                                             if shop_id in ctx.shop_names)))


def _average(row, ctx: RowContext):
    return round(row.total_spent / row.orders_count, 2) if row.orders_count else ""


ORDER_FIELDS: dict[str, tuple[tuple[str, Cell], ...]] = {
    "code": (("code", _text("code")),),
    "created": (("created", _time("creation_time")),),
    "shop": (("shop", _shop),),
    "status": (("status", _text("status_name")),),
    "paid": (("paid", lambda row, ctx: _yes_no(row.paid)),),
    "customer": (("name", _text("full_name")), ("company", _text("company"))),
    "email": (("email", _text("email")),),
    "phone": (("phone", _text("phone")),),
    "total": (("total_with_vat", _number("total_with_vat")), ("currency", _text("currency"))),
    "payment": (("payment", _text("payment_method")),),
    "shipping": (("shipping", _text("shipping_method")),),
    "source": (("source", _text("source_name")),),
    "items": (("items", _number("item_count")),),
}

CUSTOMER_FIELDS: dict[str, tuple[tuple[str, Cell], ...]] = {
    "name": (("name", _text("full_name")), ("company", _text("company"))),
    "email": (("email", _text("email")),),
    "phone": (("phone", _text("phone")),),
    "shop": (("shop", _shop),),
    "group": (("group", _text("customer_group")),),
    "orders": (("orders", _number("orders_count")),),
    "spent": (("total_spent", _number("total_spent")),),
    "average": (("average_order", _average),),
    "first_order": (("first_order", _time("first_order_at")),),
    "last_order": (("last_order", _time("last_order_at")),),
    "created": (("registered", _time("creation_time")),),
    "also_in": (("also_in", _also_in),),
}


def export_specs() -> dict[str, ExportSpec]:
    from app.customers import queries as customer_queries
    from app.orders import queries as order_queries

    return {
        "orders": ExportSpec(order_queries.OrderFilters.from_args, order_queries.export_batches, ORDER_FIELDS),
        "customers": ExportSpec(customer_queries.CustomerFilters.from_args, customer_queries.export_batches,
                                CUSTOMER_FIELDS, needs_shops_of_email=True),
    }


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
    from app.customers.queries import shops_by_email

    spec = export_specs()[export.table_name]
    shops = org_shops(session, export.organization_id)
    shop_ids, shop_names = [shop.id for shop in shops], {shop.id: shop.name for shop in shops}
    zone = ZoneInfo(str(settings_cache().values(session, export.organization_id)["display_timezone"]))
    filters = spec.parse_filters(MultiDict(parse_qsl(export.query)), shop_ids)
    fields = spec.chosen(filters.columns)
    wants_other_shops = spec.needs_shops_of_email and "also_in" in filters.columns
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for header, _ in fields])
        for rows in spec.batches(session, shop_ids, filters, zone):
            context = RowContext(shop_names, zone, shops_by_email(session, shop_ids, {row.email for row in rows})
                                 if wants_other_shops else {})
            writer.writerows([cell(row, context) for _, cell in fields] for row in rows)
            export.rows_done += len(rows)
            session.commit()  # the progress the page polls; ends the read transaction between batches
    os.replace(partial, path)
