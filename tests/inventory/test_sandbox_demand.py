"""End to end on the Shoptet sandbox's demand (seasonal, trending, a long tail, launches, promotions and
stock-outs): import through the hub, `flask hub inventory-refresh`, then the forecasts must beat the
baselines on the held-out weeks with a calibrated band, stock-out days must be censored, and
`flask hub forecast-export` must write the 12 weeks after the last full week."""

import csv
import json
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from app.channels import channel_for
from app.inventory.history import load_daily
from app.inventory.models import VariantMetrics, VariantSeries
from app.sync.runner import sync_now
from sandbox.testing import run_sandbox
from tests.factories import make_org, make_shop

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=5, shops=1, orders=15000, products=40, years=2, bucket_leak=100000) as handle:
        yield handle


def test_forecasts_beat_the_baselines_on_the_sandbox_demand(app, live_db, sandbox, tmp_path):
    with app.app_context():
        _check(app, live_db.session, sandbox, tmp_path)


def _check(app, session, sandbox, tmp_path):
    info = sandbox.shops[0]
    shop = make_shop(session, make_org(session), "Zahrada")
    shop.timezone = "Europe/Prague"
    channel = channel_for(shop)
    channel.attach(shop, channel.credentials({"eshop_id": info["eshop_id"], "private_token": info["private_token"]}),
                   api_url=sandbox.base_url)
    session.commit()
    for kind in ("products", "orders"):
        sync_now(session, shop, kind, full=True)
    sync_now(session, shop, "stock")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "inventory-refresh", "--shop", str(shop.id)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["variants"] > 80 and summary["seconds"] > 0
    overall = summary["backtest"]["overall"]
    assert overall["series"] > 60
    # The models beat both baselines overall, and seasonal naive in every class.
    assert overall["model_rmsse"] < overall["moving_average_rmsse"] < overall["seasonal_naive_rmsse"]
    for cls in ("A", "B", "C"):
        row = summary["backtest"][cls]
        assert row["model_rmsse"] < row["seasonal_naive_rmsse"], (cls, row)
        assert row["model_rmsse"] < row["moving_average_rmsse"] * 1.02, (cls, row)  # ties at worst
    for cls in ("A", "B"):  # the classes with signal: strictly better than the moving average
        assert summary["backtest"][cls]["model_rmsse"] < summary["backtest"][cls]["moving_average_rmsse"], cls
    assert 0.75 <= overall["band_coverage"] <= 0.88
    assert abs(overall["model_bias"]) < 0.2

    # Censoring: the sandbox sells nothing while a variant is out, so the days the log marks out sell ~nothing.
    session.expire_all()
    codes = list(session.scalars(select(VariantMetrics.variant_code).where(VariantMetrics.shop_id == shop.id)))
    daily = load_daily(session, shop, date(2026, 1, 1), codes)
    out = daily.out_of_stock
    assert out.sum() > 500
    selling = daily.units.sum(axis=1) > 50
    rate_out = daily.units[selling][out[selling]].mean()
    rate_in = daily.units[selling][~out[selling]].mean()
    assert rate_out < 0.15 * rate_in
    series = {s.variant_code: s for s in session.scalars(select(VariantSeries).where(VariantSeries.shop_id == shop.id))}
    assert any(np.array(s.demand).sum() > np.array(s.sold).sum() * 1.05 for s in series.values())
    assert all(min(np.array(s.demand) - np.array(s.sold)) >= -1e-3 for s in series.values())

    # The export: 12 weeks per variant, from the Monday after the last full week (history ends 2025-12-31).
    target = tmp_path / "forecast.csv"
    result = runner.invoke(args=["hub", "forecast-export", "--shop", str(shop.id), str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["rows"] == 12 * len(codes)
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["variant_code", "week_start", "p10", "p50", "p90"]
    weeks = sorted({row["week_start"] for row in rows})
    assert weeks[0] == "2025-12-29" and len(weeks) == 12
    assert all(date.fromisoformat(w).weekday() == 0 for w in weeks)
    assert weeks[-1] == (date(2025, 12, 29) + timedelta(weeks=11)).isoformat()
    disordered = [r for r in rows if not float(r["p10"]) <= float(r["p50"]) <= float(r["p90"])]
    assert disordered == []
    assert len({r["variant_code"] for r in rows}) == len(codes)
