"""Shared helpers of the WooCommerce channel tests: a store in the sandbox, a hub shop connected to it."""

from __future__ import annotations

from sqlalchemy import select, text

from app.shops.models import Shop
from app.sync import ledger
from app.sync.models import SyncRun
from app.sync.runner import execute_run
from app.woocommerce import WooClient


def shop_add(app, org_id: int, store, *extra: str, url: str | None = None):
    return app.test_cli_runner().invoke(args=[
        "hub", "shop-add", "--org", str(org_id), "--platform", "woocommerce", "--name", "Woo",
        "--url", url or store.base_url, "--consumer-key", store.consumer_key,
        "--consumer-secret", store.consumer_secret, *extra])


def connected_shop(app, db, org_id: int, store) -> Shop:
    result = shop_add(app, org_id, store)
    assert result.exit_code == 0, result.output
    return db.session.get(Shop, int(result.stdout.strip().splitlines()[-1]))


def run_queued(db, shop) -> dict[str, str]:
    """Carry out the shop's queued runs as a worker would; kind → final status."""
    runs = db.session.execute(select(SyncRun.id, SyncRun.kind).where(
        SyncRun.shop_id == shop.id, SyncRun.status == "queued").order_by(SyncRun.id)).all()
    db.session.commit()
    return {kind: execute_run(db.session, run_id).status for run_id, kind in runs}


def run_now(db, shop, kind: str, mode: str = "changes"):
    run, _ = ledger.trigger(db.session, shop, kind, mode=mode)
    db.session.commit()
    return execute_run(db.session, run.id)


def store_client(store) -> WooClient:
    return WooClient(store.base_url, store.consumer_key, store.consumer_secret)


def store_orders(store) -> dict[str, dict]:
    """Every live order of the store (status any: not trashed, not checkout drafts), by id as text."""
    with store_client(store) as client:
        listed = client.iter_items("/orders", {"orderby": "id", "order": "asc",
                                               "_fields": "id,status,date_modified_gmt,total,customer_id,billing"})
        return {str(o["id"]): o for o in listed}


def hub_orders(db, shop_id: int) -> dict[str, tuple]:
    rows = db.session.execute(text("SELECT code, status_name, change_time, total_with_vat, customer_guid "
                                   "FROM orders WHERE shop_id = :shop AND deleted_at IS NULL"),
                              {"shop": shop_id}).all()
    db.session.commit()
    return {row.code: row for row in rows}
