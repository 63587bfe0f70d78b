"""Typed errors for the Shoptet client.

Callers (RQ tasks, hub services) decide what to do from the *type* and the
``retryable`` flag, and log ``str(err)`` which names the HTTP status, Shoptet's
``errorCode``/``instance``/``requestId`` and what a person should do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ApiErrorItem:
    """One item of Shoptet's ``errors`` array (``errorCode``, ``message``, ``instance``)."""

    error_code: str
    message: str
    instance: str | None = None

    @classmethod
    def from_json(cls, raw: Any) -> ApiErrorItem:
        if not isinstance(raw, dict):
            return cls(error_code="unknown", message=str(raw))
        return cls(
            error_code=str(raw.get("errorCode") or raw.get("error") or "unknown"),
            message=str(raw.get("message") or raw.get("error") or ""),
            instance=None if raw.get("instance") is None else str(raw.get("instance")),
        )


def parse_error_items(errors: Any) -> list[ApiErrorItem]:
    """Accept a list, a single object (seen in old examples) or null."""
    if errors is None:
        return []
    if isinstance(errors, dict):
        errors = [errors]
    if not isinstance(errors, list):
        return [ApiErrorItem(error_code="unknown", message=str(errors))]
    return [ApiErrorItem.from_json(e) for e in errors]


class ShoptetError(Exception):
    """Base of every error the client raises.

    ``retryable`` tells a caller whether trying the same call later can help
    (the client has already retried within its own bounds when it is True).
    """

    retryable: bool = False
    #: True when the request certainly never reached Shoptet (safe to resend any call).
    unsent: bool = False
    #: How many times the client sent the call before giving up with this error.
    attempts: int = 1
    hint: str = ""

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        error_code: str | None = None,
        instance: str | None = None,
        request_id: str | None = None,
        errors: list[ApiErrorItem] | None = None,
        method: str | None = None,
        url: str | None = None,
        hint: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.errors = list(errors or [])
        first = self.errors[0] if self.errors else None
        self.status = status
        self.error_code = error_code or (first.error_code if first else None)
        self.message = message or (first.message if first else "") or self.__class__.__name__
        self.instance = instance if instance is not None else (first.instance if first else None)
        self.request_id = request_id
        self.method = method
        self.url = url
        if hint is not None:
            self.hint = hint
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self._render())

    def __str__(self) -> str:
        return self._render()

    def _render(self) -> str:
        parts = []
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.error_code:
            parts.append(self.error_code)
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if len(self.errors) > 1:
            text += f" (+{len(self.errors) - 1} more error(s))"
        if self.attempts > 1:
            text += f" (gave up after {self.attempts} attempts)"
        if self.instance and self.instance != "unknown":
            text += f" [instance={self.instance}]"
        if self.request_id:
            text += f" [requestId={self.request_id}]"
        if self.hint:
            text += f" -- {self.hint}"
        return text


class AuthError(ShoptetError):
    hint = "check the installation's OAuth/private token; the add-on may be suspended or uninstalled"


class TokenLimitReached(AuthError):
    """``getAccessToken`` refused: 5 access tokens are already valid for this OAuth token."""

    retryable = True
    hint = "too many live access tokens for this installation; share the token cache between workers"


class Forbidden(ShoptetError):
    hint = "the token lacks rights for this endpoint or the e-shop lacks a module; approve the endpoint in the add-on"


class WebhookRequired(Forbidden):
    """Snapshot endpoints answer 403 until a ``job:finished`` webhook is registered."""

    hint = "register a job:finished webhook for this installation before requesting snapshots"


class JobPollLimitExceeded(Forbidden):
    """More than 10 detail requests for an unfinished job."""

    hint = "stop polling; wait for the job:finished webhook and read the job once it has arrived"


class NotFound(ShoptetError):
    pass


class Conflict(ShoptetError):
    hint = "the record changed or another job is running; reload and decide, do not blindly resend"


class ValidationError(ShoptetError):
    """400/422: the request itself is wrong; sending it again cannot help."""

    hint = "fix the request data; it was not retried"


class PayloadTooLarge(ValidationError):
    hint = "too many entities in one request; send smaller chunks"


class Locked(ShoptetError):
    retryable = True
    hint = "an identical write to the same URL was in flight; retry after a few seconds"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class RateLimited(ShoptetError):
    retryable = True
    hint = "rate or concurrency limit hit; slow down (at most 3 parallel requests per token)"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(ShoptetError):
    retryable = True
    hint = "Shoptet failed or is in maintenance; retry later and quote the requestId if it persists"


class NetworkError(ShoptetError):
    retryable = True
    hint = "could not talk to Shoptet (connection refused/dropped); retry later"


class NetworkTimeout(NetworkError):
    hint = "Shoptet did not answer in time; retry later or raise the timeout"


class SnapshotError(ShoptetError):
    hint = "request a new snapshot"


class SnapshotCorrupt(SnapshotError):
    """The result file is truncated, fails its CRC, or is not gzip at all.

    Raised even after some lines were yielded: treat everything already read
    from this file as untrustworthy (roll back the import).
    """

    hint = "the snapshot file is damaged; discard what was read and request a new snapshot"

    def __init__(self, message: str = "", *, lines_read: int = 0, **kw: Any) -> None:
        self.lines_read = lines_read
        super().__init__(message, **kw)


class MalformedLine(SnapshotError):
    """One line of a snapshot is not a JSON object."""

    hint = "pass on_bad_line=... or yield_bad_lines=True to collect bad lines and continue"

    def __init__(self, message: str = "", *, line_no: int, raw: bytes, **kw: Any) -> None:
        self.line_no = line_no
        self.raw = raw
        super().__init__(message, **kw)


class JobFailed(SnapshotError):
    """The asynchronous job ended as failed/killed/expired."""

    def __init__(self, message: str = "", *, job: dict | None = None, **kw: Any) -> None:
        self.job = job or {}
        super().__init__(message, **kw)


class JobTimeout(SnapshotError):
    """The job did not finish within the caller's bound (or the 10-poll limit)."""

    retryable = True
    hint = "the job may still finish: keep the jobId and read it after the job:finished webhook arrives"

    def __init__(self, message: str = "", *, job_id: str, last_status: str | None = None, **kw: Any) -> None:
        self.job_id = job_id
        self.last_status = last_status
        super().__init__(message, **kw)


_BY_STATUS: dict[int, type[ShoptetError]] = {
    400: ValidationError,
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationError,
    423: Locked,
    429: RateLimited,
}

_BY_CODE: dict[str, type[ShoptetError]] = {
    "job-detail-try-counter-exceeded-limit": JobPollLimitExceeded,
    "maximum_tokens_reached": TokenLimitReached,
}


def error_class_for(status: int, error_code: str | None = None) -> type[ShoptetError]:
    """Map an HTTP status (and a few specific error codes) to an error type."""
    if error_code in _BY_CODE:
        return _BY_CODE[error_code]
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ShoptetError)
