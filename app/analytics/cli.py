"""`flask hub customer-analytics-refresh` and `customer-analytics-export`: the refresh job run in this process
through the run ledger (never beside a worker's run for the shop), then its figures or the CSV."""

from __future__ import annotations

import csv
import json
import sys
import time

import click
from sqlalchemy import select

from app.analytics.rfm import SEGMENTS
from app.extensions import db

EXPORT_FIELDS = ("customer_guid", "email", "segment", "p_active", "expected_orders_90", "expected_orders_365",
                 "expected_order_value", "clv", "currency")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _refresh(shop_id: int):
    from app.shops.models import Shop
    from app.sync.runner import ImportFailed, job_now

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        _fail(f"There is no shop with id {shop_id}.")
    try:
        job_now(db.session, shop, "customer_analytics")
    except ImportFailed as exc:
        _fail(str(exc))
    return shop


def refresh_summary(fit) -> dict:
    """The command's JSON: customers, seconds, segment sizes and the holdout check."""
    holdout = fit.holdout if fit is not None else {}
    return {
        "customers": fit.customers if fit else 0,
        "seconds": fit.seconds if fit else 0,
        "currency": fit.currency if fit else None,
        "segments": {name: fit.segments[name]["customers"] for name in SEGMENTS if fit and name in fit.segments},
        "holdout_days": holdout.get("holdout_days"),
        "holdout_customers": holdout.get("customers"),
        "predicted_orders": holdout.get("predicted_orders"),
        "actual_orders": holdout.get("actual_orders"),
        "mae": holdout.get("mae"),
        "deciles": [{"decile": d["decile"], "predicted": d["predicted"], "actual": d["actual"]}
                    for d in holdout.get("deciles", [])],
    }


@click.command("customer-analytics-refresh")
@click.option("--shop", "shop_id", required=True, type=int)
def customer_analytics_refresh(shop_id: int) -> None:
    """Refresh a shop's customer analytics now; the last line is a JSON summary."""
    from app.analytics.models import AnalyticsFit

    started = time.monotonic()
    _refresh(shop_id)
    fit = db.session.get(AnalyticsFit, shop_id)
    summary = refresh_summary(fit)
    summary["seconds"] = round(time.monotonic() - started, 3)
    click.echo(json.dumps(summary))


@click.command("customer-analytics-export")
@click.option("--shop", "shop_id", required=True, type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def customer_analytics_export(shop_id: int, file: str) -> None:
    """Fit on all history up to now and write every customer with an order as CSV; last line a JSON summary."""
    from app.analytics.models import CustomerAnalytics
    from app.customers.models import Customer

    started = time.monotonic()
    _refresh(shop_id)
    query = (select(CustomerAnalytics.customer_guid, Customer.email, CustomerAnalytics.segment,
                    CustomerAnalytics.p_active, CustomerAnalytics.expected_orders_90,
                    CustomerAnalytics.expected_orders_365, CustomerAnalytics.expected_order_value,
                    CustomerAnalytics.clv, CustomerAnalytics.currency)
             .outerjoin(Customer, (Customer.shop_id == CustomerAnalytics.shop_id)
                        & (Customer.guid == CustomerAnalytics.customer_guid))
             .where(CustomerAnalytics.shop_id == shop_id).order_by(CustomerAnalytics.customer_guid)
             .execution_options(yield_per=5000))
    rows = 0
    with open(file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_FIELDS)
        for guid, email, segment, p_active, e90, e365, value, clv, currency in db.session.execute(query):
            writer.writerow((guid, email or "", segment or "", *(f"{v:.4f}" if v is not None else ""
                                                                for v in (p_active, e90, e365)),
                             value if value is not None else "", clv if clv is not None else "", currency))
            rows += 1
    click.echo(json.dumps({"rows": rows, "file": file, "seconds": round(time.monotonic() - started, 3)}))


COMMANDS = (customer_analytics_refresh, customer_analytics_export)
