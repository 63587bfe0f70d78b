"""Test helpers shared by the Shoptet client tests."""

from __future__ import annotations

import threading
import time
import uuid

from app.shoptet import Clock


class FakeClock:
    """Records sleeps and advances its own monotonic/wall time instead of waiting."""

    def __init__(self, start: float | None = None) -> None:
        self.now = 1000.0
        self.wall0 = time.time() if start is None else start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall0 + (self.now - 1000.0)

    def clock(self) -> Clock:
        return Clock(sleep=self.sleep, monotonic=self.monotonic, time=self.time)


class RealSleepRecorder:
    """Real time, but remembers every sleep the client asked for."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        time.sleep(seconds)

    def clock(self) -> Clock:
        return Clock(sleep=self.sleep)


def route_counts(server, route: str) -> dict[str, int]:
    """Sandbox's per-status request counter for e.g. ``"GET /api/orders/<code>"``."""
    return dict(server.state()["requests"]["by_route"].get(route, {}))


def count_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Statuses whose count changed between two ``route_counts`` readings."""
    keys = set(before) | set(after)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys if after.get(k, 0) != before.get(k, 0)}


def unique_token(prefix: str = "t") -> str:
    """A fresh token per test, so the process-wide per-token limiter state never leaks between tests."""
    return f"{prefix}-{uuid.uuid4().hex}"


class WebhookReceiver:
    """A tiny HTTP endpoint standing in for the hub's webhook route.

    Verifies ``Shoptet-Webhook-Signature`` with the current key and sets an
    Event per ``job:finished`` job id, which is what the hub hands to
    ``wait_for_job(finished=...)``.
    """

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from app.shoptet import SIGNATURE_HEADER, parse_notification, verify_signature

        self.key: str | None = None
        self.received: list[tuple[bytes, str | None, bool]] = []
        self._jobs: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sig = self.headers.get(SIGNATURE_HEADER)
                ok = receiver.key is not None and verify_signature(body, sig, receiver.key)
                with receiver._lock:
                    receiver.received.append((body, sig, ok))
                if ok:
                    ev = parse_notification(body)
                    if ev.event == "job:finished":
                        receiver.job_event(ev.event_instance).set()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Join handler threads on close so no half-served socket is left to the garbage collector.
        self.server.daemon_threads = False
        self.server.block_on_close = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/shoptet"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def job_event(self, job_id: str) -> threading.Event:
        with self._lock:
            return self._jobs.setdefault(job_id, threading.Event())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
