"""Start, cancel and retry imports from the UI: ledger rules, audit, enqueue after commit."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.db import run_after_commit
from app.sync import ledger
from app.sync.dispatch import enqueue_run
from app.sync.models import SyncRun


def enqueue_after_commit(session: Session, run: SyncRun) -> None:
    """Put the run on its queue once the transaction that created it commits."""
    redis = current_app.extensions["redis"]
    run_id, kind, mode = run.id, run.kind, run.mode
    run_after_commit(session, lambda: enqueue_run(redis, run_id, kind, mode))


def start_import(session: Session, shop, kind: str, *, actor_id: int | None) -> tuple[SyncRun, bool]:
    if shop.status != "active":
        raise ledger.LedgerError(_("The shop is disconnected: reconnect it before importing."))
    if shop.api_token_encrypted is None:
        raise ledger.LedgerError(_("The shop has no API token: add one before importing."))
    run, created = ledger.trigger(session, shop, kind, mode="snapshot", requested_by_id=actor_id)
    if created:
        record(session, organization_id=shop.organization_id, actor_id=actor_id, action="import.started",
               target_type="sync_run", target_id=run.id, kind=kind, shop_id=shop.id)
        enqueue_after_commit(session, run)
    return run, created


def start_job(session: Session, shop, kind: str, params: dict | None = None, *,
              actor_id: int | None) -> tuple[SyncRun, bool]:
    """A background job of a declared kind (app/sync/jobs.py) for the shop, or the one already active."""
    run, created = ledger.trigger(session, shop, kind, mode="job", requested_by_id=actor_id)
    if created:
        run.checkpoint = {"params": params or {}}
        record(session, organization_id=shop.organization_id, actor_id=actor_id, action="job.started",
               target_type="sync_run", target_id=run.id, kind=kind, shop_id=shop.id)
        enqueue_after_commit(session, run)
    return run, created


def cancel_run(session: Session, run: SyncRun, *, actor_id: int | None) -> bool:
    cancelled = ledger.cancel(session, run)
    if cancelled:
        record(session, organization_id=run.organization_id, actor_id=actor_id, action="import.cancelled",
               target_type="sync_run", target_id=run.id, kind=run.kind, shop_id=run.shop_id)
    return cancelled


def retry_run(session: Session, run: SyncRun, *, actor_id: int | None) -> SyncRun:
    run = ledger.retry(session, run)
    record(session, organization_id=run.organization_id, actor_id=actor_id, action="import.retried",
           target_type="sync_run", target_id=run.id, kind=run.kind, shop_id=run.shop_id)
    enqueue_after_commit(session, run)
    return run
