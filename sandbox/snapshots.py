"""Asynchronous snapshot jobs: pending -> running -> completed/failed, result files, faults.

A job streams its gzip JSON Lines file to the result directory in a background
thread, then announces itself with a signed `job:finished` webhook (also on
failure, as Shoptet does).  Detail requests of an unfinished job are counted:
more than 10 answer 403 `job-detail-try-counter-exceeded-limit`.
"""

from __future__ import annotations

import logging
import os
import secrets
import string
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sandbox.faults import Faults
from sandbox.formats import fmt_dt
from sandbox.resultfile import malformed_positions, write_jsonl_gz
from sandbox.webhooks import WebhookHub

log = logging.getLogger(__name__)
_ALNUM = string.ascii_lowercase + string.digits
UNFINISHED = ("pending", "running")


def job_id() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(7))


@dataclass
class Job:
    job_id: str
    eshop_id: int
    endpoint: str
    language: str | None
    created: float
    status: str = "pending"
    completed: float | None = None
    result_name: str | None = None
    valid_until: float | None = None
    log: str | None = None
    polls: int = 0
    records: int = 0
    malformed_lines: list[int] = field(default_factory=list)

    def as_detail(self, result_base: str) -> dict:
        return {
            "jobId": self.job_id,
            "endpoint": self.endpoint,
            "creationTime": fmt_dt(self.created),
            "completionTime": fmt_dt(self.completed) if self.completed else None,
            "duration": f"{self.completed - self.created:.3f}" if self.completed else None,
            "status": self.status,
            "resultUrl": f"{result_base}/{self.result_name}" if self.result_name and self.status == "completed"
            else None,
            "validUntil": fmt_dt(self.valid_until) if self.valid_until else None,
            "log": self.log,
            "language": self.language,
        }

    def as_list_item(self) -> dict:
        return {
            "jobId": self.job_id,
            "endpoint": self.endpoint,
            "creationTime": fmt_dt(self.created),
            "completionTime": fmt_dt(self.completed) if self.completed else None,
            "status": self.status,
            "validUntil": fmt_dt(self.valid_until) if self.valid_until else None,
            "language": self.language,
        }


