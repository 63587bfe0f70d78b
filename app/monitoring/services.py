"""Incidents from findings, and one notification per incident. Flush, never commit (the caller does).

An incident opens when a finding's key has no open incident, stays open (last_seen_at moves) while the
finding is there, and resolves when a successful check no longer finds it. A condition that comes back
within REOPEN_WINDOW reopens its incident instead of opening (and alerting) anew, so a flapping check
does not page anyone twice. Notification is "send, then record": a crash between the two can repeat one
alert, never lose one; a failed delivery is retried with a growing pause while the incident stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.monitoring.alerts import Evaluation
from app.monitoring.models import Incident
from app.monitoring.notify import Destinations, deliver, split_addresses

REOPEN_WINDOW = timedelta(minutes=30)
MAX_RETRY_PAUSE = timedelta(hours=1)


@dataclass
class Reconciled:
    opened: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def reconcile_incidents(session: Session, evaluation: Evaluation, now: datetime | None = None) -> Reconciled:
    now = now or datetime.now(UTC)
    result = Reconciled()
    open_by_key = {incident.key: incident for incident in session.execute(
        select(Incident).where(Incident.resolved_at.is_(None))).scalars()}
    for finding in evaluation.findings:
        values = {"summary": finding.summary, "details": finding.details, "last_seen_at": now}
        incident = open_by_key.pop(finding.key, None)
        if incident is not None:
            session.execute(update(Incident).where(Incident.id == incident.id).values(**values))
            continue
        recent = session.execute(
            select(Incident).where(Incident.key == finding.key, Incident.resolved_at > now - REOPEN_WINDOW)
            .order_by(Incident.resolved_at.desc()).limit(1)).scalar_one_or_none()
        if recent is not None:
            session.execute(update(Incident).where(Incident.id == recent.id).values(resolved_at=None, **values))
            result.reopened.append(finding.key)
            continue
        inserted = session.execute(
            insert(Incident).values(key=finding.key, kind=finding.kind, organization_id=finding.organization_id,
                                    shop_id=finding.shop_id, opened_at=now, notify_attempts=0, **values)
            .on_conflict_do_nothing(index_elements=["key"], index_where=Incident.resolved_at.is_(None))
            .returning(Incident.id)).scalar_one_or_none()
        if inserted is not None:
            result.opened.append(finding.key)
    for key, incident in open_by_key.items():
        if incident.kind in evaluation.checked:
            session.execute(update(Incident).where(Incident.id == incident.id).values(resolved_at=now))
            result.resolved.append(key)
    session.flush()
    session.expire_all()
    return result


def destinations_for(incident: Incident, config, org_settings: Callable[[int], dict]) -> Destinations:
    destinations = Destinations(split_addresses(config.get("OPS_ALERT_EMAIL", "")))
    if config.get("OPS_ALERT_WEBHOOK_URL"):
        destinations.webhooks.append((config["OPS_ALERT_WEBHOOK_URL"], True))
    if incident.organization_id is not None:
        settings = org_settings(incident.organization_id)
        for address in split_addresses(settings.get("alert_email", "")):
            if address not in destinations.emails:
                destinations.emails.append(address)
        if settings.get("alert_webhook_url"):
            destinations.webhooks.append((settings["alert_webhook_url"], False))
    return destinations


def alert_message(incident: Incident, public_url: str) -> tuple[str, str, dict]:
    link = public_url.rstrip("/") + "/monitoring"
    subject = f"[Commerce Hub] {incident.summary}"[:250]
    body = (f"{incident.summary}\n\nKind: {incident.kind}\nOpened: {incident.opened_at:%Y-%m-%d %H:%M UTC}\n"
            f"Incident #{incident.id} ({incident.key})\n\nThis alert is sent once per incident; "
            f"the monitoring page shows whether it is still open: {link}\n")
    payload = {"text": subject, "incident": {
        "id": incident.id, "key": incident.key, "kind": incident.kind, "summary": incident.summary,
        "organization_id": incident.organization_id, "shop_id": incident.shop_id,
        "opened_at": incident.opened_at.isoformat(), "details": incident.details}, "url": link}
    return subject, body, payload


def notify_pending(session: Session, config, org_settings: Callable[[int], dict], now: datetime | None = None,
                   send=deliver) -> list[int]:
    """Send the alert of every open incident not yet notified; returns the ids that were sent."""
    now = now or datetime.now(UTC)
    pending = session.execute(
        select(Incident).where(Incident.resolved_at.is_(None), Incident.notified_at.is_(None),
                               (Incident.next_notify_at.is_(None)) | (Incident.next_notify_at <= now))
        .order_by(Incident.id)).scalars().all()
    sent = []
    for incident in pending:
        destinations = destinations_for(incident, config, org_settings)
        if not destinations:
            incident.notified_at = now
            incident.notify_error = ("nowhere to send it: set the organization's alert e-mail or webhook, "
                                     "or HUB_OPS_ALERT_EMAIL / HUB_OPS_ALERT_WEBHOOK_URL")
            continue
        subject, body, payload = alert_message(incident, config.get("HUB_PUBLIC_URL", ""))
        delivered, errors = send(config, destinations, subject, body, payload)
        incident.notify_attempts += 1
        incident.notify_error = "; ".join(errors)[:2000] or None
        if delivered:
            incident.notified_at = now
            sent.append(incident.id)
        else:
            incident.next_notify_at = now + min(timedelta(minutes=2 ** incident.notify_attempts), MAX_RETRY_PAUSE)
    session.flush()
    return sent
