"""Full imports from the sandbox over HTTP, with Shoptet's limits and the sandbox's faults switched on."""

import httpx
import pytest
from sqlalchemy import func, select

from app.orders.models import Order
from app.shops.services import add_shop
from app.sync import ledger
from app.sync.models import ImportBadLine, SyncRun
from app.sync.runner import execute_run
from sandbox.testing import run_sandbox
from tests.factories import make_org

ORDERS = 240


@pytest.fixture(scope="module")
def sandbox():
    # A small bucket (20 drops, 40/s) makes the client meet real 429s with Retry-After on every import.
    with run_sandbox(seed=5, shops=1, orders=ORDERS, webhook_retry_seconds=0.2, job_delay=0.3,
                     bucket_size=20, bucket_leak=40) as handle:
        yield handle


@pytest.fixture
def shop(db, sandbox):
    info = sandbox.shops[0]
    sandbox.reset_faults()
    return add_shop(db.session, make_org(db.session).id, name=info["name"], eshop_id=info["eshop_id"],
                    private_token=info["private_token"], api_url=sandbox.base_url, languages="cs")


def _total_orders(sandbox) -> int:
    response = httpx.get(sandbox.url("/api/orders"), params={"itemsPerPage": 1}, headers=sandbox.private_headers())
    return response.json()["data"]["paginator"]["totalCount"]


def _orders(db, shop):
    return db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar_one()


def _run(db, shop, kind="orders"):
    run, _ = ledger.trigger(db.session, shop, kind)
    db.session.commit()
    return run.id


def _rerun(db, run_id):
    """What the scheduler does once the retry is due: run it again (it resumes from its checkpoint)."""
    return execute_run(db.session, run_id)


def test_full_import_through_snapshot_matches_the_shop_exactly(db, shop, sandbox):
    run_id = _run(db, shop)
    outcome = execute_run(db.session, run_id)
    assert outcome.status == "succeeded", outcome.error
    assert _orders(db, shop) == _total_orders(sandbox) == ORDERS
    run = db.session.get(SyncRun, run_id)
    assert run.remote_job_id and run.stats["inserted"] == ORDERS
    assert sandbox.state()["requests"], "the import went through the sandbox over HTTP"


@pytest.mark.parametrize("faults", [{"error_500_rate": 0.3}, {"error_503_rate": 0.3}, {"slow_ms": 300}])
def test_transient_api_faults_are_ridden_out(db, shop, sandbox, faults):
    sandbox.set_faults(shop=shop.external_id, **faults)
    outcome = execute_run(db.session, _run(db, shop))
    assert outcome.status == "succeeded", outcome.error
    assert _orders(db, shop) == ORDERS


@pytest.mark.parametrize(("faults", "message"), [
    ({"snapshot_truncate": True}, "damaged"),
    ({"snapshot_corrupt": True}, "damaged"),
    ({"snapshot_job_fails": True}, "snapshot job failed"),
])
def test_a_failed_or_damaged_snapshot_is_retried_and_then_completes(db, shop, sandbox, faults, message):
    sandbox.set_faults(shop=shop.external_id, **faults)
    run_id = _run(db, shop)
    outcome = execute_run(db.session, run_id)
    assert outcome.status == "retrying" and message in outcome.error
    assert _orders(db, shop) < ORDERS  # complete lines before the damage may be in; nothing else
    sandbox.reset_faults()
    outcome = _rerun(db, run_id)
    assert outcome.status == "succeeded", outcome.error
    assert _orders(db, shop) == ORDERS
    assert db.session.get(SyncRun, run_id).attempt == 2


def test_malformed_lines_are_reported_and_everything_else_imported(db, shop, sandbox):
    sandbox.set_faults(shop=shop.external_id, snapshot_malformed_lines=3)
    run_id = _run(db, shop)
    outcome = execute_run(db.session, run_id)
    assert outcome.status == "succeeded", outcome.error
    bad = db.session.execute(select(ImportBadLine.line_no).where(ImportBadLine.run_id == run_id)).scalars().all()
    assert len(bad) == 3 and all(n > 0 for n in bad)
    assert _orders(db, shop) == ORDERS  # the sandbox inserts the broken lines between real ones


def test_a_job_that_never_finishes_ends_in_a_bounded_wait_with_a_clear_error(app, db, shop, sandbox):
    sandbox.set_faults(shop=shop.external_id, snapshot_job_never_finishes=True)
    app.config["SNAPSHOT_WAIT_SECONDS"] = 4
    try:
        run_id = _run(db, shop)
        outcome = execute_run(db.session, run_id)
    finally:
        app.config["SNAPSHOT_WAIT_SECONDS"] = 1800
    assert outcome.status == "retrying" and "Shoptet" in outcome.error
    assert db.session.get(SyncRun, run_id).checkpoint.get("job_id") is None  # the next attempt asks anew
    sandbox.reset_faults()
    assert _rerun(db, run_id).status == "succeeded"
    assert _orders(db, shop) == ORDERS


def test_customers_and_products_import_by_snapshot(db, shop, sandbox):
    for kind in ("customers", "products"):
        outcome = execute_run(db.session, _run(db, shop, kind))
        assert outcome.status == "succeeded", (kind, outcome.error)


def test_a_bad_token_fails_for_good_with_a_message_to_act_on(db, shop, sandbox):
    from app.crypto import encrypt

    shop.api_token_encrypted = encrypt("not-a-valid-token")
    outcome = execute_run(db.session, _run(db, shop))
    assert outcome.status == "failed" and "Shoptet" in outcome.error
