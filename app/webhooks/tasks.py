"""RQ jobs for the webhook inbox. They take ids."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.webhooks.dispatch import marker_key
from app.webhooks.services import process_pending


def process_shop_events(shop_id: int) -> int:
    current_app.extensions["redis"].delete(marker_key(shop_id))  # events from now on queue the next pass
    processed = process_pending(db.session, shop_id)
    db.session.commit()
    db.session.remove()
    return processed
