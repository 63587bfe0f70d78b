"""Run the WooCommerce sandbox as a subprocess from tests (a stable interface, like `sandbox.testing`).

    from sandbox.woocommerce.testing import run_woo_sandbox

    with run_woo_sandbox(seed=1, orders=500, webhook_delay=0.05) as store:
        store.base_url, store.https_url, store.tls_context()  # plain HTTP (OAuth 1.0a) / HTTPS (Basic)
        store.consumer_key, store.consumer_secret            # read_write; store.key("read") for the others
        store.set_faults(throttle_after=2, throttle_count=1); store.reset_faults()
        store.mutate(orders_updated=5, orders_trashed=1)     # -> what changed
        store.new_key("read"); store.webhooks(); store.state()

Keyword options become CLI flags (`webhook_delay=0.05` -> `--webhook-delay 0.05`).
"""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import Iterator

from sandbox.testing import ProcessHandle, cli_flags, running


class WooSandboxHandle(ProcessHandle):
    """A started store: its printed description plus admin helpers."""

    def __init__(self, process, description: dict, log_path: str):
        super().__init__(process, description, log_path)
        self.https_url: str = description["https_url"]
        self.ca_file: str = description["ca_file"]
        self.consumer_key: str = description["consumer_key"]
        self.consumer_secret: str = description["consumer_secret"]

    def api_url(self, path: str = "", tls: bool = False) -> str:
        return (self.https_url if tls else self.base_url) + self.description["api_path"] + path

    def tls_context(self) -> ssl.SSLContext:
        """What httpx needs as `verify=` to trust the store's self-signed certificate."""
        return ssl.create_default_context(cafile=self.ca_file)

    def key(self, permissions: str) -> dict:
        """One of the printed keys: `read_write`, `read` or `write`."""
        return next(k for k in self.description["keys"] if k["permissions"] == permissions)

    # -- admin endpoints ---------------------------------------------------------------------
    def set_faults(self, **switches) -> dict:
        return self._post("/_sandbox/faults", switches)

    def reset_faults(self) -> dict:
        response = self._admin.delete("/_sandbox/faults")
        response.raise_for_status()
        return response.json()

    def mutate(self, **counts) -> dict:
        return self._post("/_sandbox/mutate", counts)

    def new_key(self, permissions: str = "read_write") -> dict:
        return self._post("/_sandbox/keys", {"permissions": permissions})

    def set_auto_approve(self, on: bool) -> dict:
        return self._post("/_sandbox/wc-auth", {"auto_approve": on})

    def webhooks(self) -> dict:
        return self._get("/_sandbox/webhooks")


@contextlib.contextmanager
def run_woo_sandbox(seed: int = 1, orders: int = 200, faults: dict | None = None,
                    **opts) -> Iterator[WooSandboxHandle]:
    """Start `python -m sandbox.woocommerce` on free loopback ports; terminate it on exit."""
    args = ["-m", "sandbox.woocommerce", "--host", "127.0.0.1", "--port", "0", "--tls-port", "0",
            "--seed", str(seed), "--orders", str(orders), "--exit-with-parent"]
    if faults:
        args += ["--faults", json.dumps(faults)]
    with running(WooSandboxHandle, args + cli_flags(opts), "woo-sandbox-") as handle:
        yield handle
