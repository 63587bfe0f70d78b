"""Credit notes (returns): list, detail, change log, restock."""

from __future__ import annotations

import time

from flask import Blueprint, g

from sandbox.api import ApiError, arg, bool_arg, dt_arg, envelope, page_args
from sandbox.routes.orders import change_log
from sandbox.store.creditnotes import CreditNoteError

bp = Blueprint("creditnotes", __name__)


@bp.get("/api/credit-notes")
def list_credit_notes():
    notes = g.store.credit_notes
    # The sandbox's credit notes are not linked to invoices or proofs of payment: those filters match nothing.
    if arg("invoiceCode") is not None or arg("proofPaymentCode") is not None:
        selected = []
    else:
        selected = notes.select(created_from=dt_arg("creationTimeFrom"), created_to=dt_arg("creationTimeTo"),
                                var_symbol=arg("varSymbol"), is_valid=bool_arg("isValid"))
    page = page_args(20, 1000)
    page.check(len(selected))
    items = [notes.list_item(k) for k in selected[page.offset:page.offset + page.per_page]]
    return envelope({"creditNotes": items, "paginator": page.paginator(len(selected), len(items))})


@bp.get("/api/credit-notes/changes")
def credit_note_changes():
    since = dt_arg("from", required=True)
    return change_log(g.store.credit_notes.changes(since, time.time()), "code", 20, 1000)


def _find(code: str) -> int:
    k = g.store.credit_notes.find(code)
    if k is None:
        raise ApiError(404, "credit-note-not-found", f'Credit note with code "{code}" not found.', code)
    return k


@bp.get("/api/credit-notes/<code>")
def credit_note(code: str):
    return envelope({"creditNote": g.store.credit_notes.detail(_find(code))})


@bp.post("/api/credit-notes/<code>/restock")
def restock(code: str):
    try:
        events = g.store.restock(code)
    except CreditNoteError as exc:
        raise ApiError(exc.status, exc.code, exc.message, code) from None
    for event, instance in events:
        g.sandbox.hub.emit(g.eshop_id, event, instance)
    return envelope({"notes": []})
