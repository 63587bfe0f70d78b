"""Stock from the master to its followers: only differences pushed, absolute, no echo, drift corrected."""

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from app.catalog.models import ProductVariant
from app.master.models import VariantPair
from app.master.propagation import classify, desired_stock
from app.sync.models import SyncRun
from tests.master.conftest import import_products


def _supplies(sandbox, index, stock_id=1):
    headers = sandbox.private_headers(index)
    amounts, page = {}, 1
    while True:
        data = httpx.get(sandbox.url(f"/api/stocks/{stock_id}/supplies"), headers=headers,
                         params={"page": page, "itemsPerPage": 1000}).json()["data"]
        amounts.update({s["code"]: Decimal(str(s["amount"])) for s in data["supplies"] if s["amount"] is not None})
        if page >= data["paginator"]["pageCount"]:
            return amounts
        page += 1


def _set_stock(sandbox, index, code, quantity, stock_id=1):
    response = httpx.patch(sandbox.url(f"/api/stocks/{stock_id}/movements"), headers=sandbox.private_headers(index),
                           json={"data": [{"productCode": code, "quantity": quantity}]})
    assert response.status_code == 200, response.text


def _expected(db, master, follower, reserve):
    """What the rule gives for each paired follower code, from the master's stock as the hub has it."""
    stock = dict(db.session.execute(select(ProductVariant.code, ProductVariant.stock)
                                    .where(ProductVariant.shop_id == master.id)).all())
    pairs = db.session.execute(select(VariantPair).where(VariantPair.follower_shop_id == follower.id)).scalars()
    return {p.follower_code: desired_stock(stock[p.master_code], reserve) for p in pairs
            if p.master_code and stock.get(p.master_code) is not None}


@pytest.fixture
def reserve():
    return 2


@pytest.fixture
def following(db, shops, hub, reserve):
    """Shop 1 follows the master (shop 0) with a reserve; shop 2's rule is off. The sandbox lives for the
    module, so tests pick different reserves (parametrized): each has differences of its own to push."""
    master, follower, other = shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)
    hub("settings-set", "--org", org, "--shop", follower.id, "stock_rule", "follow")
    hub("settings-set", "--org", org, "--shop", follower.id, "stock_reserve", reserve)
    return org, master, follower, other, reserve


def test_the_rule_never_goes_below_zero_and_the_pair_states():
    assert desired_stock(Decimal("5"), 2) == 3 and desired_stock(Decimal("1"), 2) == 0
    assert desired_stock(None, 0) is None
    assert classify(None, None, Decimal(4)) == "new"
    assert classify(Decimal(3), Decimal(7), Decimal(3)) == "in_sync"  # the push came back
    assert classify(Decimal(3), Decimal(7), Decimal(7)) == "pending"  # not read back yet
    assert classify(Decimal(3), Decimal(7), Decimal(5)) == "drift"  # someone else's change


def test_preview_then_apply_pushes_only_differences_and_the_echo_does_not_loop(db, sandbox, following, hub):
    org, master, follower, other, _ = following
    before = _supplies(sandbox, 1), _supplies(sandbox, 2)
    preview = hub("master-apply", "--org", org, "--dry-run")
    would = preview["followers"][str(follower.id)]["stock_changed"]
    assert would > 0 and preview["dry_run"] is True
    assert preview["followers"][str(other.id)] == {**preview["followers"][str(other.id)], "stock_changed": 0,
                                                   "stock_rule": "off"}
    assert (_supplies(sandbox, 1), _supplies(sandbox, 2)) == before  # a preview pushes nothing

    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["stock_changed"], applied["failed"], applied["price_changed"]) == (would, 0, 0)
    expected = _expected(db, master, follower, reserve=2)
    after = _supplies(sandbox, 1)
    assert {code: after.get(code) for code in expected} == expected
    assert _supplies(sandbox, 2) == before[1]  # the shop whose rule is off is not touched
    run = db.session.execute(select(SyncRun).where(SyncRun.shop_id == follower.id,
                                                   SyncRun.kind == "master_apply")).scalar_one()
    assert (run.status, run.stats["stock_changed"]) == ("succeeded", would)  # a job on the ledger

    # not read back yet: the pushes are pending, nothing is pushed again
    status = hub("master-status", "--org", org)["followers"][str(follower.id)]
    assert (status["pending"], status["awaiting_echo"], status["drift"]) == (0, would, 0)
    assert hub("master-apply", "--org", org)["followers"][str(follower.id)]["stock_changed"] == 0
    # read back: the hub's own change is recognised, not an echo to act on, not drift
    import_products(db, follower)
    status = hub("master-status", "--org", org)["followers"][str(follower.id)]
    assert (status["pending"], status["awaiting_echo"], status["drift"]) == (0, 0, 0)
    again = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (again["stock_changed"], again["drift"]) == (0, 0)


