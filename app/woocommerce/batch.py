"""`.../batch` in chunks of at most 100 items, with WooCommerce's per-item errors collected.

A batch answers 200 even when items fail, each failure as `{"id", "error"}`;
nothing is transactional, so partial success is normal.  Chunks without creates
are idempotent (updates set values, deletes are permanent and a repeat only
says "invalid id"): the transport retries them on 5xx and timeouts, and when a
store keeps failing on a big chunk (PHP time limit) it is halved and resent, down
to single items.  A chunk with creates is resent only when the store certainly
did not act (the host's 429/503, no connection); otherwise `BatchIncomplete`
says which items may or may not exist now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import NetworkError, ServerError, WooError
from .transport import Transport

BATCH_LIMIT = 100
ACTIONS = ("create", "update", "delete")


@dataclass(frozen=True, slots=True)
class BatchItemError:
    action: str
    id: int
    code: str
    message: str
    status: int | None
    item: Any = None


@dataclass
class BatchResult:
    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    deleted: list[dict] = field(default_factory=list)
    errors: list[BatchItemError] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class BatchIncomplete(WooError):
    """A chunk with creates failed in a way that leaves it unknown which of its items the store made."""

    hint = "look the `uncertain` items up (by SKU or e-mail) before sending them again"

    def __init__(self, cause: WooError, result: BatchResult, uncertain: list[tuple[str, Any]],
                 unsent: list[tuple[str, Any]]):
        super().__init__(f"batch stopped: {cause}", status=cause.status, code=cause.code, data=cause.data,
                         method=cause.method, url=cause.url)
        self.cause = cause
        self.result = result
        self.uncertain = uncertain
        self.unsent = unsent


def run_batch(transport: Transport, path: str, *, create: Iterable[dict] = (), update: Iterable[dict] = (),
              delete: Iterable[int] = (), chunk_size: int = BATCH_LIMIT) -> BatchResult:
    """Send `create`, `update` and `delete` to `<path>/batch` in chunks of at most `chunk_size` items."""
    if not 1 <= chunk_size <= BATCH_LIMIT:
        raise ValueError(f"chunk_size must be between 1 and {BATCH_LIMIT}")
    items = [("create", x) for x in create] + [("update", x) for x in update] + [("delete", int(x)) for x in delete]
    result = BatchResult()
    chunks = [items[k:k + chunk_size] for k in range(0, len(items), chunk_size)]
    for index, chunk in enumerate(chunks):
        try:
            _send(transport, path, chunk, result)
        except _Failed as failed:
            rest = [item for later in chunks[index + 1:] for item in later]
            raise BatchIncomplete(failed.cause, result, failed.uncertain, failed.unsent + rest) from failed.cause
    return result


class _Failed(Exception):
    def __init__(self, cause: WooError, uncertain: list, unsent: list):
        super().__init__(str(cause))
        self.cause = cause
        self.uncertain = uncertain
        self.unsent = unsent


def _send(transport: Transport, path: str, chunk: Sequence[tuple[str, Any]], result: BatchResult) -> None:
    body: dict[str, list] = {}
    for action, item in chunk:
        body.setdefault(action, []).append(item)
    idempotent = "create" not in body
    try:
        result.requests += 1
        response = transport.request("POST", f"{path}/batch", json=body, idempotent=idempotent)
    except (ServerError, NetworkError) as err:
        if not idempotent:
            raise _Failed(err, list(chunk), []) from err
        if len(chunk) == 1:
            raise
        half = len(chunk) // 2  # the store cannot finish this many in time: halve and try again
        _send(transport, path, chunk[:half], result)
        _send(transport, path, chunk[half:], result)
        return
    _collect(response.data if isinstance(response.data, dict) else {}, body, result)


def _collect(data: dict, sent: dict[str, list], result: BatchResult) -> None:
    targets = {"create": result.created, "update": result.updated, "delete": result.deleted}
    for action in ACTIONS:
        for position, entry in enumerate(data.get(action) or []):
            if isinstance(entry, dict) and isinstance(entry.get("error"), dict):
                error = entry["error"]
                data_field = error.get("data") if isinstance(error.get("data"), dict) else {}
                sent_items = sent.get(action) or []
                result.errors.append(BatchItemError(
                    action, int(entry.get("id") or 0), str(error.get("code")), str(error.get("message")),
                    data_field.get("status"), sent_items[position] if position < len(sent_items) else None))
            else:
                targets[action].append(entry)
