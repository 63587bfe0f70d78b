"""CSV export of the current filter: recorded, queued on `default`, written in batches by the job with progress
in its row, downloaded by the organization only."""

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core.namespace import rq_name
from app.queues import fetch_job
from app.tables import columns, exports, queries
from app.tables.models import TableExport
from tests.factories import csrf_token
from tests.orders.tables import add_customer, add_order

pytestmark = pytest.mark.usefixtures("exports_dir")  # tests/orders/tables.py


def _start(client, table, query):
    return client.post(f"/exports/{table}", headers={"HX-Request": "true"},
                       data={"query": query, "csrf_token": csrf_token(client, f"/{table}")})


def test_export_of_the_filter_is_written_by_the_job_and_downloaded(app, client, db, tenant):
    paid = [add_order(db.session, shop, paid=True, total_with_vat=Decimal("250.50"))
            for shop in (tenant.shop_a, tenant.shop_b) * 3]
    add_order(db.session, tenant.shop_a, paid=False)
    expected_codes = {o.code for o in paid}
    columns = "cols=code&cols=shop&cols=paid&cols=total"
    response = _start(client, "orders", f"paid=yes&cursor=ignored&{columns}")
    assert response.status_code == 202 and 'hx-trigger="every 1s"' in response.get_data(as_text=True)
    export = db.session.execute(select(TableExport)).scalar_one()
    export_id = export.id
    assert export.query == f"paid=yes&{columns}" and export.status == "queued"  # never a cursor
    job = fetch_job(app.extensions["redis"], f"table-export-{export_id}")
    assert job.args == [export_id] and job.origin == rq_name("default")

    assert exports.run_export(export_id) == "done"

    export = db.session.get(TableExport, export_id)
    assert export.rows_done == 6 and export.file_path.endswith(f"orders-{export_id}.csv")
    progress = client.get(f"/exports/{export_id}", headers={"HX-Request": "true"})
    assert progress.status_code == 286 and "Download CSV" in progress.get_data(as_text=True)
    with client.get(f"/exports/{export_id}/download") as download:
        assert download.status_code == 200 and download.mimetype == "text/csv"
        text = download.get_data(as_text=True)
    assert text.splitlines()[0] == "code,shop,paid,total_with_vat,currency"  # the chosen columns, in table order
    rows = list(csv.DictReader(io.StringIO(text)))
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
    assert exports.run_export(export_id) == "done"
    assert max(batches) == 5 and sum(batches) == 23
    with open(db.session.get(TableExport, export_id).file_path, encoding="utf-8") as handle:
        assert len(handle.read().splitlines()) == 24


def test_cells_that_would_run_as_formulas_are_neutralised():
    assert columns.spreadsheet_safe('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert columns.spreadsheet_safe("-2+3") == "'-2+3"
    assert columns.spreadsheet_safe("+420 777 123 456") == "+420 777 123 456"
    assert columns.spreadsheet_safe("Jana") == "Jana" and columns.spreadsheet_safe(12) == 12


def test_typed_text_cannot_run_as_a_formula_in_the_exported_file(client, db, tenant):
    """Names, companies and shop names are typed by people; numbers and times are not, and stay numbers."""
    tenant.shop_a.name = "=Shop A"
    add_order(db.session, tenant.shop_a, full_name='=HYPERLINK("http://evil","x")', company="@SUM(1)",
              phone="+420 777 123 456", total_with_vat=Decimal("-5.00"))
    _start(client, "orders", "cols=shop&cols=customer&cols=phone&cols=total")
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert exports.run_export(export_id) == "done"
    with client.get(f"/exports/{export_id}/download") as download:
        rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert rows == [{"shop": "'=Shop A", "name": '\'=HYPERLINK("http://evil","x")', "company": "'@SUM(1)",
                     "phone": "+420 777 123 456", "total_with_vat": "-5.00", "currency": "CZK"}]


def test_customers_export(client, db, tenant):
    add_customer(db.session, tenant.shop_a, email="vip@example.com", orders_count=3, total_spent=Decimal("900"))
    add_customer(db.session, tenant.shop_b, orders_count=0)
    add_customer(db.session, tenant.shop_b, email="vip@example.com", orders_count=0)  # the same person
    _start(client, "customers", "has_orders=yes&cols=email&cols=orders&cols=spent&cols=average&cols=also_in")
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert exports.run_export(export_id) == "done"
    with client.get(f"/exports/{export_id}/download") as download:
        rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert rows == [{"email": "vip@example.com", "orders": "3", "total_spent": "900.00", "currency": "CZK",
                     "average_order": "300.00", "average_currency": "CZK", "also_in": "Shop B"}]


def test_default_columns_are_exported_when_none_were_chosen(client, db, tenant):
    add_order(db.session, tenant.shop_a)
    _start(client, "orders", "")
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert exports.run_export(export_id) == "done"
    with open(db.session.get(TableExport, export_id).file_path, encoding="utf-8") as handle:
        header = handle.readline().strip()
    assert header == "code,created,shop,status,paid,name,company,total_with_vat,currency"


def test_a_failed_export_leaves_no_partial_file(db, tenant, exports_dir, monkeypatch):
    add_order(db.session, tenant.shop_a)
    export = TableExport(organization_id=tenant.org.id, table_name="orders", query="", status="queued", rows_done=0)
    db.session.add(export)
    db.session.flush()
    export_id = export.id

    def broken(*args, **kwargs):
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr(queries, "export_batches", broken)
    with pytest.raises(RuntimeError):
        exports.run_export(export_id)
    export = db.session.get(TableExport, export_id)
    assert export.status == "failed" and "disk full" in export.error
    assert list(exports_dir.iterdir()) == []


def test_exports_are_the_organizations_own(client, db, tenant, stranger):
    foreign = TableExport(organization_id=stranger.organization_id, table_name="orders", query="", status="done",
                          rows_done=0, file_path="/etc/hostname")
    db.session.add(foreign)
    db.session.flush()
    assert client.get(f"/exports/{foreign.id}").status_code == 404
    assert client.get(f"/exports/{foreign.id}/download").status_code == 404
    assert _start(client, "orders", f"shop={stranger.id}").status_code == 404
    assert _start(client, "orders", "paid=perhaps").status_code == 400
