"""Convergence: the sandbox keeps changing while the hub syncs through faults; afterwards they are equal.

A sandbox shop churns (orders created, changed and deleted, customers, products, stock) with 5xx errors, a
tight leaky bucket (429s) and a third of its webhooks dropped, while real worker processes, the webhook
endpoint on a live server and a scheduler thread keep the hub current. After the churn stops and one more
sync of every stream runs, every row of every kind must equal the sandbox's: 0 missing, 0 extra, 0 different.
The lag from each order change in the sandbox to the hub is measured and printed (median, worst).
"""

import os
import time

import httpx
import pytest
from sqlalchemy import select

from app.channels.shoptet.api import client_for_shop
from app.extensions import db as _db
from app.shops.models import Shop
from app.sync.models import ACTIVE_STATUSES, SyncRun
from app.sync.services import start_import
from sandbox.testing import run_sandbox
from tests.convergence import (
    OrderLagProbe,
    compare_shoptet,
    connect_sandbox_shop,
    equal,
    print_report,
    request_final_syncs,
    running_hub,
)
from tests.factories import make_org
from workers.scheduler import tick

CHURN_SECONDS = float(os.environ.get("HUB_CONVERGENCE_SECONDS", "60"))
STREAMS = ("orders", "customers", "products", "stock")


@pytest.mark.timeout(600)
def test_the_hub_converges_on_a_churning_shop_with_faults(app, test_config, live_db, live_server):
    with run_sandbox(seed=33, shops=1, orders=400, customers=150, products=40, job_delay=0.3,
                     webhook_retry_seconds=0.5, bucket_size=60, bucket_leak=30) as sandbox:
        info = sandbox.shops[0]
        with app.app_context():
            org = make_org(live_db.session, "Converging Co")
            shop = connect_sandbox_shop(live_db.session, org.id, sandbox, info, live_server)
            for kind in ("products", "customers", "orders"):
                start_import(live_db.session, shop, kind, actor_id=None)
            live_db.session.commit()
            shop_id = shop.id

        with running_hub(app, test_config) as hub:
            hub.waiting(lambda: hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = :s AND mode = 'snapshot' "
                                           "AND status = 'succeeded'", s=shop_id) == 3,
                        timeout=120, what="the first full imports")
            sandbox.set_faults(error_500_rate=0.05, webhook_drop_rate=0.33)
            probe = hub.watching(OrderLagProbe(test_config.DATABASE_URL, shop_id))
            deadline = time.monotonic() + CHURN_SECONDS
            call = 0
            while time.monotonic() < deadline:
                changed_at = time.time()
                changes = sandbox.mutate(shop=info["eshop_id"], orders_created=1, orders_updated=2,
                                         orders_deleted=1 if call % 5 == 0 else 0, customers_updated=1,
                                         products_updated=1 if call % 2 == 0 else 0, stock_moves=2)
                probe.expect(changes["orders_created"] + changes["orders_updated"], changed_at)
                call += 1
                time.sleep(0.5)
            sandbox.reset_faults()
            hub.waiting(lambda: hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = :s AND status = ANY(:a) "
                                           "AND mode <> 'job'",  # syncs, not a feature's nightly job
                                           s=shop_id, a=list(ACTIVE_STATUSES)) == 0,
                        timeout=120, what="the syncs to settle")
            hub.stop_scheduler()
            after = request_final_syncs(app, [shop_id], STREAMS)

            def final_syncs_done():
                tick(app)  # the scheduler thread is stopped: this test ticks
                pending = hub.scalar("SELECT count(*) FROM sync_runs WHERE shop_id = :s AND mode = 'changes' "
                                     "AND created_at >= :t AND status <> 'succeeded'", s=shop_id, t=after)
                finished = hub.scalar("SELECT count(DISTINCT kind) FROM sync_runs WHERE shop_id = :s "
                                      "AND mode = 'changes' AND created_at >= :t AND status = 'succeeded'",
                                      s=shop_id, t=after)
                return pending == 0 and finished == len(STREAMS)

            hub.waiting(final_syncs_done, timeout=120, every=0.5, what="the final syncs")
            probe.finish()
            with app.app_context():
                shop = _db.session.get(Shop, shop_id)
                with client_for_shop(shop) as client:
                    report = compare_shoptet(app, shop_id, client)

        print(f"\nconvergence: {call} churn calls over {CHURN_SECONDS:.0f} s; order changes seen {len(probe.lags)}, "
              f"never seen {len(probe.pending)}; {probe.summary()}")
        print_report("", report)
        assert equal(report), report
        with app.app_context():
            runs = _db.session.execute(select(SyncRun.status).where(SyncRun.shop_id == shop_id)).scalars().all()
        assert "failed" not in runs
        assert httpx.get(f"{live_server}/login").status_code == 200
