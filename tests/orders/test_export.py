"""CSV export of the current filter: recorded, queued on `default`, written in batches by the job with progress
in its row, downloaded by the organization only."""

import csv
import io
from decimal import Decimal

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from app.orders import queries, tasks
from app.orders.models import TableExport
from tests.factories import csrf_token
from tests.orders.tables import add_customer, add_order


@pytest.fixture(autouse=True)
def exports_dir(app, tmp_path):
    app.config["EXPORTS_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.pop("EXPORTS_DIR")


def _start(client, table, query):
    return client.post(f"/exports/{table}", headers={"HX-Request": "true"},
                       data={"query": query, "csrf_token": csrf_token(client, f"/{table}")})


def test_export_of_the_filter_is_written_by_the_job_and_downloaded(app, client, db, tenant):
    paid = [add_order(db.session, shop, paid=True, total_with_vat=Decimal("250.50"))
            for shop in (tenant.shop_a, tenant.shop_b) * 3]
    add_order(db.session, tenant.shop_a, paid=False)
    expected_codes = {o.code for o in paid}
    response = _start(client, "orders", "paid=yes&cursor=ignored&cols=code")
    assert response.status_code == 202 and 'hx-trigger="every 1s"' in response.get_data(as_text=True)
    export = db.session.execute(select(TableExport)).scalar_one()
    export_id = export.id
    assert export.query == "paid=yes&cols=code" and export.status == "queued"  # never a cursor
    job = Job.fetch(f"table-export-{export_id}", connection=app.extensions["redis"], serializer=JSONSerializer)
    assert job.args == [export_id] and job.origin == "default"

    assert tasks.run_export(export_id) == "done"

    export = db.session.get(TableExport, export_id)
    assert export.rows_done == 6 and export.file_path.endswith(f"orders-{export_id}.csv")
    progress = client.get(f"/exports/{export_id}", headers={"HX-Request": "true"})
    assert progress.status_code == 286 and "Download CSV" in progress.get_data(as_text=True)
    with client.get(f"/exports/{export_id}/download") as download:
        assert download.status_code == 200 and download.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert {row["code"] for row in rows} == expected_codes
    assert {row["paid"] for row in rows} == {"yes"} and {row["total_with_vat"] for row in rows} == {"250.50"}
    assert {row["shop"] for row in rows} == {"Shop A", "Shop B"}


def test_the_export_streams_in_batches(db, tenant, monkeypatch):
    """Rows go to the file batch by batch (the keyset walk), so memory does not grow with the row count."""
    for n in range(23):
        add_order(db.session, tenant.shop_a if n % 2 else tenant.shop_b)
    export = TableExport(organization_id=tenant.org.id, table_name="orders", query="", status="queued", rows_done=0)
    db.session.add(export)
    db.session.flush()
    batches, real = [], queries.export_batches

    def small_batches(*args, **kwargs):
        for rows in real(*args, batch_size=5, **kwargs):
            batches.append(len(rows))
            yield rows

    monkeypatch.setattr(queries, "export_batches", small_batches)
    export_id = export.id
    assert tasks.run_export(export_id) == "done"
    assert max(batches) == 5 and sum(batches) == 23
    with open(db.session.get(TableExport, export_id).file_path, encoding="utf-8") as handle:
        assert len(handle.read().splitlines()) == 24


def test_cells_that_would_run_as_formulas_are_neutralised():
    assert tasks.spreadsheet_safe('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert tasks.spreadsheet_safe("-2+3") == "'-2+3"
    assert tasks.spreadsheet_safe("+420 777 123 456") == "+420 777 123 456"
    assert tasks.spreadsheet_safe("Jana") == "Jana" and tasks.spreadsheet_safe(12) == 12


def test_customers_export(client, db, tenant):
    add_customer(db.session, tenant.shop_a, email="vip@example.com", orders_count=3, total_spent=Decimal("900"))
    add_customer(db.session, tenant.shop_b, orders_count=0)
    _start(client, "customers", "has_orders=yes")
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert tasks.run_export(export_id) == "done"
    with client.get(f"/exports/{export_id}/download") as download:
        rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [(row["email"], row["orders"], row["total_spent"]) for row in rows] == [("vip@example.com", "3", "900.00")]


def test_exports_are_the_organizations_own(client, db, tenant, stranger):
    foreign = TableExport(organization_id=stranger.organization_id, table_name="orders", query="", status="done",
                          rows_done=0, file_path="/etc/hostname")
    db.session.add(foreign)
    db.session.flush()
    assert client.get(f"/exports/{foreign.id}").status_code == 404
    assert client.get(f"/exports/{foreign.id}/download").status_code == 404
    assert _start(client, "orders", f"shop={stranger.id}").status_code == 404
    assert _start(client, "orders", "paid=perhaps").status_code == 400
