"""The WooCommerce REST API (`wc/v3`) client the hub's channel code will call.

One `WooClient` per store credential (consumer key and secret).  Paths are the
API's own (`/orders`, `/products/12/variations`), query parameters WooCommerce's
names, so the API documentation applies unchanged.  Synchronous, thread-safe
(one httpx client), Flask-free.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx

from app.shoptet.limits import REAL_CLOCK, Clock, RetryPolicy

from . import paging
from .auth import HMAC_SHA256, auth_for
from .batch import BATCH_LIMIT, BatchResult, run_batch
from .transport import DEFAULT_TIMEOUT, Transport, WooResponse
from .walk import DEFAULT_OVERLAP, ModifiedWalk, WalkCursor


class WooClient:
    def __init__(self, store_url: str, consumer_key: str, consumer_secret: str, *,
                 store_sees_tls: bool | None = None, oauth_method: str = HMAC_SHA256, oauth_in_header: bool = False,
                 basic_in_query: bool = False,
                 http: httpx.Client | None = None, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, clock: Clock = REAL_CLOCK, rng: random.Random | None = None,
                 on_response: Callable[[int, Mapping[str, str]], None] | None = None, verify=True) -> None:
        """`store_url` is the store's home (`https://shop.example`).  Over https the client uses HTTP Basic;
        over plain http OAuth 1.0a, unless `store_sees_tls` says the store is told it runs on TLS (a
        proxy that sets HTTPS for WordPress).  `basic_in_query` sends the key pair as query parameters, for
        hosts that strip the Authorization header."""
        self.store_url = store_url.rstrip("/")
        auth = auth_for(store_url, consumer_key, consumer_secret, store_sees_tls=store_sees_tls,
                        oauth_method=oauth_method, oauth_in_header=oauth_in_header, basic_in_query=basic_in_query)
        self.transport = Transport(store_url, auth, http=http, timeout=timeout, retry=retry, clock=clock, rng=rng,
                                   on_response=on_response, verify=verify)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> WooClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plain calls ----------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                idempotent: bool | None = None) -> WooResponse:
        return self.transport.request(method, path, params=params, json=json, idempotent=idempotent)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).data

    def create(self, path: str, data: Mapping[str, Any]) -> dict:
        """POST a new record (not resent after an ambiguous failure: it might exist already)."""
        return self.request("POST", path, json=data).data

    def update(self, path: str, data: Mapping[str, Any]) -> dict:
        return self.request("PUT", path, json=data).data

    def delete(self, path: str, *, force: bool = False) -> dict:
        return self.request("DELETE", path, params={"force": force}).data

    # -- lists ----------------------------------------------------------------------------------
    def iter_pages(self, path: str, params: Mapping[str, Any] | None = None, *,
                   per_page: int = paging.MAX_PER_PAGE) -> Iterator[paging.Page]:
        return paging.iter_pages(self.transport, path, params, per_page=per_page)

    def iter_items(self, path: str, params: Mapping[str, Any] | None = None, *,
                   per_page: int = paging.MAX_PER_PAGE) -> Iterator[dict]:
        return paging.iter_items(self.transport, path, params, per_page=per_page)

    def walk_modified(self, path: str = "/orders", *, cursor: WalkCursor | None = None,
                      overlap_seconds: int = DEFAULT_OVERLAP, params: Mapping[str, Any] | None = None,
                      per_page: int = paging.MAX_PER_PAGE, resume_after: tuple[str, int] | None = None,
                      ) -> ModifiedWalk:
        """Records of `path` changed since `cursor` (all of them without one), or after the record
        `resume_after`; see walk.py."""
        return ModifiedWalk(self.transport, path, cursor=cursor, overlap_seconds=overlap_seconds, params=params,
                            per_page=per_page, resume_after=resume_after)

    # -- batches --------------------------------------------------------------------------------
    def batch(self, path: str, *, create: Iterable[dict] = (), update: Iterable[dict] = (),
              delete: Iterable[int] = (), chunk_size: int = BATCH_LIMIT) -> BatchResult:
        """`path` is the collection (`/products`); chunks of at most 100 go to `<path>/batch`."""
        return run_batch(self.transport, path, create=create, update=update, delete=delete, chunk_size=chunk_size)
