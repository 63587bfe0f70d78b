"""WooCommerce REST API (`wc/v3`) client for the Commerce Hub.

A plain synchronous library (httpx, Authlib's OAuth 1.0a signer): no Flask, no
database.  The WooCommerce channel creates a `WooClient` per store credential.
"""

from .auth import HMAC_SHA1, HMAC_SHA256, BasicAuth, OAuth1Auth, auth_for
from .batch import BATCH_LIMIT, BatchIncomplete, BatchItemError, BatchResult
from .client import WooClient
from .errors import (
    AuthError,
    Forbidden,
    Gone,
    InvalidSignature,
    NetworkError,
    NetworkTimeout,
    NotFound,
    NotSupported,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ValidationError,
    WalkStalled,
    WooError,
)
from .paging import Page
from .transport import WooResponse
from .walk import ModifiedWalk, WalkCursor, WalkStats
from .webhooks import SIGNATURE_HEADER, WebhookDelivery, WebhookPing, parse_delivery, sign, verify_signature

__all__ = [
    "BATCH_LIMIT",
    "HMAC_SHA1",
    "HMAC_SHA256",
    "SIGNATURE_HEADER",
    "AuthError",
    "BasicAuth",
    "BatchIncomplete",
    "BatchItemError",
    "BatchResult",
    "Forbidden",
    "Gone",
    "InvalidSignature",
    "ModifiedWalk",
    "NetworkError",
    "NetworkTimeout",
    "NotFound",
    "NotSupported",
    "OAuth1Auth",
    "Page",
    "PayloadTooLarge",
    "RateLimited",
    "ServerError",
    "ValidationError",
    "WalkCursor",
    "WalkStalled",
    "WalkStats",
    "WebhookDelivery",
    "WebhookPing",
    "WooClient",
    "WooError",
    "WooResponse",
    "auth_for",
    "parse_delivery",
    "sign",
    "verify_signature",
]
