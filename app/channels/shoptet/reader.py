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
        self._line_no = 0  # the last line handed out
        # (lines, compressed bytes) of the chunks read *and used up*: the reader asks for a chunk only once the
        # lines of the ones before are out, so this pair measures lines per byte. `position` alone does not:
        # it runs a whole chunk (1 MiB) ahead of the lines, which made a 5000-line file read "2000 / ~2742".
        self._measured = (0, 0)

    def _chunks(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                self._measured = (self._line_no, self.position)
                self.position += len(chunk)
                yield chunk

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Every non-blank line, numbered from 1 as in the file."""
        self.position, self._line_no, self._measured = 0, 0, (0, 0)
        for line_no, raw in split_lines(gunzip_stream(self._chunks())):
            self._line_no = line_no
            yield line_no, raw

    def estimate_total(self, lines_done: int) -> int | None:
        """Lines in the whole file, extrapolated from the lines of the compressed chunks used up so far.

        None until one chunk is used up (a small file is read whole first: its total is then what was done).
        """
        lines, position = self._measured
        if not lines_done:
            return None
        if not lines or not position:
            return lines_done if self.position >= self.size else None
        return max(lines_done, round(lines * self.size / position))
