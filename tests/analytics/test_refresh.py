"""The full refresh on a sandbox shop: the command's summary, the holdout check against what happened, the
rows it writes, and the export."""

from __future__ import annotations

import csv
import json

from sqlalchemy import func, select

from app.analytics.models import AnalyticsFit, CustomerAnalytics
from app.analytics.rfm import SEGMENTS
from app.customers.models import Customer


def test_refresh_then_pages_then_export(db, btyd_shop, cli, client, tmp_path):
    """One sandbox shop, loaded once (the slow part): the command, the rows, the pages, the export."""
    check_refresh_command(btyd_shop, cli)
    check_rows(db, btyd_shop)
    from tests.analytics.test_pages import check_pages

    check_pages(db, btyd_shop, client)
    check_export(btyd_shop, cli, tmp_path)


def check_refresh_command(btyd_shop, cli):
    result = cli("customer-analytics-refresh", "--shop", btyd_shop.id)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["customers"] > 1000
    assert set(summary["segments"]) == set(SEGMENTS)
    assert sum(summary["segments"].values()) == summary["customers"]
    assert summary["actual_orders"] > 200
    assert abs(summary["predicted_orders"] - summary["actual_orders"]) / summary["actual_orders"] < 0.15, summary
    assert len(summary["deciles"]) == 10
    assert sum(d["actual"] for d in summary["deciles"]) == summary["actual_orders"]
    # the deciles of predicted value order what happened: the top decile bought far more than the bottom one
    assert summary["deciles"][-1]["actual"] > 5 * max(summary["deciles"][0]["actual"], 1)
    assert 0 < summary["mae"] < 2


def check_rows(db, btyd_shop):
    buyers = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.shop_id == btyd_shop.id, Customer.orders_count > 0))
    rows = db.session.scalar(select(func.count()).select_from(CustomerAnalytics).where(
        CustomerAnalytics.shop_id == btyd_shop.id))
    assert rows == buyers
    marked = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.shop_id == btyd_shop.id, Customer.segment.is_not(None), Customer.clv.is_not(None)))
    assert marked == buyers
    fit = db.session.get(AnalyticsFit, btyd_shop.id)
    assert fit.currency == btyd_shop.currency and fit.params["bgnbd"]["r"] > 0
    assert fit.cohorts and fit.cohorts[0]["retention"][0] == 1.0


def check_export(btyd_shop, cli, tmp_path):
    target = tmp_path / "customers.csv"
    result = cli("customer-analytics-export", "--shop", btyd_shop.id, target)
    assert result.exit_code == 0, result.output
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["customer_guid", "email", "segment", "p_active", "expected_orders_90",
                             "expected_orders_365", "expected_order_value", "clv", "currency"]
    assert json.loads(result.output.strip().splitlines()[-1])["rows"] == len(rows) > 1000
    assert all(0 <= float(row["p_active"]) <= 1 and row["segment"] in SEGMENTS for row in rows)
    assert {row["currency"] for row in rows} == {btyd_shop.currency}
