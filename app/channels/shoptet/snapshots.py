"""Shoptet's full import: a snapshot (request → wait → download) read line by line, or a local snapshot file.

Each step is kept in the run's checkpoint (`job_id`, `result_url`, `downloaded`, then `line_no` with every
batch), so a run that is killed and resumed does not ask Shoptet for a snapshot it already has, nor read
again the lines it wrote. The download lives in the run's scratch file and is forgotten when it turns out
damaged: the damage may be in the stored result itself, so the next attempt asks for a new snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from flask import current_app

from app.channels.base import ImportContext, SourceDamaged
from app.channels.shoptet.api import client_for_shop
from app.channels.shoptet.reader import SnapshotFile
from app.channels.shoptet.webhooks import JOB_FINISHED
from app.crypto import encrypt
from app.imports.records import BadRecord, RecordError
from app.shoptet import JobFailed, JobPollLimitExceeded, JobTimeout, SnapshotCorrupt, SnapshotError, WebhookRequired
from app.webhooks.urls import webhook_url

DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
INCLUDES = {"products": ("perStockAmounts", "variantParameters"), "orders": ("notes", "shippingDetails")}


class SnapshotLines:
    """The records of one snapshot file, from the line after `checkpoint['line_no']` on."""

    def __init__(self, mapper: Callable[[dict], object], checkpoint: dict):
        self.mapper = mapper
        self.state = dict(checkpoint)
        self.done = int(self.state.get("line_no", 0))
        self.file: SnapshotFile | None = None

    def path(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def damaged(self, exc: SnapshotCorrupt) -> SourceDamaged:  # pragma: no cover - interface
        raise NotImplementedError

    def records(self) -> Iterator[object]:
        self.file = SnapshotFile(self.path())
        skip = self.done
        try:
            for line_no, raw in self.file.lines():
                if line_no <= skip:
                    continue
                self.done = line_no
                try:
                    obj = orjson.loads(raw)
                    if not isinstance(obj, dict):
                        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
                    yield self.mapper(obj)
                except (orjson.JSONDecodeError, RecordError) as exc:
                    yield BadRecord(line_no, f"line {line_no}: {exc}", raw)
        except SnapshotCorrupt as exc:
            raise self.damaged(exc) from exc

    def checkpoint(self) -> dict:
        return {**self.state, "line_no": self.done}

    def total(self) -> int | None:
        """Lines in the whole file, extrapolated from the compressed bytes read so far."""
        return self.file.estimate_total(self.done) if self.file is not None else None


class SnapshotFileSource(SnapshotLines):
    """A snapshot file an operator has (`flask hub import-snapshot`)."""

    def __init__(self, path: str, mapper: Callable[[dict], object], checkpoint: dict):
        super().__init__(mapper, checkpoint)
        self.local = path

    def path(self) -> str:
        if not self.local or not os.path.exists(self.local):
            raise SourceDamaged(f"The file {self.local} does not exist (any more).")
        return self.local

    def damaged(self, exc: SnapshotCorrupt) -> SourceDamaged:
        return SourceDamaged(f"The snapshot file is damaged: {exc}. Rows from complete lines before the damage "
                             "were kept; nothing was deleted. Import a complete file.", retryable=False)


class SnapshotSource(SnapshotLines):
    """A snapshot Shoptet makes for this run: asked for, waited on and downloaded once, then read."""

    def __init__(self, shop, kind: str, context: ImportContext, mapper: Callable[[dict], object]):
        super().__init__(mapper, context.checkpoint)
        self.shop, self.kind, self.context = shop, kind, context

    def _save(self, state: dict) -> None:
        self.context.save(state, remote_job_id=state.get("job_id"))
        self.state = state

    def path(self) -> str:
        """A complete local copy of this phase's snapshot file; asks and waits only if needed."""
        state = dict(self.state)
        path = self.context.scratch
        if state.get("downloaded") and path.exists():
            return str(path)
        with client_for_shop(self.shop) as client:
            if not state.get("result_url"):
                if not state.get("job_id"):
                    requested_at = datetime.now(UTC)
                    state |= {"job_id": self._request(client), "result_url": None, "downloaded": False}
                    if not state.get("requested_at"):  # the earliest request is the safe watermark
                        state["requested_at"] = requested_at.isoformat()
                    self._save(state)
                try:
                    job = client.wait_for_job(state["job_id"], wake=self._job_finished, **_wait_options())
                except (JobTimeout, JobPollLimitExceeded, JobFailed):
                    # This job is spent (failed, or its poll budget is used up): the next attempt starts a new one.
                    self._save(state | {"job_id": None, "line_no": 0})
                    raise
                state |= {"result_url": job["resultUrl"]}
                self._save(state)
            try:
                download(client.transport.http, state["result_url"], path)
            except SnapshotError:
                # Gone (results live 24 h) or refused: ask for a new snapshot next time, from line 0.
                self._save(state | {"job_id": None, "result_url": None, "line_no": 0})
                raise
        self._save(state | {"downloaded": True})
        return str(path)

    def _request(self, client) -> str:
        includes = {"include": list(INCLUDES[self.kind])} if self.kind in INCLUDES else {}
        try:
            return client.request_snapshot(self.kind, language=self.context.language, **includes)
        except WebhookRequired:
            ensure_job_finished_webhook(client, self.shop)
            self._save(self.state)  # the signature key, if one was made, is committed before anything is asked
            return client.request_snapshot(self.kind, language=self.context.language, **includes)

    def _job_finished(self, job_id: str) -> bool:
        """Has Shoptet's (verified) job:finished webhook for the job reached the inbox? It wakes the wait."""
        return self.context.event_received(JOB_FINISHED, job_id)

    def damaged(self, exc: SnapshotCorrupt) -> SourceDamaged:
        """Delete the download and let the next attempt ask for a new snapshot. A new snapshot's lines need
        not match the old one's numbering, so the phase restarts at line 0; lines already imported are simply
        found unchanged."""
        self.context.scratch.unlink(missing_ok=True)
        self._save(self.state | {"downloaded": False, "job_id": None, "result_url": None, "line_no": 0})
        self.done = 0
        return SourceDamaged(f"The downloaded snapshot is damaged ({exc}); a new snapshot will be requested.",
                             retryable=True)


def ensure_job_finished_webhook(client, shop) -> None:
    """Shoptet refuses snapshots unless a job:finished webhook is registered for the token. Its deliveries are
    signed with the e-shop's signature key: without one kept on the shop, every delivery would be refused
    (401), so a shop that has none gets a new one."""
    if not any(hook.get("event") == JOB_FINISHED for hook in client.iter_webhooks()):
        client.register_webhook(JOB_FINISHED, webhook_url(shop))
    if shop.webhook_key_encrypted is None:
        shop.webhook_key_encrypted = encrypt(client.renew_signature_key())


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


def _wait_options() -> dict:
    """Poll Shoptet's job within its 10-read limit, doubling the interval from the first poll.

    Polling works whether or not the job:finished webhook reaches us (a lost webhook cannot stall an
    import); the webhook is stored in the inbox all the same.
    """
    config = current_app.config
    return {"timeout": float(config.get("SNAPSHOT_WAIT_SECONDS", 1800)), "max_polls": 10,
            "first_poll_after": float(config.get("SNAPSHOT_FIRST_POLL_SECONDS", 2.0))}
