"""WooCommerce's rate budget: wc/v3 has no rate headers of its own (API_NOTES §10), so the client's
`on_response` hook counts answers and the host's 429s into the hub's per-shop API budget."""

from __future__ import annotations

from collections.abc import Mapping

from app.monitoring.budget import ApiBudget


class ApiBudgetRecorder(ApiBudget):
    """Called by the WooCommerce client with each HTTP answer's status and headers."""

    def __call__(self, status: int, headers: Mapping[str, str]) -> None:
        self.record(status, None)
