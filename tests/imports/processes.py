"""Real worker processes for fault tests: start, pause, kill (the work-horse too), wait for the ledger."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable

import psutil
from sqlalchemy import create_engine, text

from tests.environ import hub_environ


def worker_env(test_config, **extra) -> dict:
    return hub_environ(**{
        "DATABASE_URL": test_config.DATABASE_URL, "REDIS_URL": test_config.REDIS_URL,
        "SECRET_KEY": test_config.SECRET_KEY, "TOKEN_ENCRYPTION_KEYS": test_config.TOKEN_ENCRYPTION_KEYS,
        "HUB_ENV": "test", "HUB_LEASE_SECONDS": "3", "HUB_IMPORT_BATCH_SIZE": "25",
        "HUB_SNAPSHOT_FIRST_POLL_SECONDS": "0.3",
        "HUB_PUBLIC_URL": "http://127.0.0.1:9",  # webhooks from the sandbox go nowhere
        "HUB_IMPORTS_DIR": test_config.IMPORTS_DIR, "HUB_EXPORTS_DIR": test_config.EXPORTS_DIR,
        **extra,
    })


def start_worker(env: dict, *queues: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workers.worker", *(queues or ("snapshots",))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def process_tree(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        parent = psutil.Process(process.pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def signal_tree(process: subprocess.Popen, sig: int) -> None:
    """Signal the worker and its work-horse (which RQ puts in a process group of its own)."""
    for proc in process_tree(process):
        try:
            proc.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def worker_running(redis, job_id: str, processes: list[subprocess.Popen]) -> subprocess.Popen | None:
    """Which of our worker processes is executing `job_id` right now (RQ's own registry says)."""
    from rq import Worker
    from rq.serializers import JSONSerializer

    for worker in Worker.all(connection=redis, serializer=JSONSerializer):
        if worker.get_current_job_id() == job_id:
            return next((p for p in processes if p.pid == worker.pid), None)
    return None


def stop_worker(process: subprocess.Popen) -> None:
    signal_tree(process, signal.SIGCONT)
    signal_tree(process, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, every: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Ledger:
    """Reads the run ledger through its own connection (the workers commit; we only look)."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url, isolation_level="AUTOCOMMIT")

    def run(self, run_id: int) -> dict:
        with self.engine.connect() as conn:
            return dict(conn.execute(text("SELECT * FROM sync_runs WHERE id = :id"), {"id": run_id}).mappings().one())

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def close(self) -> None:
        self.engine.dispose()
