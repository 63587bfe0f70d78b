"""The inventory pages: the table's filters and sorts, a variant's chart, a supplier's suggestion that the
buyer edits and exports, the backtest report; bad input answers 400, another organization's rows 404."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.inventory.models import Backtest, DraftLine
from tests.factories import csrf_token
from tests.inventory.pages import add_variant

ROW = re.compile(r'data-variant-id="(\d+)"')


def _ids(client, query=""):
    response = client.get(f"/inventory?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [int(x) for x in ROW.findall(response.get_data(as_text=True))]


@pytest.fixture
def variants(db, tenant):
    a, b = tenant.shop_a, tenant.shop_b
    return {
        "soon": add_variant(db.session, a, "SOON", available=2, weekly=7),  # 2 days of cover
        "later": add_variant(db.session, a, "LATER", available=70, weekly=7, abc="B", xyz="Y"),
        "dead": add_variant(db.session, a, "DEAD", available=30, weekly=0, dead=True, abc="C", xyz="Z",
                            velocity=0, days_of_cover=None, supplier="sup-2", supplier_name="Bolt"),
        "other_shop": add_variant(db.session, b, "B-1", available=14, weekly=7),
    }


def test_the_table_sorts_by_cover_value_and_velocity_and_filters(client, variants):
    v = variants
    assert _ids(client) == [v["soon"].id, v["other_shop"].id, v["later"].id, v["dead"].id]  # no cover: last
    assert _ids(client, "sort=value")[0] == v["later"].id
    assert _ids(client, "cover_max=14") == [v["soon"].id, v["other_shop"].id]  # stockout within 14 days
    assert _ids(client, "dead=yes") == [v["dead"].id]
    assert _ids(client, "abc=B") == [v["later"].id]
    assert _ids(client, "xyz=Z&supplier=Bolt") == [v["dead"].id]
    assert _ids(client, "q=LAT") == [v["later"].id]
    assert sorted(_ids(client, f"shop={v['other_shop'].shop_id}")) == [v["other_shop"].id]


def test_the_variant_page_draws_history_forecast_and_band(client, variants):
    html = client.get(f"/inventory/variants/{variants['soon'].id}").get_data(as_text=True)
    assert 'id="forecast-chart"' in html and 'class="band"' in html and 'class="p50"' in html
    assert 'class="stockout"' in html  # the week with out-of-stock days is marked
    assert "TSB+AutoETS" in html and "2025-12-29" in html


def test_another_organizations_variant_is_not_found(client, db, tenant, stranger):
    foreign = add_variant(db.session, stranger, "FOREIGN")
    assert client.get(f"/inventory/variants/{foreign.id}").status_code == 404
    assert client.get(f"/inventory/shops/{stranger.id}/suppliers").status_code == 404


def test_a_buyer_edits_a_quantity_and_exports_the_draft(client, db, tenant, variants):
    shop = tenant.shop_a
    page = client.get(f"/inventory/shops/{shop.id}/suppliers/sup-1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-variant="SOON"' in html
    token = csrf_token(client, f"/inventory/shops/{shop.id}/suppliers/sup-1")
    bad = client.post(f"/inventory/shops/{shop.id}/suppliers/sup-1/quantity",
                      data={"variant_code": "SOON", "quantity": "lots", "csrf_token": token})
    assert bad.status_code == 400 and "not a number" in bad.get_data(as_text=True)
    assert db.session.query(DraftLine).count() == 0
    changed = client.post(f"/inventory/shops/{shop.id}/suppliers/sup-1/quantity",
                          data={"variant_code": "SOON", "quantity": "40", "csrf_token": token},
                          headers={"HX-Request": "true"})
    assert changed.status_code == 200 and 'id="draft-total"' in changed.get_data(as_text=True)
    assert db.session.get(DraftLine, (shop.id, "SOON")).quantity == Decimal(40)
    exported = client.get(f"/inventory/shops/{shop.id}/suppliers/sup-1/draft.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    soon = next(r for r in rows if r["variant_code"] == "SOON")
    assert (soon["quantity"], soon["value"], soon["supplier"]) == ("40.000", "4000.00", "Acme")
    book = load_workbook(io.BytesIO(client.get(f"/inventory/shops/{shop.id}/suppliers/sup-1/draft.xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["supplier", "variant_code", "name", "quantity"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert next(r for r in rows if r[1] == "SOON")[3] == 40
    assert rows[-1][0] == "total" and rows[-1][6] == sum(r[6] for r in rows[:-1])


def test_supplier_terms_are_validated_and_change_the_suggestion(client, db, tenant, variants):
    shop = tenant.shop_a
    token = csrf_token(client, f"/inventory/shops/{shop.id}/suppliers/sup-1")
    bad = client.post(f"/inventory/shops/{shop.id}/suppliers/sup-1/terms",
                      data={"lead_time_days": "-3", "order_cycle_days": "7", "csrf_token": token})
    assert bad.status_code == 400 and "Lead time" in bad.get_data(as_text=True)
    ok = client.post(f"/inventory/shops/{shop.id}/suppliers/sup-1/terms",
                     data={"lead_time_days": "28", "order_cycle_days": "7", "min_order_value": "100000",
                           "csrf_token": token})
    assert ok.status_code == 302
    html = client.get(f"/inventory/shops/{shop.id}/suppliers/sup-1").get_data(as_text=True)
    assert 'id="below-minimum"' in html


def test_the_backtest_report_shows_each_class(client, db, tenant):
    summary = {"series": 10, "model_rmsse": 0.9, "moving_average_rmsse": 1.1, "seasonal_naive_rmsse": 1.4,
               "model_bias": -0.05, "band_coverage": 0.8}
    db.session.add(Backtest(shop_id=tenant.shop_a.id, report={
        "weeks_held_out": 8, "overall": summary, "classes": {"A": summary, "B": summary, "C": {"series": 0}},
        "models": {"TSB+AutoETS": 10}, "variants": 12, "as_of": "2026-01-01", "forecast_start": "2025-12-29"}))
    db.session.flush()
    html = client.get(f"/inventory/shops/{tenant.shop_a.id}/backtest").get_data(as_text=True)
    assert 'id="backtest-report"' in html and "0.900" in html and "80 %" in html
