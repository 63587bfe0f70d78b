"""Shoptet's rate budget: its client's `on_response` hook reads `X-RateLimit-Bucket-Filling` (the leaky
bucket, API_NOTES §6) and counts answers and 429s into the hub's per-shop API budget (app/monitoring/budget.py)."""

from __future__ import annotations

from collections.abc import Mapping

from app.monitoring.budget import ApiBudget
from app.shoptet.limits import parse_bucket_filling
from app.shoptet.transport import BUCKET_HEADER


class ApiBudgetRecorder(ApiBudget):
    """Called by the Shoptet client with each HTTP answer's status and headers."""

    def __call__(self, status: int, headers: Mapping[str, str]) -> None:
        self.record(status, parse_bucket_filling(headers.get(BUCKET_HEADER)))
