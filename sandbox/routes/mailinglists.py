"""Marketing consent as Shoptet keeps it: the system mailing list "newsletters" and opt-outs.

Shoptet's customer object has no consent field (its schema forbids additional
properties); customers who agreed to receive e-mails are in the system
distribution list "newsletters" (`GET /api/mailing-lists/newsletters`, with the
time they were added), and those who opted out later are in
`GET /api/unsubscribed-emails` (with the time they left).
"""

from __future__ import annotations

import time

from flask import Blueprint, g

from sandbox.api import ApiError, dt_arg, envelope, page_args
from sandbox.formats import fmt_dt
from sandbox.routes.orders import change_log

bp = Blueprint("mailinglists", __name__)
NEWSLETTERS = "newsletters"


@bp.get("/api/mailing-lists")
def mailing_lists():
    return envelope({"mailingLists": [{"code": NEWSLETTERS, "name": "Newsletter"}]})


def _list(code: str) -> None:
    if code != NEWSLETTERS:
        raise ApiError(404, "mailing-list-not-found", f'Mailing list with code "{code}" not found.', code)


@bp.get("/api/mailing-lists/<code>")
def mailing_list(code: str):
    _list(code)
    customers = g.store.customers
    subscribed, _left = customers.consents()
    page = page_args(500, 500)
    page.check(len(subscribed))
    chunk = subscribed[page.offset:page.offset + page.per_page]
    emails = [{"email": customers.email(j), "added": fmt_dt(customers.subscribed_at(j))} for j in chunk]
    return envelope({"emails": emails, "paginator": page.paginator(len(subscribed), len(emails))})


@bp.get("/api/mailing-lists/<code>/changes")
def mailing_list_changes(code: str):
    """Additions within the 30-day history (`edit`); the generated history ends earlier, so usually empty."""
    _list(code)
    since = dt_arg("from", required=True)
    customers = g.store.customers
    horizon = max(since, int(time.time()) - 30 * 86400)
    subscribed, left = customers.consents()
    added = ((j, customers.subscribed_at(j)) for j in subscribed)
    entries = [(customers.email(j), at, "edit") for j, at in added if at >= horizon]
    entries += [(customers.email(j), at, "delete") for j, at in left if at >= horizon]
    entries.sort(key=lambda e: (e[1], e[0]))
    return change_log(entries, "email", 500, 500)


@bp.get("/api/unsubscribed-emails")
def unsubscribed():
    customers = g.store.customers
    since = dt_arg("from")
    _subscribed, left = customers.consents()
    rows = [(j, at) for j, at in left if since is None or at >= since]
    page = page_args(1000, 1000)
    page.check(len(rows))
    chunk = rows[page.offset:page.offset + page.per_page]
    items = [{"email": customers.email(j), "unsubscribedAt": fmt_dt(at)} for j, at in chunk]
    return envelope({"unsubscribedEmails": items, "paginator": page.paginator(len(rows), len(items))})
