"""Marketing consent per shop, read through the shop's channel (`Channel.marketing_consents`) and kept in
`marketing_consents`; audience exports (app/analytics/audiences.py) include only these e-mails.

Read at every full refresh; the list is replaced only when it was read whole, so a platform that fails half
way keeps the last complete list (and the refresh goes on: its figures do not depend on consent).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.channels import channel_for

log = logging.getLogger(__name__)


def replace_consents(session: Session, shop_id: int, entries) -> int:
    """Store the shop's consents (e-mail, since), replacing the previous list; returns how many."""
    latest: dict[str, datetime | None] = {}
    for email, since in entries:
        email = (email or "").strip().lower()
        if email:
            latest[email] = since
    session.execute(text("DELETE FROM marketing_consents WHERE shop_id = :s"), {"s": shop_id})
    connection = session.connection().connection.driver_connection
    now = datetime.now(UTC)
    with connection.cursor() as cursor, cursor.copy(
            "COPY marketing_consents (shop_id, email, consented_at, recorded_at) FROM STDIN") as copy:
        for email, since in latest.items():
            copy.write_row((shop_id, email, since, now))
    return len(latest)


def refresh_consents(session: Session, shop) -> int | None:
    """Read the shop's consents from its platform (None: the platform keeps none, or reading failed)."""
    try:
        entries = channel_for(shop).marketing_consents(shop)
        if entries is None:
            return None
        entries = list(entries)  # read whole before anything is replaced
    except Exception as exc:  # noqa: BLE001 (any platform failure keeps the last complete list)
        log.warning("consents of shop %s not read: %s", shop.id, exc)
        return None
    return replace_consents(session, shop.id, entries)
