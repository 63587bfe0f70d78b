"""The Shoptet API client the hub's services and RQ tasks call.

One :class:`ShoptetClient` per credential (e-shop installation). It is
synchronous and thread-safe; instances for the same token share the
per-token in-flight limit and bucket estimate. Query filters are passed with
Shoptet's own parameter names (``statusId=...``, ``changeTimeFrom=...``) so
the API documentation applies unchanged; values may be ``datetime``, ``bool``
or lists and are formatted the way Shoptet expects.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from . import paging, snapshots
from .auth import Auth, OAuthTokenAuth, PrivateTokenAuth, TokenCache
from .errors import ApiErrorItem, NotFound, ValidationError
from .limits import REAL_CLOCK, Clock, RetryPolicy
from .snapshots import BadLine, FinishedSignal, SnapshotLine
from .transport import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ApiResponse, Transport, chunked

STATUS_BULK_LIMIT = 100
STOCK_BULK_LIMIT = 300
PRICELIST_BULK_LIMIT = 300  # PATCH /api/pricelists/{id}: at most 300 updates a request
WEBHOOK_BULK_LIMIT = 50


@dataclass
class BulkStatusResult:
    """Outcome of a bulk status change: which codes failed and why."""

    requested: list[str]
    failed: dict[str, ApiErrorItem] = field(default_factory=dict)
    #: Errors that name no specific order.
    other_errors: list[ApiErrorItem] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> list[str]:
        return [c for c in self.requested if c not in self.failed]


@dataclass
class StockUpdateResult:
    """Outcome of a (chunked) stock movements PATCH: per-product failures."""

    sent: int = 0
    failed: dict[str, ApiErrorItem] = field(default_factory=dict)
    other_errors: list[ApiErrorItem] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)


def _attribute(errors: list[ApiErrorItem], keys: list[str]) -> tuple[dict[str, ApiErrorItem], list[ApiErrorItem]]:
    """Map error items to the entity keys (order codes, product codes) they name."""
    wanted = set(keys)
    failed: dict[str, ApiErrorItem] = {}
    other: list[ApiErrorItem] = []
    for err in errors:
        if err.instance in wanted:
            failed[err.instance] = err
            continue
        named = [k for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", err.message)]
        if named:
            for k in named:
                failed[k] = err
        else:
            other.append(err)
    return failed, other


class ShoptetClient:
    """Shoptet REST API for one e-shop credential."""

    def __init__(
        self,
        auth: Auth,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: Clock = REAL_CLOCK,
        http: httpx.Client | None = None,
        rng: random.Random | None = None,
        throttle_high_water: float = 0.75,
        on_response: Callable[[int, Mapping[str, str]], None] | None = None,
    ) -> None:
        self.transport = Transport(
            auth,
            base_url=base_url,
            http=http,
            timeout=timeout,
            retry=retry,
            clock=clock,
            rng=rng,
            throttle_high_water=throttle_high_water,
            on_response=on_response,
        )
        self._default_pricelist: int | None = None

    @classmethod
    def with_private_token(cls, token: str, **kw: Any) -> ShoptetClient:
        return cls(PrivateTokenAuth(token), **kw)

    @classmethod
    def with_oauth_token(
        cls,
        oauth_token: str,
        oauth_url: str,
        *,
        cache: TokenCache | None = None,
        margin: float = 60.0,
        clock: Clock = REAL_CLOCK,
        **kw: Any,
    ) -> ShoptetClient:
        """Add-on mode; ``oauth_url`` is the partner e-shop (its OAuth server issues access tokens)."""
        auth = OAuthTokenAuth(oauth_token, oauth_url, cache=cache, margin=margin, clock=clock)
        return cls(auth, clock=clock, **kw)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ShoptetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def clock(self) -> Clock:
        return self.transport.clock

    def request(self, method: str, path: str, **kw: Any) -> ApiResponse:
        """Escape hatch for endpoints without a method here (same limits/retries/errors)."""
        return self.transport.request(method, path, **kw)

    def _get_data(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.transport.request("GET", path, params=params).data

    def _items(self, path: str, key: str, params: Mapping[str, Any], items_per_page: int | None) -> Iterator[dict]:
        return paging.iter_items(self.transport, path, key, params, items_per_page=items_per_page)

    def pages(
        self, path: str, list_key: str, params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Iterator[paging.Page]:
        """Page objects (with paginator numbers) of any list endpoint."""
        return paging.iter_pages(self.transport, path, list_key, params, **kw)

    # ------------------------------------------------------------------ e-shop

    def get_eshop(self, *, include: Iterable[str] | None = None) -> dict:
        return self._get_data("/api/eshop", {"include": include})

    # ------------------------------------------------------------------ orders

    def iter_orders(self, *, items_per_page: int | None = 50, **filters: Any) -> Iterator[dict]:
        """Light order objects (no items/addresses); filters as in ``GET /api/orders``."""
        return self._items("/api/orders", "orders", filters, items_per_page)

    def iter_order_changes(
        self, since: datetime | str, *, change_type: str | None = None, items_per_page: int | None = 1000
    ) -> Iterator[dict]:
        """``{code, changeTime, changeType}`` since ``since`` (30 days of history)."""
        return self._items("/api/orders/changes", "changes", {"from": since, "changeType": change_type}, items_per_page)

    def get_order(self, code: str, *, include: Iterable[str] | None = None) -> dict:
        data = self._get_data(f"/api/orders/{_seg(code)}", {"include": include})
        return data.get("order", data) if isinstance(data, dict) else data

    def get_credit_note(self, code: str) -> dict:
        """A credit note (a return of an order's goods or money) with its items."""
        data = self._get_data(f"/api/credit-notes/{_seg(code)}")
        return data.get("creditNote", data) if isinstance(data, dict) else data

    def set_order_status(
        self,
        code: str,
        *,
        status_id: int | None = None,
        paid: bool | None = None,
        billing_method_id: int | None = None,
        suppress_document_generation: bool = False,
        suppress_email_sending: bool = False,
        suppress_sms_sending: bool = False,
    ) -> ApiResponse:
        """Change one order's status/paid flag. ``.data['order']`` is the order; ``.errors`` warnings
        such as ``document-not-generated``. Call serially per order (side effects)."""
        body = {
            k: v
            for k, v in {"statusId": status_id, "paid": paid, "billingMethodId": billing_method_id}.items()
            if v is not None
        }
        if not body:
            raise ValueError("set at least one of status_id, paid, billing_method_id")
        return self.transport.request(
            "PATCH",
            f"/api/orders/{_seg(code)}/status",
            params=_suppress(suppress_document_generation, suppress_email_sending, suppress_sms_sending),
            json={"data": body},
        )

    def set_orders_status(
        self,
        codes: Iterable[str],
        status_id: int,
        *,
        suppress_document_generation: bool = False,
        suppress_email_sending: bool = False,
        suppress_sms_sending: bool = False,
    ) -> BulkStatusResult:
        """Bulk status change, 100 codes per call; unknown codes end up in ``failed``."""
        codes = [str(c) for c in codes]
        result = BulkStatusResult(requested=codes)
        params = _suppress(suppress_document_generation, suppress_email_sending, suppress_sms_sending)
        for chunk in chunked(codes, STATUS_BULK_LIMIT):
            body = {"data": {"orderCodes": chunk, "statusId": status_id}}
            try:
                resp = self.transport.request("PATCH", "/api/orders/status-change", params=params, json=body)
            except ValidationError as err:
                if err.status != 400:
                    raise
                # 400 = every code in the chunk was skipped.
                failed, other = _attribute(err.errors, chunk)
                for c in chunk:
                    failed.setdefault(c, other[0] if other else ApiErrorItem("skipped", err.message, c))
                result.failed.update(failed)
                if err.request_id:
                    result.request_ids.append(err.request_id)
                continue
            failed, other = _attribute(resp.errors, chunk)
            result.failed.update(failed)
            result.other_errors.extend(other)
            if resp.request_id:
                result.request_ids.append(resp.request_id)
        return result

    # ------------------------------------------------------------------ customers

    def iter_customers(self, *, items_per_page: int | None = 1000, **filters: Any) -> Iterator[dict]:
        return self._items("/api/customers", "customers", filters, items_per_page)

    def iter_customer_changes(
        self, since: datetime | str, *, change_type: str | None = None, items_per_page: int | None = 20
    ) -> Iterator[dict]:
        return self._items(
            "/api/customers/changes", "changes", {"from": since, "changeType": change_type}, items_per_page
        )

    def get_customer(self, guid: str) -> dict:
        data = self._get_data(f"/api/customers/{_seg(guid)}")
        return data.get("customer", data) if isinstance(data, dict) else data

    # ------------------------------------------------------------------ products

    def iter_products(self, *, items_per_page: int | None = 1000, **filters: Any) -> Iterator[dict]:
        return self._items("/api/products", "products", filters, items_per_page)

    def iter_product_changes(
        self, since: datetime | str, *, change_type: str | None = None, items_per_page: int | None = 1000
    ) -> Iterator[dict]:
        return self._items(
            "/api/products/changes", "changes", {"from": since, "changeType": change_type}, items_per_page
        )

    def get_product(self, guid: str, *, include: Iterable[str] | None = None, language: str | None = None) -> dict:
        """Product detail; note Shoptet returns the product directly as ``data``."""
        return self._get_data(f"/api/products/{_seg(guid)}", {"include": include, "language": language})

    def get_product_by_code(
        self, code: str, *, include: Iterable[str] | None = None, language: str | None = None
    ) -> dict:
        """Product detail by product *or variant* code (``/`` in codes is percent-encoded)."""
        return self._get_data(f"/api/products/code/{_seg(code)}", {"include": include, "language": language})

    def update_product(self, guid: str, data: Mapping[str, Any], *, language: str | None = None) -> dict:
        """PATCH a product; with ``language`` the texts are written as that translation."""
        resp = self.transport.request(
            "PATCH", f"/api/products/{_seg(guid)}", params={"language": language}, json={"data": dict(data)}
        )
        return resp.data

    def update_product_by_code(self, code: str, data: Mapping[str, Any], *, language: str | None = None) -> dict:
        resp = self.transport.request(
            "PATCH", f"/api/products/code/{_seg(code)}", params={"language": language}, json={"data": dict(data)}
        )
        return resp.data

    # ------------------------------------------------------------------ stock

    def iter_stock_movements(
        self,
        stock_id: int,
        *,
        last_id: int | None = None,
        include: Iterable[str] | None = None,
        items_per_page: int | None = 1000,
        **filters: Any,
    ) -> Iterator[dict]:
        """Movements after ``last_id`` (keyset walk); persist the last ``id`` you processed."""
        return paging.iter_by_cursor(
            self.transport,
            f"/api/stocks/{int(stock_id)}/movements",
            "movements",
            {"include": include, **filters},
            start=last_id,
            items_per_page=items_per_page,
        )

    def list_stocks(self) -> list[dict]:
        """The e-shop's warehouses (``GET /api/stocks``, unpaginated)."""
        return self._get_data("/api/stocks").get("stocks", [])

    def get_last_stock_movement(self, stock_id: int) -> dict:
        """``{lastId, lastChangeTime}``: where to start following movements from now on."""
        return self._get_data(f"/api/stocks/{int(stock_id)}/movements/last")

    def iter_supplies(
        self, stock_id: int, *, include: Iterable[str] | None = None, items_per_page: int | None = 1000, **filters: Any
    ) -> Iterator[dict]:
        return self._items(
            f"/api/stocks/{int(stock_id)}/supplies", "supplies", {"include": include, **filters}, items_per_page
        )

    def update_stock(self, stock_id: int, movements: Iterable[Mapping[str, Any]]) -> StockUpdateResult:
        """PATCH stock in chunks of 300. Rows: ``{productCode, amountChange|quantity|realStock}``.

        Chunks with relative ``amountChange`` rows are not resent after an
        ambiguous failure (5xx, timeout, dropped connection) because that
        could apply the change twice; they raise instead.
        """
        return self._patch_rows(f"/api/stocks/{int(stock_id)}/movements", movements, "productCode",
                                STOCK_BULK_LIMIT, idempotent=lambda chunk: not any("amountChange" in m for m in chunk))

    # ------------------------------------------------------------------ prices

    def default_pricelist_id(self) -> int:
        """The e-shop's default price list (``settings.defaultPricelist.id`` of ``/api/eshop``): its prices are
        the ones a product shows; product updates carry no prices."""
        if self._default_pricelist is None:
            settings = self.get_eshop().get("settings") or {}
            self._default_pricelist = int((settings.get("defaultPricelist") or {}).get("id") or 1)
        return self._default_pricelist

    def update_pricelist(self, pricelist_id: int, items: Iterable[Mapping[str, Any]]) -> StockUpdateResult:
        """PATCH price list rows in chunks of 300: ``{code, price: {price: "12.00"}}`` (absolute, so a resent
        chunk writes the same prices). A partly failed chunk answers 200 with ``errors``; all failed, 400."""
        return self._patch_rows(f"/api/pricelists/{int(pricelist_id)}", items, "code", PRICELIST_BULK_LIMIT,
                                idempotent=lambda chunk: True)

    def _patch_rows(self, path: str, rows: Iterable[Mapping[str, Any]], key: str, limit: int,
                    idempotent: Callable[[list[dict]], bool]) -> StockUpdateResult:
        """PATCH ``{"data": rows}`` in chunks of ``limit``, the rows' errors attributed to their ``key`` (a partly
        failed chunk answers 200 with ``errors``; a wholly failed one 400, which is recorded, not raised)."""
        result = StockUpdateResult()
        for chunk in chunked((dict(row) for row in rows), limit):
            keys = [str(row.get(key)) for row in chunk]
            result.sent += len(chunk)
            try:
                resp = self.transport.request("PATCH", path, json={"data": chunk}, idempotent=idempotent(chunk))
            except ValidationError as err:
                failed, other = _attribute(err.errors, keys)
                if err.status != 400 or not failed:
                    raise
                result.failed.update(failed)
                result.other_errors.extend(other)
                continue
            failed, other = _attribute(resp.errors, keys)
            result.failed.update(failed)
            result.other_errors.extend(other)
            if resp.request_id:
                result.request_ids.append(resp.request_id)
        return result

    # ------------------------------------------------------------------ webhooks

    def iter_webhooks(self, *, items_per_page: int | None = 500) -> Iterator[dict]:
        return self._items("/api/webhooks", "webhooks", {}, items_per_page)

    def register_webhooks(self, hooks: Iterable[Mapping[str, Any]]) -> list[dict]:
        """Register ``{event, url[, sendPayload]}`` items, 50 per call; returns the created webhooks."""
        created: list[dict] = []
        for chunk in chunked((dict(h) for h in hooks), WEBHOOK_BULK_LIMIT):
            resp = self.transport.request("POST", "/api/webhooks", json={"data": chunk})
            data = resp.data if isinstance(resp.data, dict) else {}
            created.extend(data.get("webhooks") or [])
        return created

    def register_webhook(self, event: str, url: str, *, send_payload: str | None = None) -> dict:
        hook: dict[str, Any] = {"event": event, "url": url}
        if send_payload is not None:
            hook["sendPayload"] = send_payload
        created = self.register_webhooks([hook])
        return created[0] if created else {}

    def delete_webhook(self, webhook_id: int, *, missing_ok: bool = False) -> None:
        """Delete a webhook; ``missing_ok`` makes a repeated delete harmless."""
        try:
            self.transport.request("DELETE", f"/api/webhooks/{int(webhook_id)}")
        except NotFound:
            if not missing_ok:
                raise

    def renew_signature_key(self) -> str:
        """New signing key for webhooks (the old one stops working); store it per e-shop."""
        # Safe to resend: each call just issues a newer key and we keep the last one returned.
        resp = self.transport.request("POST", "/api/webhooks/renew-signature-key", idempotent=True)
        data = resp.data if isinstance(resp.data, dict) else {}
        return str(data["signatureKey"])

    def iter_webhook_notifications(self, *, items_per_page: int | None = 500, **filters: Any) -> Iterator[dict]:
        return self._items("/api/webhooks/notifications", "notifications", filters, items_per_page)

    # ------------------------------------------------------------------ jobs & snapshots

    def iter_jobs(self, *, items_per_page: int | None = 500, **filters: Any) -> Iterator[dict]:
        return self._items("/api/system/jobs", "jobs", filters, items_per_page)

    def get_job(self, job_id: str) -> dict:
        return snapshots.get_job(self.transport, job_id)

    def request_snapshot(
        self, kind: str, *, include: Iterable[str] | None = None, language: str | None = None, **filters: Any
    ) -> str:
        """Start an orders/customers/products snapshot; returns the jobId.

        Needs a registered ``job:finished`` webhook (else WebhookRequired).
        """
        return snapshots.request_snapshot(self.transport, kind, snapshots.snapshot_params(filters, include, language))

    def wait_for_job(self, job_id: str, *, finished: FinishedSignal | None = None, **kw: Any) -> dict:
        """See :func:`snapshots.wait_for_job`."""
        return snapshots.wait_for_job(self.transport, job_id, finished=finished, **kw)

    def iter_snapshot(
        self,
        job_or_url: Mapping[str, Any] | str,
        *,
        on_bad_line: Callable[[BadLine], None] | None = None,
        yield_bad_lines: bool = False,
        **kw: Any,
    ) -> Iterator[SnapshotLine | BadLine]:
        """Stream a finished job's result file line by line (see :func:`snapshots.iter_result_file`)."""
        url = job_or_url if isinstance(job_or_url, str) else job_or_url.get("resultUrl")
        if not url:
            raise ValueError("job has no resultUrl")
        return snapshots.iter_result_file(
            self.transport.http,
            url,
            timeout=self.transport.timeout,
            on_bad_line=on_bad_line,
            yield_bad_lines=yield_bad_lines,
            clock=self.clock,
            **kw,
        )

    def snapshot(
        self,
        kind: str,
        *,
        finished: FinishedSignal | None = None,
        include: Iterable[str] | None = None,
        language: str | None = None,
        wait: Mapping[str, Any] | None = None,
        on_bad_line: Callable[[BadLine], None] | None = None,
        yield_bad_lines: bool = False,
        **filters: Any,
    ) -> Iterator[SnapshotLine | BadLine]:
        """Request, wait (now, before returning) and return the line iterator of a snapshot.

        ``finished`` is an Event set by the hub's job:finished endpoint or a
        callable ``finished(job_id) -> bool``; ``wait`` holds extra
        :func:`snapshots.wait_for_job` options (timeout, max_polls, ...).
        """
        job_id = self.request_snapshot(kind, include=include, language=language, **filters)
        job = self.wait_for_job(job_id, finished=finished, **(wait or {}))
        return self.iter_snapshot(job, on_bad_line=on_bad_line, yield_bad_lines=yield_bad_lines)


def _seg(value: Any) -> str:
    """Percent-encode a path segment (codes such as ``40/ZEL`` contain slashes)."""
    return quote(str(value), safe="")


def _suppress(documents: bool, emails: bool, sms: bool) -> dict[str, Any]:
    return {
        "suppressDocumentGeneration": documents or None,
        "suppressEmailSending": emails or None,
        "suppressSmsSending": sms or None,
    }
