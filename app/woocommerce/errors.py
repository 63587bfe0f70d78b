"""Typed errors for the WooCommerce client.

Every error carries WooCommerce's `code`, `message` and `data` (with
`data["status"]`) when the store sent its JSON error body; a host's HTML or
empty answer (WAF, rate limiter, proxy) has none of those and says so.  Callers
decide from the type and `retryable`; `str(err)` is a line a person can act on.
"""

from __future__ import annotations

from typing import Any


class WooError(Exception):
    retryable: bool = False
    #: True when the request certainly did not reach WooCommerce (safe to resend even a create).
    unsent: bool = False
    attempts: int = 1
    hint: str = ""

    def __init__(self, message: str = "", *, status: int | None = None, code: str | None = None,
                 data: dict | None = None, method: str | None = None, url: str | None = None,
                 retryable: bool | None = None) -> None:
        self.status = status
        self.code = code
        self.data = data or {}
        self.message = message or self.__class__.__name__
        self.method = method
        self.url = url
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self.message)

    def __str__(self) -> str:
        head = " ".join(str(p) for p in (self.method, self.url and self.url.split("?", 1)[0],
                                         self.status and f"HTTP {self.status}", self.code) if p)
        text = f"{head}: {self.message}" if head else self.message
        if self.attempts > 1:
            text += f" (gave up after {self.attempts} attempts)"
        return f"{text} -- {self.hint}" if self.hint else text


class AuthError(WooError):
    hint = ("check the consumer key and secret; over plain http the store ignores Basic auth (OAuth 1.0a is "
            "needed), and a read-only key cannot write")


class Forbidden(WooError):
    hint = "the key's user lacks the capability, or a firewall refused the request"


class NotFound(WooError):
    hint = "no such record (or route: check the store URL and that pretty permalinks are on)"


class ValidationError(WooError):
    hint = "fix the request data; it was not retried"


class PayloadTooLarge(ValidationError):
    hint = "a batch may hold at most 100 items in all; send smaller chunks"


class Gone(WooError):
    hint = "the record is already in the trash; delete with force=true to remove it for good"


class NotSupported(WooError):
    hint = "this resource cannot be trashed; delete with force=true"


class RateLimited(WooError):
    retryable = True
    hint = "the store's host throttles this client; slow down (2-4 parallel requests at most)"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(WooError):
    retryable = True
    hint = "the store failed (PHP error, timeout, maintenance); retry later, with smaller batches"


class NetworkError(WooError):
    retryable = True
    hint = "could not talk to the store; retry later"


class NetworkTimeout(NetworkError):
    hint = "the store did not answer in time; retry later, lower per_page or raise the timeout"


class WalkStalled(WooError):
    hint = "the store keeps changing the records being walked; run the walk again from its cursor"


class InvalidSignature(ValueError):
    """A webhook delivery whose X-WC-Webhook-Signature does not match its body and the webhook's secret."""


_BY_STATUS: dict[int, type[WooError]] = {400: ValidationError, 401: AuthError, 403: Forbidden, 404: NotFound,
                                         410: Gone, 413: PayloadTooLarge, 422: ValidationError, 429: RateLimited,
                                         501: NotSupported}


def error_class_for(status: int) -> type[WooError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return WooError
