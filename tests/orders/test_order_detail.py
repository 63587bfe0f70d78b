"""The order detail: items, prices, addresses, payment and shipping, notes, raw JSON folded, the admin link."""

from sqlalchemy import func, select

from app.orders.models import Order, OrderItem
from tests.orders.tables import add_order


def _order_with_notes(db, shop) -> Order:
    """A registered customer's order with a remark (a quarter of the generated orders are guests')."""
    return db.session.execute(
        select(Order).where(Order.shop_id == shop.id, Order.raw["notes"]["customerRemark"].astext.is_not(None),
                            Order.customer_guid.is_not(None))
        .order_by(Order.id).limit(1)
    ).scalar_one()


def test_detail_of_an_imported_order(client, db, imported):
    order = _order_with_notes(db, imported)
    items = db.session.execute(select(func.count()).select_from(OrderItem)
                               .where(OrderItem.order_id == order.id)).scalar_one()
    response = client.get(f"/orders/{order.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first_item = db.session.execute(
        select(OrderItem.name).where(OrderItem.order_id == order.id, OrderItem.position == 1)).scalar_one()
    assert items == order.item_count > 0 and html.count('class="item-row"') == items
    assert first_item in html
    billing = order.raw["billingAddress"]
    assert billing["city"] in html and billing["street"] in html
    assert order.payment_method in html and order.shipping_method in html
    assert order.raw["notes"]["customerRemark"] in html
    assert f'href="{order.raw["adminUrl"]}"' in html and 'rel="noopener noreferrer"' in html
    assert '<details class="raw-json">' in html and order.raw["guid"] in html
    assert 'id="customer-link"' in html  # the buyer is a registered customer of the shop


def test_admin_link_only_for_http_urls(client, db, tenant):
    order = add_order(db.session, tenant.shop_a, raw={"adminUrl": "javascript:alert(1)"})
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="admin-link"' not in html
