"""The `sandbox.testing` interface other test suites build on."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from sandbox.testing import REPO_ROOT, run_sandbox

ORPHAN_SCRIPT = """
import os
from {module} import {runner}
handle = {runner}(orders=10).__enter__()
print(handle.process.pid, flush=True)
os._exit(0)  # die without cleaning up, like a killed test runner
"""


def test_handle_interface_and_cli_options():
    with run_sandbox(seed=4, shops=1, orders=25, customers=12, products=31, token_ttl=60) as sb:
        assert sb.shops[0]["sizes"] == {"orders": 25, "customers": 12, "products": 31}
        assert sb.shop(0) is sb.shops[0]
        response = httpx.get(sb.url("/api/eshop"), headers=sb.private_headers(0), trust_env=False)
        assert response.status_code == 200
        assert sb.set_faults(shop=None, slow_ms=1)["faults"]["global"] == {"slow_ms": 1}
        assert sb.reset_faults()["faults"] == {"global": {}, "shops": {}}
        assert sb.mutate(shop=sb.shops[0]["eshop_id"], orders_created=1)["orders_created"]
        assert sb.state()["requests"]["by_route"]["GET /api/eshop"] == {"200": 1}
        process = sb.process
    assert process.poll() is not None  # terminated on exit


def test_bad_options_fail_fast():
    with pytest.raises(RuntimeError, match="did not start"), run_sandbox(shops=0):
        pass


@pytest.mark.parametrize(("module", "runner"), [("sandbox.testing", "run_sandbox"),
                                                ("sandbox.woocommerce.testing", "run_woo_sandbox")])
def test_sandbox_exits_when_its_parent_dies(module, runner):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    script = ORPHAN_SCRIPT.format(module=module, runner=runner)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=60, check=True)
    pid = int(done.stdout.strip())
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    pytest.fail("orphaned sandbox kept running")
