"""WooCommerce date conventions in one place.

`date_*` is the site's time zone, `date_*_gmt` UTC, both `YYYY-MM-DDTHH:MM:SS` with
no offset; an unset date is null.  Query filters are read as site time unless
`dates_are_gmt=true`.  Internally every date is an integer epoch second (UTC).
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")


def fmt_gmt(ts: int | None) -> str | None:
    if ts is None:
        return None
    t = time.gmtime(ts)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"


class StoreClock:
    """The store's time zone (default Europe/Prague, with DST)."""

    def __init__(self, timezone: str):
        self.name = timezone
        self.zone = ZoneInfo(timezone)
        self._offsets: dict[int, int] = {}  # UTC hour -> the zone's offset then (transitions fall on full hours)

    def fmt_local(self, ts: int | None) -> str | None:
        if ts is None:
            return None
        hour = ts // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            offset = int(datetime.fromtimestamp(hour * 3600, self.zone).utcoffset().total_seconds())
            self._offsets[hour] = offset
        return fmt_gmt(ts + offset)

    def pair(self, out: dict, name: str, ts: int | None) -> None:
        """Write `date_<name>` (site time) and `date_<name>_gmt` into a response dict."""
        out[f"date_{name}"] = self.fmt_local(ts)
        out[f"date_{name}_gmt"] = fmt_gmt(ts)

    def local_to_epoch(self, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
        return int(datetime(year, month, day, hour, minute, second, tzinfo=self.zone).timestamp())

    def next_local_time(self, ts: int, hour: int) -> int:
        """The first `hour`:00:00 site time strictly after the day of `ts` begins (a nightly job's second)."""
        local = datetime.fromtimestamp(ts, self.zone)
        start = self.local_to_epoch(local.year, local.month, local.day, hour, 0, 0)
        return start if start > ts else start + 86400

    def parse(self, value: str, gmt: bool) -> int:
        """A query/body date -> epoch.  Like WooCommerce, an offset or `Z` in the value is not honoured:
        the digits are site time, or UTC with `dates_are_gmt` (raises ValueError when malformed)."""
        m = _DATE_RE.match(value.strip())
        if not m:
            raise ValueError(value)
        y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
        if not (1 <= mo <= 12 and 1 <= d <= 31 and hh < 24 and mi < 60 and ss < 61):
            raise ValueError(value)
        if gmt:
            return calendar.timegm((y, mo, d, hh, mi, ss))
        return self.local_to_epoch(y, mo, d, hh, mi, ss)
