"""Marketing consent in Shoptet: the system mailing list `newsletters` ("the e-mails of all customers who
agreed to receiving e-mails"; an unsubscribed e-mail leaves it). Shoptet's customer record has no consent
field, so the list is the record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from app.channels.shoptet.api import client_for_shop


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def marketing_consents(shop) -> Iterator[tuple[str, datetime | None]]:
    client = client_for_shop(shop)
    for page in client.pages("/api/mailing-lists/newsletters", "emails"):
        for entry in page.items:
            email = (entry.get("email") or "").strip().lower()
            if email:
                yield email, _when(entry.get("added"))
