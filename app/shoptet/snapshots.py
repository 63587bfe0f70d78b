"""Snapshots: ask for a job, wait for it, stream its gzip JSON-lines result.

Shoptet builds "all orders/products/customers" as an asynchronous job. Its
job detail may be read at most 10 times while unfinished, so the normal way
to learn it finished is the ``job:finished`` webhook; polling is a spaced,
bounded fallback. The result file can be large, so it is decoded as a
stream: gzip chunk by chunk, one ``orjson.loads`` per line, never the whole
file in memory. A damaged file (truncated, bad CRC, not gzip) always raises
:class:`SnapshotCorrupt`; a bad line raises :class:`MalformedLine` unless the
caller asked to collect bad lines and continue.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from .errors import (
    Forbidden,
    JobFailed,
    JobPollLimitExceeded,
    JobTimeout,
    MalformedLine,
    NetworkError,
    ServerError,
    ShoptetError,
    SnapshotCorrupt,
    SnapshotError,
    WebhookRequired,
)
from .limits import Clock
from .transport import Transport, clean_params

SNAPSHOT_PATHS = {
    "orders": "/api/orders/snapshot",
    "customers": "/api/customers/snapshot",
    "products": "/api/products/snapshot",
    "credit_notes": "/api/credit-notes/snapshot",
}
#: Shoptet refuses job detail after 10 reads of an unfinished job.
JOB_POLL_LIMIT = 10
WAITING_STATUSES = frozenset({"pending", "running"})
FAILED_STATUSES = frozenset({"failed", "killed", "expired"})
GZIP_MAGIC = b"\x1f\x8b"
_OUT_CHUNK = 256 * 1024  # cap on decompressed bytes per step (gzip bombs, memory)
#: 403 codes that are not "job:finished webhook missing".
_OTHER_403 = frozenset({"invalid-token-no-rights", "missing-module", "job-detail-try-counter-exceeded-limit"})


# --------------------------------------------------------------------------- jobs


def request_snapshot(transport: Transport, kind: str, params: Mapping[str, Any] | None = None) -> str:
    """Start a snapshot job (``kind`` = orders/customers/products or an ``/api/...`` path); returns jobId."""
    path = SNAPSHOT_PATHS.get(kind, kind)
    if not path.startswith("/api/"):
        raise ValueError(f"unknown snapshot kind {kind!r}; use one of {sorted(SNAPSHOT_PATHS)} or an /api/ path")
    try:
        resp = transport.request("GET", path, params=params)
    except Forbidden as err:
        if err.error_code in _OTHER_403:
            raise
        raise WebhookRequired(
            err.message,
            status=err.status,
            error_code=err.error_code,
            instance=err.instance,
            request_id=err.request_id,
            errors=err.errors,
            method=err.method,
            url=err.url,
        ) from err
    data = resp.data if isinstance(resp.data, dict) else {}
    job_id = data.get("jobId")
    if not job_id:
        raise SnapshotError(
            f"snapshot request answered HTTP {resp.status} without a jobId",
            status=resp.status,
            request_id=resp.request_id,
        )
    return str(job_id)


def get_job(transport: Transport, job_id: str) -> dict:
    """Job detail (``data.job``). Counts toward the 10-read limit while the job is unfinished."""
    resp = transport.request("GET", f"/api/system/jobs/{job_id}")
    data = resp.data if isinstance(resp.data, dict) else {}
    job = data.get("job")
    if not isinstance(job, dict):
        raise SnapshotError(f"job {job_id}: response has no data.job", request_id=resp.request_id)
    return job


class _Waitable(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


#: Either an Event-like object set by the hub's webhook endpoint, or a callable
#: ``finished(job_id) -> bool`` answering "has job:finished arrived for this job?".
FinishedSignal = _Waitable | Callable[[str], bool]


def _settle(job: dict, job_id: str) -> dict | None:
    """Return the job if it is completed, raise if it failed, None while it runs."""
    status = str(job.get("status") or "")
    if status == "completed":
        if not job.get("resultUrl"):
            raise SnapshotError(f"job {job_id} completed without a resultUrl (log: {job.get('log')!r})")
        return job
    if status in FAILED_STATUSES:
        raise JobFailed(
            f"job {job_id} ended as {status!r}; log: {str(job.get('log') or '')[:500]!r}",
            job=job,
            instance=job_id,
        )
    return None


def wait_for_job(
    transport: Transport,
    job_id: str,
    *,
    finished: FinishedSignal | None = None,
    wake: FinishedSignal | None = None,
    timeout: float = 900.0,
    max_polls: int = 8,
    first_poll_after: float = 2.0,
    max_poll_interval: float = 120.0,
    signal_check_interval: float = 1.0,
    clock: Clock | None = None,
) -> dict:
    """Block until job ``job_id`` is completed and return its detail (with ``resultUrl``).

    With ``finished`` the wait is for the hub's ``job:finished`` webhook; the
    job is then read once (and polled further only if it is somehow still
    running). If the signal does not come within ``timeout`` the job is read
    one last time. Without ``finished`` the job is polled at most
    ``max_polls`` times (≤ 10, Shoptet's limit): doubling intervals first,
    then evenly spaced up to ``timeout``. With ``wake`` (the same kinds of
    signal as ``finished``) the job is polled on that schedule all the same,
    but a signal ends the pause before the next poll at once: the webhook
    makes the wait short, the polls keep a lost webhook from stalling it.
    Raises :class:`JobFailed` if the job failed and :class:`JobTimeout` when
    time or polls are used up.
    """
    if not 1 <= max_polls <= JOB_POLL_LIMIT:
        raise ValueError(f"max_polls must be within 1..{JOB_POLL_LIMIT}")
    clock = clock or transport.clock
    deadline = clock.monotonic() + timeout
    polls = 0
    last_status: str | None = None

    def poll() -> dict | None:
        nonlocal polls, last_status
        polls += 1
        try:
            job = get_job(transport, job_id)
        except JobPollLimitExceeded as err:
            raise JobTimeout(
                f"job {job_id}: Shoptet's job-detail limit is used up (status was {last_status!r})",
                job_id=job_id,
                last_status=last_status,
                request_id=err.request_id,
            ) from err
        last_status = str(job.get("status") or "")
        return _settle(job, job_id)

    if finished is not None:
        if _wait_signal(finished, job_id, deadline, signal_check_interval, clock):
            done = poll()
            if done is not None:
                return done
        elif max_polls > 0:
            # No webhook in time: one last look before giving up.
            done = poll()
            if done is not None:
                return done
            raise JobTimeout(
                f"job {job_id} not finished after {timeout:.0f}s without a job:finished webhook "
                f"(status {last_status!r})",
                job_id=job_id,
                last_status=last_status,
            )

    delay = first_poll_after
    while True:
        remaining = deadline - clock.monotonic()
        if polls >= max_polls or remaining <= 0:
            raise JobTimeout(
                f"job {job_id} not finished after {polls} poll(s) / {timeout:.0f}s (status {last_status!r})",
                job_id=job_id,
                last_status=last_status,
            )
        # First half of the polls: quick, doubling (short jobs finish fast); the rest are
        # spread evenly over the remaining time so the last one lands at the deadline.
        left = max_polls - polls
        step = min(delay, max_poll_interval) if polls < max_polls // 2 else remaining / left
        pause = min(step, remaining)
        if wake is None:
            clock.sleep(pause)
        elif _wait_signal(wake, job_id, clock.monotonic() + pause, signal_check_interval, clock):
            wake = None  # one early poll per signal; a job still running after it is polled on schedule
        done = poll()
        if done is not None:
            return done
        delay *= 2


def _wait_signal(finished: FinishedSignal, job_id: str, deadline: float, step: float, clock: Clock) -> bool:
    wait = getattr(finished, "wait", None)
    if callable(wait):
        return bool(wait(max(0.0, deadline - clock.monotonic())))
    check: Callable[[str], bool] = finished  # type: ignore[assignment]
    while True:
        if check(job_id):
            return True
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return False
        clock.sleep(min(step, remaining))


# --------------------------------------------------------------------------- result file


@dataclass(slots=True)
class SnapshotLine:
    """A parsed line; ``line_no`` (1-based) is for error reports."""

    line_no: int
    data: dict

    ok = True


@dataclass(slots=True)
class BadLine:
    """A line that is not a JSON object (yielded or passed to ``on_bad_line`` on request)."""

    line_no: int
    raw: bytes
    error: str

    ok = False


def gunzip_stream(chunks: Iterable[bytes], *, allow_plain: bool = False) -> Iterator[bytes]:
    """Decompress a gzip byte stream incrementally; raise SnapshotCorrupt unless it ended cleanly.

    Handles multi-member gzip. Detects: empty input, non-gzip data (unless
    ``allow_plain`` and it looks like JSON lines), bad CRC/length, garbage
    after the last member and a stream cut before its trailer.
    """
    it = iter(chunks)
    head = b""
    for chunk in it:
        head += chunk
        if len(head) >= 2:
            break
    if not head:
        raise SnapshotCorrupt("snapshot file is empty (not even a gzip header)")
    if head[:2] != GZIP_MAGIC:
        if allow_plain and head.lstrip()[:1] in (b"{", b""):
            yield head
            yield from it
            return
        raise SnapshotCorrupt(f"snapshot file is not gzip (starts with {head[:8]!r})")

    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    member_done = False
    pending = head
    while True:
        while pending:
            if member_done:
                # Another gzip member may follow; anything else is damage.
                if len(pending) < 2:
                    nxt = next(it, None)
                    if nxt is None:
                        raise SnapshotCorrupt(f"garbage after gzip end: {pending[:16]!r}")
                    pending += nxt
                    continue
                if pending[:2] != GZIP_MAGIC:
                    raise SnapshotCorrupt(f"garbage after gzip end: {pending[:16]!r}")
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                member_done = False
            try:
                out = d.decompress(pending, _OUT_CHUNK)
                while not d.eof and len(out) == _OUT_CHUNK:
                    yield out
                    out = d.decompress(d.unconsumed_tail, _OUT_CHUNK)
            except zlib.error as exc:
                raise SnapshotCorrupt(f"snapshot gzip is corrupt: {exc}") from exc
            if out:
                yield out
            if d.eof:
                member_done = True
                pending = d.unused_data
            else:
                pending = d.unconsumed_tail
        nxt = next(it, None)
        if nxt is None:
            break
        pending = nxt
    if not member_done:
        raise SnapshotCorrupt("snapshot gzip ended early (truncated file: no end-of-stream/CRC trailer)")


def split_lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_no, raw)`` for every line (1-based, blank lines counted, not yielded)."""
    buf = bytearray()
    line_no = 0
    for chunk in chunks:
        buf += chunk
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            line_no += 1
            raw = bytes(buf[start:nl])
            start = nl + 1
            if raw.strip():
                yield line_no, raw
        del buf[:start]
    if buf.strip():
        yield line_no + 1, bytes(buf)


def parse_lines(
    lines: Iterable[tuple[int, bytes]],
    *,
    on_bad_line: Callable[[BadLine], None] | None = None,
    yield_bad_lines: bool = False,
) -> Iterator[SnapshotLine | BadLine]:
    """``orjson`` per line. A bad line raises MalformedLine, unless collected by the caller."""
    for line_no, raw in lines:
        try:
            value = orjson.loads(raw)
            error = None if isinstance(value, dict) else f"expected a JSON object, got {type(value).__name__}"
        except orjson.JSONDecodeError as exc:
            error, value = str(exc), None
        if error is None:
            yield SnapshotLine(line_no, value)
            continue
        bad = BadLine(line_no, raw, error)
        if on_bad_line is not None:
            on_bad_line(bad)
        elif yield_bad_lines:
            yield bad
        else:
            raise MalformedLine(
                f"snapshot line {line_no} is not valid JSON ({error}); starts with {raw[:80]!r}",
                line_no=line_no,
                raw=raw,
            )


def iter_result_file(
    http: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | float | None = None,
    on_bad_line: Callable[[BadLine], None] | None = None,
    yield_bad_lines: bool = False,
    allow_plain: bool = False,
    max_attempts: int = 3,
    chunk_size: int = 64 * 1024,
    clock: Clock | None = None,
) -> Iterator[SnapshotLine | BadLine]:
    """Stream-download a snapshot result and yield its lines one by one.

    If the connection drops mid-file the download restarts (bounded by
    ``max_attempts``) and lines already handed out are skipped, so the caller
    sees every line once. Truncation/corruption raise SnapshotCorrupt -- at
    the point they are detected, which for truncation is the end of the file.
    """
    delivered = 0  # highest line number already handed out
    attempt = 0
    while True:
        attempt += 1
        try:
            with http.stream(
                "GET", url, headers={"Accept-Encoding": "identity", **(headers or {})}, timeout=timeout
            ) as resp:
                _check_result_status(resp, url)
                raw_chunks = resp.iter_raw(chunk_size)
                lines = split_lines(gunzip_stream(raw_chunks, allow_plain=allow_plain))
                for item in parse_lines(lines, on_bad_line=on_bad_line, yield_bad_lines=yield_bad_lines):
                    if item.line_no <= delivered:
                        continue
                    delivered = item.line_no
                    yield item
            return
        except SnapshotCorrupt as err:
            err.lines_read = delivered
            raise
        except (httpx.TransportError, ServerError) as exc:
            if attempt >= max_attempts:
                if isinstance(exc, ShoptetError):
                    raise
                raise NetworkError(
                    f"snapshot download failed after {attempt} attempt(s), {delivered} line(s) read: {exc!r}",
                    method="GET",
                    url=url,
                ) from exc
            if clock is not None:
                clock.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))


def _check_result_status(resp: httpx.Response, url: str) -> None:
    if resp.status_code == 200:
        return
    resp.read()
    kw = dict(status=resp.status_code, method="GET", url=url)
    if resp.status_code >= 500:
        raise ServerError(f"snapshot result download failed: {resp.text[:200]}", **kw)
    if resp.status_code in (404, 410):
        raise SnapshotError("snapshot result is gone (results are kept 24 h); request a new snapshot", **kw)
    raise SnapshotError(f"snapshot result download refused: {resp.text[:200]}", **kw)


def snapshot_params(
    filters: Mapping[str, Any] | None = None, include: Iterable[str] | None = None, language: str | None = None
) -> dict[str, str]:
    params: dict[str, Any] = dict(filters or {})
    if include:
        params["include"] = list(include)
    if language:
        params["language"] = language
    return clean_params(params)
