import pytest

from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.webhooks import register as register_webhooks
from app.shops.services import add_shop
from app.sync import ledger
from app.sync.runner import execute_run
from sandbox.testing import run_sandbox
from tests.factories import make_org

ORDERS = 150


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=21, shops=1, orders=ORDERS, customers=60, products=20, job_delay=0.2,
                     webhook_retry_seconds=0.2) as handle:
        yield handle


def connect(db, sandbox, hook_url="http://127.0.0.1:9/webhooks/shoptet/0", index=0):
    """A hub shop for sandbox shop `index`: private token, webhooks registered, signature key stored."""
    info = sandbox.shops[index]
    shop = add_shop(db.session, make_org(db.session).id, name=info["name"], eshop_id=info["eshop_id"],
                    private_token=info["private_token"], api_url=sandbox.base_url,
                    languages=",".join(info["languages"]))
    with client_for_shop(shop) as client:
        register_webhooks(client, shop, hook_url)
    db.session.commit()
    return shop


def run_now(db, shop, kind, mode="snapshot"):
    run, _ = ledger.trigger(db.session, shop, kind, mode=mode)
    db.session.commit()
    return execute_run(db.session, run.id), run.id


@pytest.fixture
def imported_shop(db, sandbox):
    """Connected and fully imported (all kinds), so the change feeds have a watermark to start from."""
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    for kind in ("products", "customers", "orders"):
        outcome, _ = run_now(db, shop, kind)
        assert outcome.status == "succeeded", outcome.error
    return shop
