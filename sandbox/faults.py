"""Fault switches, global or per shop, settable at start and at run time.

A shop's effective switches are the global ones overlaid with its own.  Rates are
probabilities in [0, 1]; they are rolled with a seeded RNG so a single-threaded
run is reproducible.
"""

from __future__ import annotations

import random
import threading

# name -> (type check, description)
SWITCHES: dict[str, tuple[type | tuple, str]] = {
    "error_500_rate": ((int, float), "fraction of API requests answered 500"),
    "error_503_rate": ((int, float), "fraction of API requests answered 503 (maintenance)"),
    "error_423_rate": ((int, float), "fraction of API write requests answered 423 (locked)"),
    "error_429_rate": ((int, float), "fraction of API requests answered 429 (bucket full, Retry-After)"),
    "write_faults": (list, "script for the next API writes, one entry each: 0 = pass, 423, 429, 500, 502, 503, 504 "
                           "(refused, nothing written) or \"500-after-write\" (written, then answered 500)"),
    "slow_ms": ((int, float), "delay added to every API request, in ms"),
    "drop_connection_rate": ((int, float), "fraction of requests whose socket is closed without a response"),
    "expire_tokens": (bool, "action: every current API access token expires now"),
    "snapshot_truncate": (bool, "result files are cut in the middle of the gzip stream"),
    "snapshot_corrupt": ((bool, str), "result files get a bad CRC (true/'crc') or garbled bytes ('garble')"),
    "snapshot_malformed_lines": (int, "this many invalid JSON lines are inserted at predictable positions"),
    "snapshot_job_fails": (bool, "snapshot jobs end with status failed"),
    "snapshot_job_never_finishes": (bool, "snapshot jobs stay running forever"),
    "webhooks_disabled": (bool, "webhook deliveries are dropped"),
    "webhook_drop_rate": ((int, float), "fraction of webhook deliveries dropped"),
}
ACTIONS = {"expire_tokens"}
WRITE_FAULTS = {0, 423, 429, 500, 502, 503, 504, "500-after-write"}


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self, seed: int = 0):
        self._global: dict = {}
        self._shops: dict[int, dict] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    @staticmethod
    def validate(switches: dict) -> dict:
        clean = {}
        for name, value in switches.items():
            if name not in SWITCHES:
                raise FaultError(f"unknown fault switch {name!r}; known: {sorted(SWITCHES)}")
            expected = SWITCHES[name][0]
            if value is None:
                clean[name] = None
                continue
            if isinstance(value, bool) and expected not in (bool, (bool, str)) or not isinstance(value, expected):
                raise FaultError(f"fault switch {name!r} has a wrong type: {value!r}")
            if name == "write_faults":
                bad = [v for v in value if isinstance(v, bool) or v is not None and v not in WRITE_FAULTS]
                if bad:
                    raise FaultError(f"write_faults entries must be one of {sorted(map(str, WRITE_FAULTS))}: {bad}")
                value = [v or 0 for v in value]
            if name == "snapshot_corrupt" and isinstance(value, str) and value not in ("crc", "garble"):
                raise FaultError("snapshot_corrupt must be true, 'crc' or 'garble'")
            if name.endswith("_rate") and not 0 <= value <= 1:
                raise FaultError(f"fault switch {name!r} must be between 0 and 1")
            clean[name] = value
        return clean

    def set(self, shop: int | None, switches: dict) -> None:
        """Store switches (actions such as expire_tokens are the caller's job)."""
        clean = {k: v for k, v in self.validate(switches).items() if k not in ACTIONS}
        with self._lock:
            target = self._global if shop is None else self._shops.setdefault(shop, {})
            for name, value in clean.items():
                if value is None or value is False or value == 0 or value == []:
                    target.pop(name, None)
                else:
                    target[name] = value

    def reset(self, shop: int | None = None) -> None:
        with self._lock:
            if shop is None:
                self._global.clear()
                self._shops.clear()
            else:
                self._shops.pop(shop, None)

    def effective(self, shop: int | None) -> dict:
        with self._lock:
            merged = dict(self._global)
            if shop is not None:
                merged.update(self._shops.get(shop, {}))
            return merged

    def get(self, shop: int | None, name: str, default=None):
        return self.effective(shop).get(name, default)

    def roll(self, shop: int | None, name: str) -> bool:
        rate = float(self.get(shop, name, 0) or 0)
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def take_write_fault(self, shop: int | None):
        """The next entry of the shop's (else the global) write_faults script, or None."""
        with self._lock:
            for target in (self._shops.get(shop, {}) if shop is not None else {}, self._global):
                script = target.get("write_faults")
                if script:
                    entry = script.pop(0)
                    if not script:
                        target.pop("write_faults")
                    return entry
        return None

    def snapshot(self) -> dict:
        with self._lock:
            return {"global": _copy(self._global), "shops": {str(k): _copy(v) for k, v in self._shops.items() if v}}


def _copy(switches: dict) -> dict:
    return {k: list(v) if isinstance(v, list) else v for k, v in switches.items()}
