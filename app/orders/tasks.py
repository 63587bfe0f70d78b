"""RQ jobs of the orders: status changes. They take ids; their rows are the progress the pages poll."""

from __future__ import annotations

from app.extensions import db
from app.orders import queries, services
from app.orders.models import OrderStatusChange
from app.orgs.scoping import org_shops
from app.shops.clients import MissingCredentials, client_for_shop
from app.shoptet import ShoptetClient
from app.shoptet.errors import ShoptetError

# --- status changes ------------------------------------------------------------------------------------------

def apply_status_change(change_id: int) -> str:
    """Send change `change_id` to Shoptet, one bulk call per shop, and record each order's outcome.

    No transaction stays open while Shoptet answers: the orders are read, the clients built, then committed.
    """
    session = db.session
    try:
        change = session.get(OrderStatusChange, change_id)
        if change is None or change.status in services.FINISHED:
            return "skipped"
        change.status = "running"
        status_id = change.status_id
        pending = queries.pending_status_change_orders(session, change_id)
        shops = {shop.id: shop for shop in org_shops(session, change.organization_id)}
        clients = {shop_id: _client(shops.get(shop_id)) for shop_id in pending}
        session.commit()
        for shop_id, orders in pending.items():
            changed, failed = _send(clients[shop_id], orders, status_id)
            services.record_status_outcomes(session, change_id, changed, failed)
            session.commit()  # each shop's outcome stands on its own
        services.finish_status_change(session, session.get(OrderStatusChange, change_id))
        session.commit()
        return session.get(OrderStatusChange, change_id).status
    except Exception as exc:
        session.rollback()
        change = session.get(OrderStatusChange, change_id)
        if change is not None:
            services.finish_status_change(session, change, error=f"The status change stopped: {exc}")
            session.commit()
        raise
    finally:
        session.remove()


def _client(shop) -> ShoptetClient | str:
    """The shop's Shoptet client, or why there is none."""
    if shop is None:
        return "The order's shop is no longer in this organization."
    try:
        return client_for_shop(shop)
    except MissingCredentials as exc:
        return str(exc)


def _send(client: ShoptetClient | str, orders: list[tuple[int, str]],
          status_id: int) -> tuple[list[int], dict[int, str]]:
    """One shop's orders (id, code) → Shoptet; returns the ids changed and an error per order that was not."""
    if isinstance(client, str):
        return [], {order_id: client for order_id, _ in orders}
    try:
        with client:
            result = client.set_orders_status([code for _, code in orders], status_id)
    except ShoptetError as exc:
        return [], {order_id: f"Shoptet refused the change: {exc}" for order_id, _ in orders}
    failed = {order_id: f"{result.failed[code].message} ({result.failed[code].error_code})"
              for order_id, code in orders if code in result.failed}
    return [order_id for order_id, _ in orders if order_id not in failed], failed
