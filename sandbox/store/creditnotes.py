"""Credit notes of returned goods: the generated ones (built on first use) and their restocking."""

from __future__ import annotations

import threading
import time

from sandbox.generator import returns
from sandbox.store.orders import HISTORY_SECONDS


class CreditNoteError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class CreditNotes:
    def __init__(self, data, lock, orders):
        self.data = data
        self.lock = lock
        self.orders = orders  # OrderOverlay: credit notes show the order as it is now
        self._index: list[tuple[int, int, int]] | None = None
        self._build_lock = threading.Lock()
        self.restocked: dict[int, int] = {}  # k -> time

    @property
    def index(self) -> list[tuple[int, int, int]]:
        if self._index is None:
            with self._build_lock:
                if self._index is None:
                    self._index = returns.returns_of(self.data)
        return self._index

    def find(self, code: str) -> int | None:
        if not code.isdigit():
            return None
        k = int(code) - 1
        return k if 0 <= k < len(self.index) and returns.code_of(k) == code else None

    def detail(self, k: int) -> dict:
        when, i, choice = self.index[k]
        order = self.orders.record(i)
        changed = self.restocked.get(k, when)
        return returns.credit_note(order, k, when, choice, k in self.restocked, changed,
                                   order.get("language") or self.data.profile.language)

    def list_item(self, k: int) -> dict:
        return returns.list_item(self.detail(k))

    def changed_at(self, k: int) -> int:
        return self.restocked.get(k, self.index[k][0])

    def select(self, created_from: int | None = None, created_to: int | None = None,
               var_symbol: str | None = None, is_valid: bool | None = None) -> list[int]:
        if is_valid is False:
            return []
        if var_symbol is not None:
            k = self.find(f"{int(var_symbol):010d}") if var_symbol.isdigit() else None
            return [] if k is None else [k]
        return [k for k, (when, _i, _c) in enumerate(self.index)
                if (created_from is None or when >= created_from) and (created_to is None or when <= created_to)]

    def changes(self, since: int, now: float) -> list[tuple[str, int, str]]:
        horizon = max(since, int(now) - HISTORY_SECONDS)
        out = [(returns.code_of(k), self.changed_at(k), "edit") for k in range(len(self.index))
               if self.changed_at(k) >= horizon]
        out.sort(key=lambda e: (e[1], e[0]))
        return out

    def mark_restocked(self, code: str, now: float | None = None) -> list[tuple[str, int, str]]:
        """Mark a credit note restocked; returns (variant code, thousandths, order code) to put back."""
        k = self.find(code)
        if k is None:
            raise CreditNoteError(404, "credit-note-not-found", f'Credit note with code "{code}" not found.')
        with self.lock:
            if k in self.restocked:
                raise CreditNoteError(409, "credit-note-already-restocked",
                                      f'Credit note with code "{code}" already restocked.')
            self.restocked[k] = int(now or time.time())
        _when, i, choice = self.index[k]
        order = self.orders.record(i)
        lines = []
        for item in returns.returned_lines(order, choice):
            if self.data.catalog.variant(item["code"]) is not None:
                lines.append((item["code"], int(item["amount"].replace(".", "")), order["code"]))
        return lines
