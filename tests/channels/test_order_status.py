"""The normalized order status: Shoptet's rule, written by every import, backfilled by the migration, and the
customer metrics leaving out what was not spent (cancelled, refunded, failed)."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text

from app.channels.shoptet.statuses import normalized_status
from app.customers.metrics import refresh_customer_metrics
from app.imports.records import ORDER_STATUSES
from app.orders.models import Order
from app.sync.runner import run_file_import
from sandbox.generator.profiles import ORDER_STATUSES as SANDBOX_STATUSES
from tests.factories import make_org, make_shop
from tests.imports.snapshot_files import read_lines, rewrite
from tests.orders.tables import add_customer, add_order

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0006_channel_seam.py"


@pytest.mark.parametrize(("status_id", "name", "expected"), [
    (-4, "Stornována", "cancelled"),
    (-4, "Renamed by the merchant", "cancelled"),  # -4 is cancelled whatever it is called
    (-1, "Nevyřízená", "new"),
    (-2, "Vyřizuje se", "processing"),
    (-3, "Vyřízená", "completed"),
    (-3, None, "completed"),  # no name: the system id's Shoptet meaning
    (-1, "Vyřizuje se", "processing"),  # the sandbox's names for -1..-3: the name wins where it is clear
    (-2, "Erledigt", "completed"),
    (-3, "Unerledigt", "new"),
    (5, "Vráceno zákazníkovi", "refunded"),
    (6, "Platba selhala", "failed"),
    (7, "Čeká na platbu", "on_hold"),
    (8, "Awaiting payment", "on_hold"),
    (9, "Zrušeno zákazníkem", "cancelled"),
    (10, "Odesláno", "processing"),  # a merchant's own state the name does not place: an open order
    (11, None, "processing"),
])
def test_shoptet_statuses_map_by_id_and_by_what_the_name_says(status_id, name, expected):
    assert normalized_status(status_id, name) == expected


def test_every_sandbox_status_maps_to_a_hub_status():
    mapped = {normalized_status(status_id, name) for status_id, names, *_ in SANDBOX_STATUSES for name in names}
    assert mapped <= set(ORDER_STATUSES) and "cancelled" in mapped and "completed" in mapped


def test_imports_write_the_normalized_status_beside_shoptets_own(db, snapshots):
    shop = make_shop(db.session, make_org(db.session))

    def cancel_the_first(number, order):
        return dict(order, status={"id": -4, "name": "Stornována"}) if number == 1 else None

    path = rewrite(snapshots["orders"], snapshots["folder"] / "statuses.jsonl.gz", cancel_the_first)
    run_file_import(db.session, shop, "orders", str(path))
    rows = db.session.execute(select(Order.code, Order.status_id, Order.status_name, Order.status)
                              .where(Order.shop_id == shop.id)).all()
    assert rows and all(status == normalized_status(status_id, name) for _, status_id, name, status in rows)
    first = orjson.loads(read_lines(path)[0])["code"]
    assert {code: status for code, _, _, status in rows}[first] == "cancelled"


def test_metrics_leave_out_cancelled_refunded_and_failed_orders(db):
    shop = make_shop(db.session, make_org(db.session))
    customer = add_customer(db.session, shop)
    for status, total in (("completed", "100.00"), ("processing", "50.00"), ("cancelled", "1000.00"),
                          ("refunded", "2000.00"), ("failed", "4000.00"), ("on_hold", "25.00"), ("new", "5.00")):
        add_order(db.session, shop, customer_guid=customer.guid, status=status, total_with_vat=Decimal(total))
    cursor = db.session.connection().connection.driver_connection.cursor()
    refresh_customer_metrics(cursor, shop.id, "SELECT unnest(%(guids)s::text[])", {"guids": [customer.guid]})
    db.session.refresh(customer)
    assert (customer.orders_count, customer.total_spent) == (4, Decimal("180.00"))


def test_the_migration_backfills_the_status_of_existing_orders_by_the_channels_rule(db):
    spec = importlib.util.spec_from_file_location("channel_seam", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    shop = make_shop(db.session, make_org(db.session))
    orders = [add_order(db.session, shop, status_id=status_id, status_name=name, status=None)
              for status_id, name in ((-4, "Stornována"), (-3, "Vyřízená"), (7, "Čeká na platbu"), (None, None))]
    other = make_shop(db.session, make_org(db.session))
    add_order(db.session, other, status_id=-4, status_name="Stornována", status=None)
    migration.BATCH = 2  # several batches even for these few rows
    migration.backfill_order_status(db.session.connection())
    db.session.expire_all()
    assert [db.session.get(Order, order.id).status for order in orders] == [
        "cancelled", "completed", "on_hold", "processing"]
    assert db.session.execute(text("SELECT count(*) FROM orders WHERE status IS NULL")).scalar() == 0