class JobError(Exception):
    def __init__(self, status: int, code: str, message: str, instance: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.instance = instance


class JobManager:
    def __init__(self, faults: Faults, hub: WebhookHub, *, delay: float = 0.2, poll_limit: int = 10,
                 result_ttl: float = 86400.0, gzip_level: int = 5, result_dir: str | None = None):
        self.faults = faults
        self.hub = hub
        self.delay = delay
        self.poll_limit = poll_limit
        self.result_ttl = result_ttl
        self.gzip_level = gzip_level
        self._own_dir = result_dir is None
        self.result_dir = result_dir or tempfile.mkdtemp(prefix="shoptet-sandbox-results-")
        os.makedirs(self.result_dir, exist_ok=True)
        self._jobs: dict[int, dict[str, Job]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.counters = {"created": 0, "completed": 0, "failed": 0, "stuck": 0}

    def submit(self, eshop_id: int, endpoint: str, language: str | None,
               producer: Callable[[], tuple[int, Iterable[dict]]]) -> Job:
        """Start a job; `producer()` returns (record count, record iterator)."""
        with self._lock:
            jobs = self._jobs.setdefault(eshop_id, {})
            new_id = job_id()
            while new_id in jobs:
                new_id = job_id()
            job = Job(new_id, eshop_id, endpoint, language, time.time())
            jobs[new_id] = job
            self.counters["created"] += 1
        faults = self.faults.effective(eshop_id)
        thread = threading.Thread(target=self._run, args=(job, producer, faults), name=f"job-{job.job_id}",
                                  daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, producer, faults: dict) -> None:
        if self._stop.wait(self.delay):
            return
        job.status = "running"
        if faults.get("snapshot_job_never_finishes"):
            self.counters["stuck"] += 1
            return
        name = f"{job.job_id}-{job_id()}.json"
        path = os.path.join(self.result_dir, name)
        try:
            if faults.get("snapshot_job_fails"):
                raise RuntimeError("Snapshot generation failed (sandbox fault snapshot_job_fails).")
            total, records = producer()
            positions = malformed_positions(int(faults.get("snapshot_malformed_lines") or 0), total)
            stats = write_jsonl_gz(records, path, level=self.gzip_level, malformed_at=positions,
                                   cancel=self._stop)
            _damage(path, faults)
            job.records = stats.records
            job.malformed_lines = stats.malformed_lines
            job.result_name = name
            job.completed = time.time()
            job.valid_until = job.completed + self.result_ttl
            job.log = None if not stats.malformed_lines else \
                f"sandbox: invalid JSON at 0-based lines {stats.malformed_lines}"
            job.status = "completed"
            self.counters["completed"] += 1
        except Exception as exc:  # the job fails, the server keeps running
            if self._stop.is_set():
                return
            log.info("job %s failed: %s", job.job_id, exc)
            job.completed = time.time()
            job.status = "failed"
            job.log = str(exc)
            self.counters["failed"] += 1
        self.hub.emit(job.eshop_id, "job:finished", job.job_id)

    def detail(self, eshop_id: int, wanted: str) -> Job:
        with self._lock:
            job = self._jobs.get(eshop_id, {}).get(wanted)
            if job is None:
                raise JobError(404, "job-not-found", f'Job with ID "{wanted}" not found.', wanted)
            self._expire(job)
            if job.status in UNFINISHED:
                job.polls += 1
                if job.polls > self.poll_limit:
                    raise JobError(403, "job-detail-try-counter-exceeded-limit",
                                   f'You have exceeded the limit of job detail request for unprocessed job '
                                   f'"{wanted}". Please wait for job:finished event after job is completed!', wanted)
            return job

    def jobs(self, eshop_id: int) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.get(eshop_id, {}).values())
            for job in jobs:
                self._expire(job)
        return sorted(jobs, key=lambda j: j.created)

    def _expire(self, job: Job) -> None:
        if job.status == "completed" and job.valid_until and job.valid_until < time.time():
            job.status = "expired"

    def result_path(self, eshop_id: int, name: str) -> str | None:
        """Path of a downloadable result, None if unknown or past validUntil."""
        job_part = name.split("-", 1)[0]
        with self._lock:
            job = self._jobs.get(eshop_id, {}).get(job_part)
        if job is None or job.result_name != name:
            return None
        self._expire(job)
        if job.status != "completed":
            return None
        return os.path.join(self.result_dir, name)

    def stop(self) -> None:
        self._stop.set()
        if self._own_dir:
            for name in os.listdir(self.result_dir):
                try:
                    os.remove(os.path.join(self.result_dir, name))
                except OSError:
                    pass
            try:
                os.rmdir(self.result_dir)
            except OSError:
                pass


def _damage(path: str, faults: dict) -> None:
    """Apply the result-file fault switches to a finished file."""
    size = os.path.getsize(path)
    if faults.get("snapshot_truncate"):
        with open(path, "r+b") as handle:
            handle.truncate(max(20, size * 3 // 5))
        size = os.path.getsize(path)
    corrupt = faults.get("snapshot_corrupt")
    if corrupt:
        with open(path, "r+b") as handle:
            if corrupt == "garble":
                # Overwrite a block in the middle of the deflate stream.
                handle.seek(max(10, size // 2))
                handle.write(bytes((b * 37 + 11) % 256 for b in range(min(64, max(1, size // 4)))))
            else:
                # Flip the CRC32 in the gzip trailer: data inflates, the check fails at EOF.
                handle.seek(size - 8)
                crc = handle.read(4)
                handle.seek(size - 8)
                handle.write(bytes(b ^ 0xFF for b in crc))
