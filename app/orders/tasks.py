"""RQ jobs of the orders: status changes. They take ids; their rows are the progress the pages poll."""

from __future__ import annotations

from dataclasses import dataclass

from app.channels import channel_for
from app.channels.base import ChannelError, ShopWriter
from app.extensions import db
from app.orders import queries, services
from app.orders.models import OrderStatusChange
from app.orgs.scoping import org_shops

# --- status changes ------------------------------------------------------------------------------------------

def apply_status_change(change_id: int) -> str:
    """Send change `change_id` to each shop's platform, one bulk call per shop, and record each order's outcome.

    No transaction stays open while a platform answers: the orders are read, the writers built, then committed.
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
        targets = {shop_id: _target(shops.get(shop_id), status_id, change.status_name) for shop_id in pending}
        session.commit()
        for shop_id, orders in pending.items():
            changed, failed = _send(targets[shop_id], orders, status_id)
            services.record_status_outcomes(session, change_id, changed, failed, status=targets[shop_id].status)
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


@dataclass
class _Target:
    """A shop the change goes to: its writer (or why there is none), and the hub's normalized status there."""

    writer: ShopWriter | None
    problem: str | None = None
    status: str | None = None


def _target(shop, status_id: int, status_name: str | None) -> _Target:
    if shop is None:
        return _Target(None, "The order's shop is no longer in this organization.")
    channel = channel_for(shop)
    try:
        return _Target(channel.writer(shop), status=channel.normalized_status(status_id, status_name))
    except ChannelError as exc:
        return _Target(None, str(exc))


def _send(target: _Target, orders: list[tuple[int, str]], status_id: int) -> tuple[list[int], dict[int, str]]:
    """One shop's orders (id, code) → its platform; returns the ids changed and an error per order that was not."""
    if target.writer is None:
        return [], {order_id: target.problem for order_id, _ in orders}
    try:
        with target.writer as writer:
            result = writer.set_order_status([code for _, code in orders], status_id)
    except ChannelError as exc:
        return [], {order_id: str(exc) for order_id, _ in orders}
    failed = {order_id: result.failed[code] for order_id, code in orders if code in result.failed}
    return [order_id for order_id, _ in orders if order_id not in failed], failed
