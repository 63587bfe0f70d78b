"""Fault switches for the store's API and webhooks, settable at start (`--faults JSON`) and at run time.

Rates are probabilities rolled with a seeded RNG.  The host-level 429 (what a
host's WAF or rate limiter answers before WordPress runs: an empty or HTML body,
with or without `Retry-After`) can be random (`throttle_rate`) or a
deterministic burst: after `throttle_after` more API requests, the next
`throttle_count` are refused.
"""

from __future__ import annotations

import random
import threading

SWITCHES: dict[str, tuple[type | tuple, str]] = {
    "error_500_rate": ((int, float), "fraction of API requests failing with a PHP fatal (500, JSON)"),
    "error_503_rate": ((int, float), "fraction of API requests refused by the host (503, HTML)"),
    "slow_ms": ((int, float), "delay added to every API request, in ms"),
    "throttle_rate": ((int, float), "fraction of API requests answered 429 by the host"),
    "throttle_after": (int, "let this many API requests pass, then start a 429 burst"),
    "throttle_count": (int, "length of the 429 burst (default 1 when throttle_after is set)"),
    "throttle_body": (str, "body of the host's 429: 'empty' (default) or 'html'"),
    "throttle_retry_after": ((int, float), "Retry-After seconds on the host's 429 (none when unset)"),
    "batch_500_over": (int, "batch requests with more items than this fail with 500 (a timed-out PHP run)"),
    "webhooks_disabled": (bool, "webhook deliveries are dropped"),
    "webhook_drop_rate": ((int, float), "fraction of webhook deliveries dropped"),
    "webhook_duplicate_rate": ((int, float), "fraction of webhook deliveries sent twice"),
    "webhook_late_ms": ((int, float), "extra delay before webhook deliveries, in ms"),
}


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self, seed: int = 0):
        self._switches: dict = {}
        self._burst_wait = 0
        self._burst_left = 0
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def set(self, switches: dict) -> dict:
        clean = {}
        for name, value in switches.items():
            if name not in SWITCHES:
                raise FaultError(f"unknown fault switch {name!r}; known: {sorted(SWITCHES)}")
            expected = SWITCHES[name][0]
            if value is not None and (isinstance(value, bool) != (expected is bool) or not isinstance(value, expected)):
                raise FaultError(f"fault switch {name!r} has a wrong type: {value!r}")
            if name.endswith("_rate") and value is not None and not 0 <= value <= 1:
                raise FaultError(f"fault switch {name!r} must be between 0 and 1")
            if name == "throttle_body" and value not in (None, "empty", "html"):
                raise FaultError("throttle_body must be 'empty' or 'html'")
            clean[name] = value
        with self._lock:
            for name, value in clean.items():
                if value is None or value is False:
                    self._switches.pop(name, None)
                else:
                    self._switches[name] = value
            if "throttle_after" in clean or "throttle_count" in clean:
                self._burst_wait = int(self._switches.get("throttle_after", 0))
                self._burst_left = int(self._switches.get("throttle_count", 1))
        return self.snapshot()

    def reset(self) -> None:
        with self._lock:
            self._switches.clear()
            self._burst_wait = self._burst_left = 0

    def get(self, name: str, default=None):
        with self._lock:
            return self._switches.get(name, default)

    def roll(self, name: str) -> bool:
        with self._lock:
            rate = float(self._switches.get(name, 0) or 0)
            return rate > 0 and self._rng.random() < rate

    def throttled(self) -> bool:
        """One API request passes the host: is it refused with 429?"""
        with self._lock:
            if self._burst_left > 0:
                if self._burst_wait > 0:
                    self._burst_wait -= 1
                else:
                    self._burst_left -= 1
                    return True
            rate = float(self._switches.get("throttle_rate", 0) or 0)
            return rate > 0 and self._rng.random() < rate

    def snapshot(self) -> dict:
        with self._lock:
            return {**self._switches, "_burst": {"wait": self._burst_wait, "left": self._burst_left}}
