"""Value formats used by Shoptet plus the cheap hashing that keeps data deterministic.

Money is handled as integer hundredths and amounts as integer thousandths so the
strings we emit are exact ("242.00", "1.000") and generation stays fast.
"""

from __future__ import annotations

import calendar
import os
import re
import time
import uuid

# Shoptet writes local time with a numeric offset.  The sandbox pins the offset to
# +0100 (Central European winter time) instead of following DST: simpler to reason
# about in tests and still exercises offset parsing.  UNCERTAIN vs. the live API,
# which writes +0200 in summer.
TZ_OFFSET_SECONDS = 3600
TZ_SUFFIX = "+0100"

_MASK64 = (1 << 64) - 1


def mix(*parts: int) -> int:
    """Stable 64-bit hash of integers (splitmix64 chain).

    Python's hash() of str is salted per process; this is not, so every record can
    be re-derived from (seed, shop, kind, index) in any process.
    """
    h = 0x9E3779B97F4A7C15
    for p in parts:  # cheap bijective absorb per part, one full finaliser at the end
        h = (((h ^ p) & _MASK64) * 0xD6E8FEB86659FD93 + 0x9E3779B97F4A7C15) & _MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK64
    return h ^ (h >> 31)


def fmt_dt(ts: float) -> str:
    """Epoch seconds -> 'YYYY-MM-DDTHH:MM:SS+0100'."""
    t = time.gmtime(int(ts) + TZ_OFFSET_SECONDS)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}{TZ_SUFFIX}"
    )


def fmt_date(ts: float) -> str:
    t = time.gmtime(int(ts) + TZ_OFFSET_SECONDS)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def local_year(ts: float) -> int:
    return time.gmtime(int(ts) + TZ_OFFSET_SECONDS).tm_year


def local_year_start(year: int) -> int:
    """Epoch seconds of Jan 1st 00:00 local time."""
    return calendar.timegm((year, 1, 1, 0, 0, 0)) - TZ_OFFSET_SECONDS


_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_dt(value: str) -> int:
    """Parse a query/body datetime to epoch seconds.

    Accepts '2017-12-12T22:08:01+0100', '+01:00', 'Z' and no offset (shop local
    time).  A '+' that the client forgot to URL-encode arrives as a space, which
    the live API rejects; so do we (ValueError).
    """
    m = _DT_RE.match(value)
    if not m:
        raise ValueError(value)
    y, mo, d, hh, mm, ss, off = m.groups()
    ts = calendar.timegm((int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0)))
    if int(mo) > 12 or int(d) > 31 or int(hh or 0) > 23:
        raise ValueError(value)
    if off is None:
        return ts - TZ_OFFSET_SECONDS
    if off == "Z":
        return ts
    sign = 1 if off[0] == "+" else -1
    digits = off[1:].replace(":", "")
    return ts - sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)


def money(hundredths: int) -> str:
    """Integer hundredths -> '-12.30'."""
    if hundredths < 0:
        return "-" + money(-hundredths)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def amount(thousandths: int) -> str:
    """Integer thousandths -> '1.000'."""
    if thousandths < 0:
        return "-" + amount(-thousandths)
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


def parse_decimal(value: str | int | float, places: int) -> int:
    """'12.5' / 12.5 -> integer in 10**-places units (half away from zero)."""
    text = str(value).strip()
    neg = text.startswith("-")
    text = text.lstrip("+-")
    whole, _, frac = text.partition(".")
    if not (whole or frac) or not (whole + frac).isdigit():
        raise ValueError(value)
    frac_digits = (frac + "0" * (places + 1))[: places + 1]
    units = int(whole or "0") * 10**places + int(frac_digits[:places] or "0")
    if int(frac_digits[places]) >= 5:
        units += 1
    return -units if neg else units


def guid_from(h: int, h2: int) -> str:
    """Lowercase UUID-shaped string from two 64-bit hashes (v1-looking, like Shoptet)."""
    hi = f"{h:016x}"
    lo = f"{h2:016x}"
    return f"{hi[:8]}-{hi[8:12]}-11e{hi[12]}-{'89ab'[h2 >> 62]}{lo[1:4]}-{lo[4:16]}"


class IndexedGuids:
    """Reversible GUIDs: the record index is hidden in the first field.

    Lets `GET /api/customers/{guid}` find customer j among 661k without an index
    table: decode j, regenerate its GUID and compare.
    """

    def __init__(self, seed: int, shop: int, kind: int):
        self._mask = mix(seed, shop, kind, 0xA5) & 0xFFFFFFFF
        self._salt = (seed, shop, kind)

    def guid(self, index: int) -> str:
        seed, shop, kind = self._salt
        h = mix(seed, shop, kind, index)
        first = (index ^ self._mask) & 0xFFFFFFFF
        low = (h * 0x2545F4914F6CDD1D) & _MASK64
        return guid_from((first << 32) | (h & 0xFFFFFFFF), low ^ (low >> 29))

    def index(self, guid: str) -> int | None:
        try:
            first = int(guid[:8], 16)
        except ValueError:
            return None
        index = first ^ self._mask
        return index if self.guid(index) == guid else None


def uuid7() -> str:
    """Time-ordered request id shaped like the ones Shoptet returns."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | (0x7 << 76) | ((rand >> 62) & 0xFFF) << 64
    value |= (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def ean13(body12: int) -> str:
    """Valid EAN-13 from a 12-digit body."""
    digits = f"{body12 % 10**12:012d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits))
    return digits + str((10 - total % 10) % 10)
