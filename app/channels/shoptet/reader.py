"""Read a local gzip JSON Lines snapshot as (line number, raw bytes), with the compressed position.

Decoding is the Shoptet client's (app.shoptet.snapshots): chunked gunzip that raises SnapshotCorrupt on a
truncated, garbled or bad-CRC file, and only after the last complete line, so a half line cut off by
truncation is never imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from app.shoptet.snapshots import gunzip_stream, split_lines

CHUNK = 1 << 20


class SnapshotFile:
    def __init__(self, path: str):
        self.path = path
        self.size = os.path.getsize(path)
        self.position = 0  # compressed bytes consumed so far (for progress and ETA)

    def _chunks(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                self.position += len(chunk)
                yield chunk

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Every non-blank line, numbered from 1 as in the file."""
        self.position = 0
        return split_lines(gunzip_stream(self._chunks()))

    def estimate_total(self, lines_done: int) -> int | None:
        """Lines in the whole file, extrapolated from the compressed bytes read so far."""
        if not self.position or not lines_done:
            return None
        return max(lines_done, round(lines_done * self.size / self.position))
