"""Orders keep the rate their platform gave them, and customer totals are in the shop's base currency."""

from decimal import Decimal

import orjson
from sqlalchemy import select

from app.customers.metrics import refresh_customer_metrics
from app.customers.models import Customer
from app.orders.models import Order
from app.sync.runner import run_file_import
from tests.factories import make_org, make_shop
from tests.imports.conftest import snapshots  # noqa: F401
from tests.imports.snapshot_files import read_lines, rewrite
from tests.orders.tables import add_customer, add_order


def test_an_import_keeps_the_exchange_rate_of_each_order(db, snapshots):  # noqa: F811
    shop = make_shop(db.session, make_org(db.session))

    def in_euro(number, order):
        if number != 1:
            return None
        return dict(order, price={**order["price"], "currencyCode": "EUR", "exchangeRate": "25.31000000"})

    path = rewrite(snapshots["orders"], snapshots["folder"] / "euro.jsonl.gz", in_euro)
    run_file_import(db.session, shop, "orders", str(path))
    code = orjson.loads(read_lines(path)[0])["code"]
    order = db.session.execute(select(Order).where(Order.shop_id == shop.id, Order.code == code)).scalar_one()
    assert (order.currency, order.exchange_rate) == ("EUR", Decimal("25.31"))


def test_a_customers_total_counts_each_order_at_its_rate_in_the_shops_currency(db):
    shop = make_shop(db.session, make_org(db.session))  # a CZK shop
    customer = add_customer(db.session, shop)
    add_order(db.session, shop, customer_guid=customer.guid, status="completed", total_with_vat=Decimal("1000.00"),
              currency="CZK", exchange_rate=Decimal(1))
    add_order(db.session, shop, customer_guid=customer.guid, status="completed", total_with_vat=Decimal("40.00"),
              currency="EUR", exchange_rate=Decimal("25.25"))
    add_order(db.session, shop, customer_guid=customer.guid, status="completed", total_with_vat=Decimal("10.00"),
              currency="CZK")  # no rate given: counted as the base currency
    cursor = db.session.connection().connection.driver_connection.cursor()
    refresh_customer_metrics(cursor, shop.id, "SELECT unnest(%(guids)s::text[])", {"guids": [customer.guid]})
    db.session.refresh(customer)
    assert (customer.orders_count, customer.total_spent) == (3, Decimal("2020.00"))  # not 1050 koruna-and-euro
    assert db.session.get(Customer, customer.id).total_spent == Decimal("2020.00")
