"""A running sandbox with an API client of its first shop, for module fixtures."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from sandbox.testing import SandboxHandle, run_sandbox


@contextlib.contextmanager
def serving(hooks: dict[str, str] | None = None, **options) -> Iterator[SandboxHandle]:
    """run_sandbox(**options) with `handle.client` (shop 0's private token) and `hooks` {event: url} registered."""
    with run_sandbox(**options) as handle, \
            httpx.Client(base_url=handle.base_url, headers=handle.private_headers(0), trust_env=False,
                         timeout=30) as client:
        handle.client = client
        if hooks:
            response = client.post("/api/webhooks", json={"data": [{"event": event, "url": url}
                                                                    for event, url in hooks.items()]})
            assert response.status_code == 201, response.text
        yield handle
