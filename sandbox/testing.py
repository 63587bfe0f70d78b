"""Run the sandbox as a subprocess from tests.

    from sandbox.testing import run_sandbox

    with run_sandbox(seed=1, shops=2, orders=200, webhook_retry_seconds=0.2) as sb:
        shop = sb.shops[0]
        httpx.get(f"{sb.base_url}/api/eshop", headers={"Shoptet-Private-Api-Token": shop["private_token"]})
        sb.set_faults(shop=shop["eshop_id"], slow_ms=200)
        sb.mutate(shop=shop["eshop_id"], orders_created=3)    # sales: they take goods out of stock
        sb.mutate(shop=shop["eshop_id"], texts_changed=2, language="sk")
        sb.truth(shop["eshop_id"])                            # BTYD / demand / supply parameters
        sb.state()["requests"]

Keyword options map to CLI flags (`bucket_leak=100` -> `--bucket-leak 100`).  This
interface is used by the hub's tests and the Shoptet client; keep it stable.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


class ProcessHandle:
    """A sandbox subprocess (Shoptet's or WooCommerce's): its printed description and its admin endpoints."""

    def __init__(self, process: subprocess.Popen, description: dict, log_path: str):
        self.process = process
        self.description = description
        self.base_url: str = description["base_url"]
        self.log_path = log_path
        self._admin = httpx.Client(base_url=self.base_url, timeout=60.0, trust_env=False)

    def state(self) -> dict:
        return self._get("/_sandbox/state")

    def _get(self, path: str) -> dict:
        response = self._admin.get(path)
        response.raise_for_status()
        return response.json()

    def _post(self, path: str, payload: dict) -> dict:
        response = self._admin.post(path, json=payload)
        if response.status_code >= 400:
            raise ValueError(f"{path}: {response.status_code} {response.text}")
        return response.json()

    def close(self) -> None:
        self._admin.close()
        terminate(self.process)


class SandboxHandle(ProcessHandle):
    """A started Shoptet sandbox: its printed description plus admin helpers."""

    def __init__(self, process: subprocess.Popen, description: dict, log_path: str):
        super().__init__(process, description, log_path)
        self.shops: list[dict] = description["shops"]

    # -- convenience -----------------------------------------------------------------------
    def shop(self, index: int = 0) -> dict:
        return self.shops[index]

    def private_headers(self, index: int = 0) -> dict:
        return {"Shoptet-Private-Api-Token": self.shops[index]["private_token"]}

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- admin endpoints -------------------------------------------------------------------
    def set_faults(self, shop: int | None = None, **switches) -> dict:
        """Set fault switches globally (shop=None) or for one eshop_id."""
        return self._post("/_sandbox/faults", {"shop": shop, **switches})

    def reset_faults(self, shop: int | None = None) -> dict:
        params = {"shop": shop} if shop is not None else None
        response = self._admin.delete("/_sandbox/faults", params=params)
        response.raise_for_status()
        return response.json()

    def mutate(self, shop: int | None = None, **counts) -> dict:
        """Deterministic churn; returns the codes/GUIDs that changed."""
        return self._post("/_sandbox/mutate", {"shop": shop, **counts})

    def truth(self, shop: int, customer: str | None = None) -> dict:
        """What made the shop's data (BTYD, demand, supply parameters), or one customer's draws."""
        params = {"shop": shop} if customer is None else {"shop": shop, "customer": customer}
        response = self._admin.get("/_sandbox/truth", params=params)
        response.raise_for_status()
        return response.json()

    def new_install_code(self, shop: int) -> str:
        return self._post("/_sandbox/install-code", {"shop": shop})["install_code"]


def cli_flags(options: dict) -> list[str]:
    """Keyword options as CLI flags: `bucket_leak=100` -> `--bucket-leak 100`; True -> a bare flag."""
    args: list[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            args.extend([flag, str(value)])
    return args


@contextlib.contextmanager
def run_sandbox(seed: int = 1, shops: int = 2, orders: int = 200, faults: dict | list | None = None,
                **opts) -> Iterator[SandboxHandle]:
    """Start `python -m sandbox` on a free loopback port; terminate it on exit."""
    args = ["-m", "sandbox", "--host", "127.0.0.1", "--port", "0", "--seed", str(seed),
            "--shops", str(shops), "--orders", str(orders), "--exit-with-parent"]
    if faults:
        args += ["--faults", json.dumps(faults)]
    with running(SandboxHandle, args + cli_flags(opts), "shoptet-sandbox-") as handle:
        yield handle


@contextlib.contextmanager
def running(handle_class: type[ProcessHandle], args: list[str], log_prefix: str) -> Iterator:
    """Spawn a sandbox, hand out its handle, and stop it (and remove its log) on exit."""
    process, description, log_path = spawn(args, log_prefix)
    handle = handle_class(process, description, log_path)
    try:
        yield handle
    finally:
        handle.close()
        with contextlib.suppress(OSError):
            os.unlink(log_path)


def spawn(args: list[str], log_prefix: str) -> tuple[subprocess.Popen, dict, str]:
    """Run `python <args>` from the repo root; return it with the JSON line it printed and its log file.

    Shared by the Shoptet and WooCommerce sandboxes: both print one JSON line once they serve.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    log = tempfile.NamedTemporaryFile(prefix=log_prefix, suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=log, env=env,
                               cwd=str(REPO_ROOT))
    log.close()
    line = _first_line(process)
    try:
        return process, json.loads(line), log.name
    except ValueError:
        process.kill()
        process.wait()
        process.stdout.close()
        details = Path(log.name).read_text(errors="replace")[-4000:]
        with contextlib.suppress(OSError):
            os.unlink(log.name)
        raise RuntimeError(f"sandbox did not start (exit {process.returncode}): {line[:200]!r}\n{details}") from None


def terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


def _first_line(process: subprocess.Popen) -> bytes:
    """Read the JSON line with a timeout (readline alone could block forever)."""
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    return result[0].strip() if result else b""
