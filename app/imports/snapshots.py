"""Getting a snapshot file for a run: request the job, wait for it, download the result to disk.

Each step is recorded in the run's checkpoint (job id, result URL, downloaded file), so a run that is
killed and resumed does not ask Shoptet for a new snapshot it already has. The file lives under
var/imports/ and is deleted when the run succeeds, or when it turns out damaged (a new snapshot is asked).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.channels.shoptet.api import client_for_shop
from app.embedded import var_dir
from app.shoptet import JobFailed, JobPollLimitExceeded, JobTimeout, SnapshotError, WebhookRequired
from app.sync import ledger
from app.sync.models import SyncRun
from app.webhooks.services import webhook_url

JOB_FINISHED_EVENT = "job:finished"
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def imports_dir() -> Path:
    path = Path(current_app.config.get("IMPORTS_DIR") or var_dir() / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path(run_id: int, phase: int) -> Path:
    return imports_dir() / f"run-{run_id}-phase-{phase}.jsonl.gz"


def _save_checkpoint(session: Session, run: SyncRun, token: int, checkpoint: dict) -> None:
    ledger.fence(session, run.id, token)
    session.execute(update(SyncRun).where(SyncRun.id == run.id).values(
        checkpoint=checkpoint, remote_job_id=checkpoint.get("job_id")))
    session.commit()
    run.checkpoint = checkpoint


def ensure_job_finished_webhook(client, shop_id: int) -> None:
    """Shoptet refuses snapshots unless a job:finished webhook is registered for the token."""
    if any(hook.get("event") == JOB_FINISHED_EVENT for hook in client.iter_webhooks()):
        return
    client.register_webhook(JOB_FINISHED_EVENT, webhook_url(shop_id))


def acquire_snapshot(session: Session, run: SyncRun, token: int, phase: int, language: str | None) -> str:
    """A complete local copy of this phase's snapshot file; requests and waits only if needed."""
    checkpoint = dict(run.checkpoint or {})
    path = local_path(run.id, phase)
    if checkpoint.get("downloaded") and path.exists():
        return str(path)
    with client_for_shop(run.shop) as client:
        if not checkpoint.get("result_url"):
            if not checkpoint.get("job_id"):
                requested_at = datetime.now(UTC)
                try:
                    job_id = client.request_snapshot(run.kind, language=language, **_includes(run.kind))
                except WebhookRequired:
                    ensure_job_finished_webhook(client, run.shop_id)
                    job_id = client.request_snapshot(run.kind, language=language, **_includes(run.kind))
                checkpoint |= {"job_id": job_id, "result_url": None, "downloaded": False}
                if not checkpoint.get("requested_at"):  # the earliest request is the safe watermark
                    checkpoint["requested_at"] = requested_at.isoformat()
                _save_checkpoint(session, run, token, checkpoint)
            try:
                job = client.wait_for_job(checkpoint["job_id"], **_wait_options())
            except (JobTimeout, JobPollLimitExceeded, JobFailed):
                # This job is spent (failed, or its poll budget is used up): the next attempt starts a new one.
                _save_checkpoint(session, run, token, checkpoint | {"job_id": None, "line_no": 0})
                raise
            checkpoint |= {"result_url": job["resultUrl"]}
            _save_checkpoint(session, run, token, checkpoint)
        try:
            download(client.transport.http, checkpoint["result_url"], path)
        except SnapshotError:
            # Gone (results live 24 h) or refused: ask for a new snapshot next time, from line 0.
            _save_checkpoint(session, run, token,
                             checkpoint | {"job_id": None, "result_url": None, "line_no": 0})
            raise
    _save_checkpoint(session, run, token, checkpoint | {"downloaded": True})
    return str(path)


def forget_download(session: Session, run: SyncRun, token: int, phase: int) -> None:
    """After a damaged download: delete it, and let the next attempt ask for a new snapshot.

    The damage may be in the stored result itself, so fetching the same URL again could fail forever.
    A new snapshot's lines need not match the old one's numbering, so the phase restarts at line 0;
    lines already imported are simply found unchanged.
    """
    local_path(run.id, phase).unlink(missing_ok=True)
    _save_checkpoint(session, run, token, dict(run.checkpoint or {}) | {
        "downloaded": False, "job_id": None, "result_url": None, "line_no": 0})


def download(http: httpx.Client, url: str, path: Path) -> None:
    """Stream the result to disk (never whole in memory), atomically renamed when complete."""
    partial = path.with_suffix(".part")
    with http.stream("GET", url, timeout=DOWNLOAD_TIMEOUT, headers={"Accept-Encoding": "identity"}) as response:
        if response.status_code in (404, 410):
            raise SnapshotError("The snapshot result has expired (Shoptet keeps it 24 hours); a new one is needed.",
                                status=response.status_code)
        response.raise_for_status()
        with open(partial, "wb") as handle:
            for chunk in response.iter_raw(1 << 20):
                handle.write(chunk)
    os.replace(partial, path)


def _includes(kind: str) -> dict:
    if kind == "products":
        return {"include": ["perStockAmounts", "variantParameters"]}
    if kind == "orders":
        return {"include": ["notes", "shippingDetails"]}
    return {}


def _wait_options() -> dict:
    """Poll Shoptet's job within its 10-read limit, doubling the interval from the first poll.

    Polling works whether or not the job:finished webhook reaches us (a lost webhook cannot stall an
    import); the webhook is stored in the inbox all the same.
    """
    config = current_app.config
    return {"timeout": float(config.get("SNAPSHOT_WAIT_SECONDS", 1800)), "max_polls": 10,
            "first_poll_after": float(config.get("SNAPSHOT_FIRST_POLL_SECONDS", 2.0))}
