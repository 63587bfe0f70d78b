"""Shoptet REST API client for the Commerce Hub.

A plain synchronous library (httpx): no Flask, no database. Hub services and
RQ tasks create a :class:`ShoptetClient` per e-shop credential and call it.
"""

from .auth import (
    CachedToken,
    Installation,
    MemoryTokenCache,
    OAuthTokenAuth,
    PrivateTokenAuth,
    TokenCache,
    exchange_install_code,
)
from .client import BulkStatusResult, ShoptetClient, StockUpdateResult
from .errors import (
    ApiErrorItem,
    AuthError,
    Conflict,
    Forbidden,
    JobFailed,
    JobPollLimitExceeded,
    JobTimeout,
    Locked,
    MalformedLine,
    NetworkError,
    NetworkTimeout,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ShoptetError,
    SnapshotCorrupt,
    SnapshotError,
    TokenLimitReached,
    ValidationError,
    WebhookRequired,
)
from .limits import Clock, RetryPolicy
from .paging import Page
from .snapshots import BadLine, SnapshotLine
from .transport import ApiResponse
from .webhooks import SIGNATURE_HEADER, Notification, parse_notification, sign, verify_signature

__all__ = [
    "ApiErrorItem",
    "ApiResponse",
    "AuthError",
    "BadLine",
    "BulkStatusResult",
    "CachedToken",
    "Clock",
    "Conflict",
    "Forbidden",
    "Installation",
    "JobFailed",
    "JobPollLimitExceeded",
    "JobTimeout",
    "Locked",
    "MalformedLine",
    "MemoryTokenCache",
    "NetworkError",
    "NetworkTimeout",
    "NotFound",
    "Notification",
    "OAuthTokenAuth",
    "Page",
    "PayloadTooLarge",
    "PrivateTokenAuth",
    "RateLimited",
    "RetryPolicy",
    "SIGNATURE_HEADER",
    "ServerError",
    "ShoptetClient",
    "ShoptetError",
    "SnapshotCorrupt",
    "SnapshotError",
    "SnapshotLine",
    "StockUpdateResult",
    "TokenCache",
    "TokenLimitReached",
    "ValidationError",
    "WebhookRequired",
    "exchange_install_code",
    "parse_notification",
    "sign",
    "verify_signature",
]
