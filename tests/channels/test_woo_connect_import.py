"""A WooCommerce store connected by `flask hub shop-add` and imported through the same pipeline as Shoptet's:
keys encrypted, facts and webhooks from the store, first imports of every kind, guests derived from their
billing e-mail, WooCommerce's statuses kept beside the normalized ones."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.channels.woocommerce.webhooks import TOPICS
from app.webhooks.urls import webhook_url
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.channels.woo_helpers import connected_shop, hub_orders, run_queued, shop_add, store_orders
from tests.factories import make_org


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=5, orders=300, webhook_delay=0.05) as handle:
        yield handle


@pytest.fixture
def imported(app, db, store):
    org = make_org(db.session)
    db.session.commit()
    shop = connected_shop(app, db, org.id, store)
    assert run_queued(db, shop) == {"products": "succeeded", "customers": "succeeded", "orders": "succeeded"}
    return shop


def test_shop_add_stores_the_keys_encrypted_reads_the_currency_and_registers_the_webhooks(app, db, store):
    org = make_org(db.session)
    db.session.commit()
    shop = connected_shop(app, db, org.id, store)
    assert (shop.platform, shop.currency, shop.auth_mode) == ("woocommerce", "CZK", "keys")
    assert shop.timezone == "Europe/Prague" and shop.name == "Woo"  # the operator's name wins over the site's
    assert store.consumer_secret.encode() not in shop.api_token_encrypted
    hooks = [h for h in store.webhooks()["webhooks"] if h["delivery_url"] == webhook_url(shop)]
    assert sorted(h["topic"] for h in hooks) == sorted(TOPICS)
    again = shop_add(app, org.id, store)  # connecting it again finds the same shop
    assert again.exit_code == 0, again.output
    assert int(again.stdout.strip().splitlines()[-1]) == shop.id


def test_shop_add_refuses_a_store_without_keys(app, db, store):
    org = make_org(db.session)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["hub", "shop-add", "--org", str(org.id), "--platform",
                                                "woocommerce", "--name", "W", "--url", store.base_url])
    assert result.exit_code != 0 and "--consumer-key" in result.output


def test_full_import_brings_every_order_customer_and_product(db, store, imported):
    orders, hub = store_orders(store), hub_orders(db, imported.id)
    assert set(hub) == set(orders)
    for code, order in orders.items():
        row = hub[code]
        assert row.status_name == order["status"]
        assert row.total_with_vat == Decimal(order["total"])
    counts = db.session.execute(text(
        "SELECT (SELECT count(*) FROM customers WHERE shop_id = :s AND guid NOT LIKE 'guest:%'), "
        "(SELECT count(*) FROM products WHERE shop_id = :s), "
        "(SELECT count(*) FROM product_variants WHERE shop_id = :s), "
        "(SELECT count(*) FROM order_items WHERE shop_id = :s)"), {"s": imported.id}).one()
    assert counts[0] > 0 and counts[1] > 0 and counts[2] >= counts[1] and counts[3] >= len(orders)


def test_guest_orders_get_a_customer_derived_from_the_billing_email(db, store, imported):
    guests = [o for o in store_orders(store).values() if not o["customer_id"]]
    assert guests, "the sandbox makes 30 % of orders guest orders"
    hub = hub_orders(db, imported.id)
    for order in guests:
        assert hub[str(order["id"])].customer_guid == "guest:" + order["billing"]["email"].lower()
    email = guests[0]["billing"]["email"].lower()
    customer = db.session.execute(text("SELECT customer_group, raw, orders_count FROM customers "
                                       "WHERE shop_id = :s AND guid = :g"),
                                  {"s": imported.id, "g": "guest:" + email}).one()
    same_person = [o for o in guests if o["billing"]["email"].lower() == email
                   and o["status"] not in ("cancelled", "refunded", "failed")]
    assert customer.customer_group == "guest" and customer.raw["guest"] is True
    assert customer.orders_count == len(same_person)


def test_statuses_are_kept_and_normalized(db, imported):
    pairs = dict(db.session.execute(text("SELECT DISTINCT status_name, status FROM orders WHERE shop_id = :s"),
                                    {"s": imported.id}).all())
    expected = {"pending": "new", "processing": "processing", "on-hold": "on_hold", "completed": "completed",
                "cancelled": "cancelled", "refunded": "refunded", "failed": "failed"}
    assert pairs and {name: expected[name] for name in pairs} == pairs
    assert len(pairs) >= 5


def test_sync_command_runs_full_and_incremental_for_a_store(app, db, store, imported):
    runner = app.test_cli_runner()
    store.mutate(orders_updated=3, orders_created=2)
    result = runner.invoke(args=["hub", "sync", "--shop", str(imported.id), "--kind", "orders"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["inserted"] == 2 and summary["updated"] >= 3
    full = runner.invoke(args=["hub", "sync", "--shop", str(imported.id), "--kind", "customers", "--full"])
    assert full.exit_code == 0, full.output
    assert json.loads(full.stdout.strip().splitlines()[-1])["inserted"] == 0
    assert set(hub_orders(db, imported.id)) == set(store_orders(store))


def test_both_auth_schemes_basic_over_https_and_oauth_over_http(app, db, store, imported):
    """Over plain http the store ignores Basic, so the http shop's import proves OAuth 1.0a; over https the
    hub sends Basic, trusting the store's certificate through WOOCOMMERCE_CA_FILE."""
    from app.channels.woocommerce.api import client_for_shop
    from app.shops.models import Shop
    from app.woocommerce import BasicAuth, OAuth1Auth

    with client_for_shop(imported) as client:
        assert isinstance(client.transport.auth, OAuth1Auth)
    org = make_org(db.session)
    db.session.commit()
    app.config["WOOCOMMERCE_CA_FILE"] = store.ca_file
    try:
        result = shop_add(app, org.id, store, url=store.https_url)
        assert result.exit_code == 0, result.output
        shop = db.session.get(Shop, int(result.stdout.strip().splitlines()[-1]))
        with client_for_shop(shop) as client:
            assert isinstance(client.transport.auth, BasicAuth)
        assert run_queued(db, shop)["orders"] == "succeeded"
    finally:
        app.config["WOOCOMMERCE_CA_FILE"] = ""
    assert set(hub_orders(db, shop.id)) == set(store_orders(store))


