"""What the monitoring page says first: healthy or not, and why; logged errors grouped by their cause.

Thirty raw exceptions under "No open incidents" told an operator nothing. Errors are grouped by what caused
them (the logger, the message with its numbers, ids and quoted values blanked, and the exception's type),
each group counted with its first and last time, so one failing cause reads as one line with "× 27".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

RECENT = timedelta(hours=1)  # errors this recent make the platform "not healthy"
SCHEDULER_SILENT = timedelta(minutes=3)  # the scheduler ticks every few seconds; minutes of silence is a stop

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_HEX = re.compile(r"\b(?:0x)?[0-9a-f]{8,}\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Timeout|Refused|Exit|Interrupt)\w*)\b", re.M)


@dataclass
class ErrorGroup:
    cause: str  # the message's first line, with what varies blanked
    logger: str
    exception: str  # the exception type, when a traceback came with the message
    count: int
    first: datetime
    last: datetime
    sample: str  # the newest full message


@dataclass
class Summary:
    healthy: bool
    reasons: list[str] = field(default_factory=list)


def cause_of(message: str) -> tuple[str, str]:
    """(the first line with the varying parts blanked, the exception type or '')."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    blanked = _NUMBER.sub("N", _HEX.sub("…", _QUOTED.sub("'…'", first)))
    exceptions = _EXCEPTION.findall(message or "")
    return blanked[:300], (exceptions[-1] if exceptions else "")


def group_errors(errors) -> list[ErrorGroup]:
    """Errors (newest first) grouped by logger and cause; the most frequent first, then the most recent."""
    groups: dict[tuple[str, str, str], ErrorGroup] = {}
    for error in errors:
        cause, exception = cause_of(error.message)
        key = (error.logger, cause, exception)
        group = groups.get(key)
        if group is None:
            groups[key] = ErrorGroup(cause, error.logger, exception, 1, error.at, error.at, error.message)
        else:
            group.count += 1
            group.first, group.last = min(group.first, error.at), max(group.last, error.at)
    return sorted(groups.values(), key=lambda g: (-g.count, -g.last.timestamp()))


def summarize(view) -> Summary:
    """Healthy, or the reasons it is not, in the order an operator should look at them."""
    reasons = []
    if view.redis_error:
        reasons.append(_("Redis is unreachable: queues and live figures cannot be read."))
    if view.operator and not view.redis_error and not any(view.worker_alive(w) for w in view.workers):
        reasons.append(_("No worker is alive: nothing on the queues is being processed."))
    if view.operator and not view.redis_error and (
            view.scheduler_heartbeat is None or view.now - view.scheduler_heartbeat > SCHEDULER_SILENT):
        reasons.append(_("The scheduler is silent: no syncs, retries or recoveries are being started."))
    if view.incidents:
        reasons.append(ngettext("%(num)s open incident.", "%(num)s open incidents.", len(view.incidents)))
    stuck = [item for item in view.active_runs if item.stuck_reason]
    if stuck:
        reasons.append(ngettext("%(num)s run is stuck.", "%(num)s runs are stuck.", len(stuck)))
    if view.failed_runs:
        reasons.append(ngettext("%(num)s failed run waits for a retry.", "%(num)s failed runs wait for a retry.",
                                len(view.failed_runs)))
    recent = [g for g in getattr(view, "error_groups", []) if view.now - g.last <= RECENT]
    if recent:
        count = sum(g.count for g in recent)
        reasons.append(ngettext("%(num)s error logged in the last hour", "%(num)s errors logged in the last hour",
                                count) + " " + ngettext("(%(num)s cause).", "(%(num)s causes).", len(recent)))
    return Summary(healthy=not reasons, reasons=reasons)
