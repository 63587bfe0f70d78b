"""The refresh writes in chunks, each its own transaction begun by the run's fence: no transaction lasts longer
than a chunk (the heartbeat keeps the lease meanwhile), and a worker whose lease was taken stops at its next
chunk, leaving what it committed and never storing the fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from app.analytics import refresh
from app.analytics.models import AnalyticsFit, CustomerAnalytics
from app.customers.models import Customer
from app.sync.runner import ImportFailed, job_now
from tests.orders.tables import add_customer, add_order

END = datetime(2025, 12, 1, 12, tzinfo=UTC)


def _buyers(session, shop, count=25):
    for n in range(count):
        customer = add_customer(session, shop, email=f"chunk{n}@example.com")
        for k in range(1 + n % 3):
            add_order(session, shop, created=END - timedelta(days=10 + 40 * k + n), customer_guid=customer.guid,
                      status="completed", total_with_vat=Decimal(100 + n))


def test_every_chunk_is_fenced_and_committed(db, tenant, monkeypatch):
    shop = tenant.shop_a
    _buyers(db.session, shop)
    monkeypatch.setattr(refresh, "CHUNK", 10)
    fenced_chunks = []
    write = refresh.write_chunk

    def watched(session, *args):
        # the chunk's transaction began with the fence: the run's row is locked by this transaction
        fenced_chunks.append(session.execute(text(
            "SELECT current_setting('application_name') LIKE 'hub-run-%'")).scalar())
        write(session, *args)

    monkeypatch.setattr(refresh, "write_chunk", watched)
    stats = job_now(db.session, shop, "customer_analytics")
    assert stats["customers"] == 25 and fenced_chunks == [True, True, True]
    rows = db.session.execute(select(Customer.p_active, Customer.clv, CustomerAnalytics.p_active, CustomerAnalytics.clv)
                              .join(CustomerAnalytics, (CustomerAnalytics.shop_id == Customer.shop_id)
                                    & (CustomerAnalytics.customer_guid == Customer.guid))
                              .where(Customer.shop_id == shop.id)).all()
    assert len(rows) == 25
    for shown_p, shown_clv, p_active, clv in rows:  # the table's copy: whole percent, two significant digits
        assert shown_p == round(p_active, 2)
        assert shown_clv == Decimal(f"{float(clv):.2g}").quantize(Decimal("0.01"))


def test_the_tables_copy_is_rounded_so_nightly_drift_rewrites_few_rows():
    import numpy as np

    shown_p, shown_clv = refresh.table_values(np.array([0.12345, 1.0, 0.996]), np.array([312.47, 0.0, 1234.5]))
    assert shown_p.tolist() == [0.12, 1.0, 1.0] and shown_clv.tolist() == [310.0, 0.0, 1200.0]


def test_a_lost_lease_stops_the_refresh_at_the_next_chunk(db, tenant, monkeypatch):
    from app.sync.jobs import JobContext

    shop = tenant.shop_a
    _buyers(db.session, shop)
    monkeypatch.setattr(refresh, "CHUNK", 10)
    save = JobContext.save

    def save_then_taken_over(self, **values):
        save(self, **values)
        if values.get("done") == 3:  # the first chunk is committed; another worker claims the run now
            self.session.execute(text("UPDATE sync_runs SET lease_token = lease_token + 1 WHERE id = :id"),
                                 {"id": self.run_id})

    monkeypatch.setattr(JobContext, "save", save_then_taken_over)
    with pytest.raises(ImportFailed, match="lease-lost"):
        job_now(db.session, shop, "customer_analytics")
    db.session.expire_all()
    written = db.session.scalar(select(func.count()).select_from(CustomerAnalytics).where(
        CustomerAnalytics.shop_id == shop.id, CustomerAnalytics.segment.is_not(None)))
    assert written == 10  # the first chunk (committed), not one row after the takeover
    assert db.session.get(AnalyticsFit, shop.id) is None  # the pages keep the previous fit
