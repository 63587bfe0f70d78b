"""What `python -m sandbox.woocommerce` can be told, and the sizes derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.config import DEFAULT_BASE_END, ShopSizes


@dataclass
class WooConfig:
    seed: int = 1
    orders: int = 200
    customers: int | None = None
    products: int | None = None
    #: Generated history ends here (fixed, so order i is the same whatever day it runs); churn uses the wall clock.
    base_end: int = DEFAULT_BASE_END
    years: int = 3
    timezone: str = "Europe/Prague"
    #: Share of the first year's orders whose date_modified a one-off migration set to one second (ties).
    migration_share: float = 0.08
    host: str = "127.0.0.1"
    port: int = 0
    tls_port: int = 0
    #: Model a store behind a TLS proxy whose wp-config trusts `X-Forwarded-Proto: https` (stock WordPress does not).
    trust_forwarded_proto: bool = False
    faults: dict = field(default_factory=dict)
    webhook_delay: float = 0.2
    webhook_timeout: float = 5.0
    #: A failure when the count is already above this disables the webhook (WooCommerce's filter default: 5).
    webhook_max_failures: int = 5
    #: The wc-auth "merchant approves" step happens without the click.
    auto_approve: bool = False
    verbose: bool = False
    exit_with_parent: bool = False

    def sizes(self) -> ShopSizes:
        return ShopSizes.derive(self.orders, self.customers, self.products)
