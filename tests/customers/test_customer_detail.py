"""The customer detail: accounts and addresses from `raw`, the metrics columns, and their orders (keyset)."""

from sqlalchemy import select

from app.customers.models import Customer
from app.formats import format_money
from app.orders.models import Order
from app.settings.services import update_settings
from tests.orders.tables import cursors


def _best_customer(db, shop) -> Customer:
    return db.session.execute(select(Customer).where(Customer.shop_id == shop.id)
                              .order_by(Customer.orders_count.desc(), Customer.id).limit(1)).scalar_one()


def test_detail_of_an_imported_customer(client, db, imported):
    customer = _best_customer(db, imported)
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    account = customer.raw["accounts"][0]
    assert account["email"] in html and 'id="customer-accounts"' in html
    assert customer.raw["billingAddress"]["city"] in html
    for address in customer.raw["deliveryAddress"]:
        assert address["street"] in html
    assert f'<p class="figure" id="metric-orders">{customer.orders_count}</p>' in html
    assert format_money(customer.average_order_value, imported.currency, "en") in html
    own_orders = db.session.execute(select(Order.code).where(Order.shop_id == imported.id,
                                                             Order.customer_guid == customer.guid)).scalars().all()
    assert own_orders and all(code in html for code in own_orders[:5])


def test_customer_orders_page_by_keyset(app, client, db, imported, tenant):
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    customer = _best_customer(db, imported)
    codes = db.session.execute(
        select(Order.code).where(Order.shop_id == imported.id, Order.customer_guid == customer.guid)
        .order_by(Order.creation_time.desc(), Order.id.desc())).scalars().all()
    assert len(codes) > 10, "the generated shop has a customer with more than one page of orders"
    first = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert all(code in first for code in codes[:10]) and codes[10] not in first
    second = client.get(f"/customers/{customer.id}?cursor={cursors(first)['next']}",
                        headers={"HX-Request": "true", "HX-Target": "customer-orders"}).get_data(as_text=True)
    assert "<html" not in second and codes[10] in second and codes[0] not in second
