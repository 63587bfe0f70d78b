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
    marked = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.shop_id == shop.id, Customer.segment.is_not(None)))
    assert marked == 25


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
