"""What workers do, for ops: one structured line per run event (claim, progress, retry, finish, failure).

Each line is logfmt (`event=run.claim run=42 shop=3 kind=orders mode=snapshot attempt=1`) on the `hub.runs`
logger at INFO (failures at WARNING), which the worker sends to stdout for journald; the same fields travel
as the record's `hub` attribute for a structured formatter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("hub.runs")


@dataclass(frozen=True)
class RunRef:
    """A run's identity as plain values (an ORM object would be reloaded after each commit to read them)."""

    id: int
    shop_id: int
    kind: str
    mode: str

    @classmethod
    def of(cls, run) -> RunRef:
        return cls(run.id, run.shop_id, run.kind, run.mode)


def _value(value) -> str:
    text = str(value)
    if not text or any(char in text for char in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    return text


def _line(level: int, event: str, run: RunRef, **fields) -> None:
    values = {"event": f"run.{event}", "run": run.id, "shop": run.shop_id, "kind": run.kind, "mode": run.mode}
    values.update((key, value) for key, value in fields.items() if value is not None)
    log.log(level, " ".join(f"{key}={_value(value)}" for key, value in values.items()), extra={"hub": values})


def claimed(run: RunRef, attempt: int) -> None:
    _line(logging.INFO, "claim", run, attempt=attempt)


def progress(run: RunRef, done: int, total: int | None, stats: dict) -> None:
    _line(logging.INFO, "progress", run, done=done, total=total, **stats)


def retrying(run: RunRef, attempt: int, error: str) -> None:
    _line(logging.INFO, "retry", run, attempt=attempt, error=error)


def finished(run: RunRef, outcome: str, **stats) -> None:
    _line(logging.INFO, "finish", run, outcome=outcome, **stats)


def failed(run: RunRef, attempt: int, error: str) -> None:
    _line(logging.WARNING, "fail", run, attempt=attempt, error=error)
