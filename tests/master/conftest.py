"""Three sandbox shops of one merchant (they share most of a catalogue), imported into one organization."""

import json

import pytest

from app.shops.services import add_shop
from app.sync import ledger
from app.sync.runner import execute_run
from sandbox.testing import run_sandbox
from tests.factories import make_org


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=17, shops=3, orders=5, customers=5, products=40) as handle:
        yield handle


def import_products(db, shop):
    run, _ = ledger.trigger(db.session, shop, "products", mode="snapshot")
    db.session.commit()
    outcome = execute_run(db.session, run.id)
    assert outcome.status == "succeeded", outcome.error


@pytest.fixture
def shops(db, sandbox):
    """[master, follower, follower], connected to one organization and imported."""
    sandbox.reset_faults()
    org = make_org(db.session)
    connected = []
    for info in sandbox.shops:
        shop = add_shop(db.session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                        private_token=info["private_token"], api_url=sandbox.base_url,
                        languages=",".join(info["languages"]))
        import_products(db, shop)
        connected.append(shop)
    return connected


@pytest.fixture
def hub(app, db):
    """`flask hub ...` → its JSON summary (or, with ok=False, its output)."""
    runner = app.test_cli_runner()

    def invoke(*args, ok=True):
        result = runner.invoke(args=["hub", *map(str, args)])
        assert (result.exit_code == 0) == ok, result.output
        return json.loads(result.output.strip().splitlines()[-1]) if ok else result.output

    return invoke


def read_facts(db, shop):
    """What connecting a shop reads from its API (add_shop does not): its currency and today's stated rates."""
    from app.channels import channel_for
    from app.money.rates import rates_day, record_rates

    facts = channel_for(shop).shop_facts(shop)
    shop.currency = facts.currency
    record_rates(db.session, shop.id, shop.currency, facts.currencies, rates_day(shop))
    db.session.commit()