def test_the_demo_connects_its_woocommerce_store_through_the_service_once(app, db, store):
    from sqlalchemy import select

    from app.demo import DEMO_ORG, connect_woo_store
    from app.orgs.models import Organization
    from app.shops.models import Shop
    from app.sync.models import SyncRun

    org = db.session.execute(select(Organization).where(Organization.name == DEMO_ORG)).scalar_one_or_none()
    org = org or make_org(db.session, DEMO_ORG)
    messages = connect_woo_store(app, store.description)
    assert any("importing the WooCommerce store" in message for message in messages)
    connect_woo_store(app, store.description)  # the next start reconnects the same shop
    shops = db.session.execute(select(Shop).where(Shop.organization_id == org.id,
                                                  Shop.platform == "woocommerce")).scalars().all()
    assert len(shops) == 1 and shops[0].url == store.base_url
    runs = db.session.execute(select(SyncRun.kind).where(SyncRun.shop_id == shops[0].id)).scalars().all()
    assert sorted(runs) == ["customers", "orders", "products"]  # the queued first imports, not again


def test_sync_command_products_and_stock_for_a_store(app, db, store, imported):
    runner = app.test_cli_runner()
    changed = store.mutate(products_updated=2, stock_changes=3)
    result = runner.invoke(args=["hub", "sync", "--shop", str(imported.id), "--kind", "products"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["updated"] >= 2
    stock = runner.invoke(args=["hub", "sync", "--shop", str(imported.id), "--kind", "stock"])
    assert stock.exit_code == 0, stock.output  # stock came with the products' records
    from app.channels.woocommerce.mapping import variant_code
    from tests.channels.woo_helpers import store_client

    with store_client(store) as client:
        for change in changed["stock_changes"]:
            item = client.get(f"/products/{change['id']}")
            amount = db.session.execute(text("SELECT stock FROM product_variants WHERE shop_id = :s AND code = :c"),
                                        {"s": imported.id, "c": variant_code(item)}).scalar_one()
            assert int(amount) == item["stock_quantity"]
    full = runner.invoke(args=["hub", "sync", "--shop", str(imported.id), "--kind", "products", "--full"])
    assert full.exit_code == 0, full.output
    assert json.loads(full.stdout.strip().splitlines()[-1])["inserted"] == 0
