"""Fixtures for the sandbox tests: running sandboxes, API clients, a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from sandbox.testing import run_sandbox
from sandbox.woocommerce.testing import run_woo_sandbox


class Api:
    """httpx client bound to one shop of a sandbox, authenticated with its private token."""

    def __init__(self, sandbox, index: int = 0):
        self.sandbox = sandbox
        self.shop = sandbox.shops[index]
        self.eshop_id = self.shop["eshop_id"]
        self.client = httpx.Client(base_url=sandbox.base_url, timeout=30.0, trust_env=False,
                                   headers={"Shoptet-Private-Api-Token": self.shop["private_token"],
                                            "Content-Type": "application/json"})

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, **kw):
        return self.client.post(path, **kw)

    def patch(self, path, **kw):
        return self.client.patch(path, **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, **kw)

    def close(self):
        self.client.close()


@pytest.fixture(scope="session")
def contract_sandbox():
    """Read-mostly sandbox for contract tests; generous limits so they never throttle."""
    with run_sandbox(seed=7, shops=2, orders=300, bucket_leak=100000, job_delay=0.05,
                     webhook_retry_seconds=0.2) as sb:
        yield sb


@pytest.fixture(scope="session")
def api(contract_sandbox):
    client = Api(contract_sandbox, 0)
    yield client
    client.close()


@pytest.fixture(scope="session")
def api2(contract_sandbox):
    client = Api(contract_sandbox, 1)
    yield client
    client.close()


class Receiver:
    """Local HTTP endpoint that records webhook deliveries (raw bytes + headers)."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail_first: dict[str, int] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    seen = sum(1 for c in receiver.calls if c["path"] == self.path)
                    receiver.calls.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                           "time": time.time()})
                    fail = seen < receiver.fail_first.get(self.path, 0)
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout: float = 10.0) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                hits = [c for c in self.calls if predicate(c)]
            if hits:
                return hits
            time.sleep(0.02)
        return []

    def events(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [json.loads(c["body"]) for c in self.calls if path is None or c["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def module_receiver():
    r = Receiver()
    yield r
    r.close()


# -- WooCommerce ------------------------------------------------------------------------------------

WOO_ORDERS = 2500  # enough for a tie group (one second) of more than 100 orders


@pytest.fixture(scope="session")
def woo():
    """A WooCommerce store shared by the woo sandbox tests (tests that write make their own records)."""
    with run_woo_sandbox(seed=7, orders=WOO_ORDERS, webhook_delay=0.05) as store:
        yield store


def woo_http(store) -> httpx.Client:
    """httpx on a store's TLS port with HTTP Basic (the read_write key); paths relative to /wp-json/wc/v3."""
    return httpx.Client(base_url=store.api_url(tls=True), verify=store.tls_context(), timeout=60.0,
                        trust_env=False, auth=(store.consumer_key, store.consumer_secret))


@pytest.fixture
def woo_store_api(store):
    """`woo_http` on the module's own `store` fixture, with every fault switch off before and after."""
    store.reset_faults()
    client = woo_http(store)
    yield client
    client.close()
    store.reset_faults()


@pytest.fixture(scope="session")
def woo_api(woo):
    client = woo_http(woo)
    yield client
    client.close()
