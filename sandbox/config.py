"""Sizes, presets and run-time options shared by the server and the file generator."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sandbox.formats import local_year_start

# The generated history ends at a fixed instant so that record i is the same
# whatever day the sandbox runs.  Mutations (overlay) use the wall clock.
DEFAULT_BASE_END = local_year_start(2026)
DEFAULT_YEARS = 5


@dataclass(frozen=True)
class ShopSizes:
    """Number of generated base records of one shop."""

    orders: int
    customers: int
    products: int

    @classmethod
    def derive(
        cls, orders: int, customers: int | None = None, products: int | None = None
    ) -> ShopSizes:
        """Sizes implied by an order count, tuned so the `full` preset matches the
        production merchant: 1.4 M orders, 661 k customers, 13 k variants."""
        if customers is None:
            customers = max(20, round(orders * 0.4721))
        if products is None:
            products = max(30, min(6000, round(math.sqrt(orders) * 2.2)))
        return cls(orders=max(0, orders), customers=customers, products=products)


# Per-shop sizes.  full = 3 shops x 466,667 orders = 1.4 M orders, ~661 k customers,
# ~13 k variants (products average ~2.9 variants).
SCALES: dict[str, dict] = {
    "demo": {"shops": 2, "orders": 300},
    "full": {"shops": 3, "orders": 466_667, "customers": 220_334, "products": 1_500},
}


@dataclass
class SandboxConfig:
    """Everything `python -m sandbox` can be told on the command line."""

    seed: int = 1
    shops: int = 2
    orders: int = 200
    customers: int | None = None
    products: int | None = None
    base_end: int = DEFAULT_BASE_END
    years: int = DEFAULT_YEARS
    host: str = "127.0.0.1"
    port: int = 0
    faults: dict = field(default_factory=dict)
    token_ttl: float = 1800.0
    max_tokens_per_oauth: int = 5
    max_in_flight: int = 3
    bucket_size: float = 200.0
    bucket_leak: float = 10.0
    webhook_retry_seconds: float = 1.0
    webhook_timeout: float = 4.0
    webhook_attempts: int = 3
    job_delay: float = 0.2
    job_poll_limit: int = 10
    result_ttl: float = 24 * 3600.0
    gzip_level: int = 5
    result_dir: str | None = None
    verbose: bool = False
    exit_with_parent: bool = False

    def sizes(self) -> ShopSizes:
        return ShopSizes.derive(self.orders, self.customers, self.products)