@pytest.mark.parametrize("reserve", [3])
def test_drift_is_reported_and_the_master_wins_and_a_master_change_reaches_the_follower(db, sandbox, following, hub):
    org, master, follower, _, reserve = following
    hub("master-apply", "--org", org)
    import_products(db, follower)
    expected = _expected(db, master, follower, reserve)
    pushed = set(db.session.execute(select(VariantPair.follower_code).where(
        VariantPair.follower_shop_id == follower.id, VariantPair.pushed_stock.is_not(None))).scalars())
    drifted, moved = sorted(pushed)[:2]
    _set_stock(sandbox, 1, drifted, float(expected[drifted] + 5))  # someone edits the follower
    master_code = db.session.execute(select(VariantPair.master_code).where(
        VariantPair.follower_shop_id == follower.id, VariantPair.follower_code == moved)).scalar_one()
    _set_stock(sandbox, 0, master_code, 40)  # the master's main warehouse changes
    import_products(db, follower)
    import_products(db, master)

    status = hub("master-status", "--org", org)["followers"][str(follower.id)]
    assert status["drift"] == 1 and status["pending"] == 2
    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["stock_changed"], applied["drift"], applied["failed"]) == (2, 1, 0)
    now = _expected(db, master, follower, reserve)
    supplies = _supplies(sandbox, 1)
    assert supplies[drifted] == expected[drifted] and supplies[moved] == now[moved] != expected[moved]


@pytest.mark.parametrize("reserve", [4])
def test_a_failed_batch_is_reported_and_the_next_run_pushes_it_and_a_retried_write_moves_once(db, sandbox,
                                                                                             following, hub):
    org, master, follower, _, reserve = following
    eshop = follower.external_id
    sandbox.set_faults(shop=eshop, write_faults=[500] * 12)  # more than the client's retries
    failed = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    sandbox.reset_faults()
    assert failed["failed"] > 0 and failed["stock_changed"] == 0
    # a write that lands but is answered 500 is sent again: absolute amounts, so the stock moves once
    sandbox.set_faults(shop=eshop, write_faults=["500-after-write"])
    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    sandbox.reset_faults()
    assert applied["stock_changed"] == failed["failed"] and applied["failed"] == 0
    expected = _expected(db, master, follower, reserve)
    supplies = _supplies(sandbox, 1)
    assert {code: supplies.get(code) for code in expected} == expected


def test_a_missing_master_is_a_clear_error(db, shops, hub):
    org = shops[0].organization_id
    assert "no master shop" in hub("master-apply", "--org", org, ok=False)
    hub("settings-set", "--org", org, "master_shop", 999999)
    assert "not a shop of organization" in hub("master-status", "--org", org, ok=False)
    assert "no organization" in hub("master-apply", "--org", 999999, ok=False)


@pytest.mark.parametrize("reserve", [5])
def test_faults_in_the_middle_of_a_run_lose_nothing_and_the_next_run_pushes_only_the_rest(db, sandbox, following,
                                                                                           hub, monkeypatch):
    org, master, follower, _, reserve = following
    monkeypatch.setattr("app.master.pushing.BATCH", 50)  # several batches out of the sandbox's catalogue
    # batch 1 passes; batch 2 meets 429, 423 and 5xx until the client gives up; batch 3 gets through on a retry
    sandbox.set_faults(shop=follower.external_id, write_faults=[0, 429, 423, 503, 502, 500, 503, 500])
    first = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    sandbox.reset_faults()
    assert first["failed"] == 50 and first["stock_changed"] > 50
    second = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (second["stock_changed"], second["failed"]) == (50, 0)  # only what failed, nothing twice
    expected = _expected(db, master, follower, reserve)
    supplies = _supplies(sandbox, 1)
    assert {code: supplies.get(code) for code in expected} == expected
