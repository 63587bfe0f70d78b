"""A merchant approves an app in the WooCommerce sandbox's authorization page, in a real browser.

The hub's "connect a WooCommerce store" flow (later) sends the owner to this page; here a stand-in for
the hub receives the keys (POST) and the merchant's return (GET).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from sandbox.woocommerce.testing import run_woo_sandbox
from tests.browser.conftest import swap_wait

pytestmark = pytest.mark.browser


class HubStandIn:
    def __init__(self):
        self.keys: list[dict] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                hub.keys.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self._answer(b"")

            def do_GET(self):  # noqa: N802
                self._answer(b"<!doctype html><title>Hub</title><h1 id='returned'>Back in the hub</h1>")

            def _answer(self, body: bytes):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_merchant_approves_the_hub(browser):
    hub = HubStandIn()
    try:
        with run_woo_sandbox(orders=10) as store:
            query = urlencode({"app_name": "Commerce Hub", "scope": "read_write", "user_id": "org-1",
                               "return_url": f"{hub.url}/woocommerce/connected",
                               "callback_url": f"{hub.url}/woocommerce/keys"})
            browser.get(f"{store.base_url}/wc-auth/v1/authorize?{query}")
            wait = swap_wait(browser, 10)
            wait.until(ec.element_to_be_clickable((By.ID, "approve"))).click()
            wait.until(ec.presence_of_element_located((By.ID, "returned")))
            landed = urlparse(browser.current_url)
            assert landed.path == "/woocommerce/connected"
            assert parse_qs(landed.query) == {"success": ["1"], "user_id": ["org-1"]}
            assert [k["key_permissions"] for k in hub.keys] == ["read_write"]
            assert hub.keys[0]["consumer_key"].startswith("ck_") and hub.keys[0]["user_id"] == "org-1"
    finally:
        hub.server.shutdown()
        hub.server.server_close()
