"""The scheduler's pass for status changes: one whose job was lost (Redis flushed, the worker killed) is put back
on its queue, and sends only the orders still pending (setting a status twice at Shoptet is harmless)."""

from __future__ import annotations

from app.orders import services
from app.orders.models import OrderStatusChange
from app.tables.periodic import requeue_lost


def requeue_lost_status_changes(app) -> int:
    return requeue_lost(app, OrderStatusChange, services.enqueue_status_change)
