"""A snapshot refused for want of the job:finished webhook: the hub registers it with its signature key kept,
Shoptet's deliveries are accepted (not 401), and the delivered job:finished wakes the import's wait."""

import time

import pytest
from sqlalchemy import select

from app.channels.shoptet.api import client_for_shop
from app.shops.models import Shop
from app.shops.services import add_shop
from app.sync import ledger
from app.sync.models import SyncRun
from app.sync.runner import execute_run
from app.webhooks.models import WebhookEvent
from sandbox.testing import run_sandbox
from tests.factories import make_org

JOB_DELAY = 1.0


@pytest.fixture
def sandbox():
    with run_sandbox(seed=41, shops=1, orders=60, job_delay=JOB_DELAY, webhook_retry_seconds=0.3) as handle:
        yield handle


@pytest.mark.timeout(120)
def test_a_registered_job_finished_hook_keeps_its_key_and_wakes_the_wait(app, live_db, live_server, sandbox,
                                                                         monkeypatch):
    # Polling alone would first look at the job after 20 s; the webhook must wake the wait long before.
    for key, value in {"HUB_PUBLIC_URL": live_server, "SNAPSHOT_FIRST_POLL_SECONDS": 20.0,
                       "SNAPSHOT_WAIT_SECONDS": 60.0}.items():
        monkeypatch.setitem(app.config, key, value)
    info = sandbox.shops[0]
    with app.app_context():
        shop = add_shop(live_db.session, make_org(live_db.session).id, name=info["name"],
                        eshop_id=info["eshop_id"], private_token=info["private_token"], api_url=sandbox.base_url)
        run_ids = []
        for kind in ("orders", "customers"):  # the first asks for the hook; the second finds it
            run, _ = ledger.trigger(live_db.session, shop, kind)
            run_ids.append(run.id)
        live_db.session.commit()
        shop_id = shop.id
        for run_id in run_ids:
            started = time.monotonic()
            outcome = execute_run(live_db.session, run_id)
            assert outcome.status == "succeeded", outcome.error
            assert time.monotonic() - started < 12, "the job:finished webhook did not wake the wait"
        shop = live_db.session.get(Shop, shop_id)
        assert shop.webhook_key_encrypted is not None
        jobs = live_db.session.execute(select(SyncRun.remote_job_id).where(SyncRun.id.in_(run_ids))).scalars().all()
        finished = live_db.session.execute(select(WebhookEvent.event_instance).where(
            WebhookEvent.shop_id == shop_id, WebhookEvent.event == "job:finished")).scalars().all()
        assert set(jobs) <= set(finished)  # verified and stored in the inbox
        time.sleep(1.0)  # past the sandbox's retry pause: a refused delivery would have been retried by now
        with client_for_shop(shop) as client:
            failed = list(client.iter_webhook_notifications(status="failed"))
            attempted = list(client.iter_webhook_notifications())
    assert attempted and failed == []
