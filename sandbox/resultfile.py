"""Streaming writer for gzip-compressed JSON Lines files (Shoptet snapshot results).

Producers hand over ~1 MB chunks of serialised lines; a second thread compresses
and writes them.  zlib releases the GIL, so on two cores generation and
compression overlap.  Memory stays bounded by a small queue of chunks.  The file
is a single gzip member (some readers stop after the first member).
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import orjson

BATCH_BYTES = 1 << 20
# Shapes of broken lines for the `snapshot_malformed_lines` fault.
MALFORMED = (b'{"code": "2020000001", "email": tru', b"{'not': 'json'}", b'{"guid": "x"}}', b"\x00\x01garbage")


@dataclass
class WriteStats:
    lines: int = 0
    records: int = 0
    raw_bytes: int = 0
    gzip_bytes: int = 0
    malformed_lines: list[int] = field(default_factory=list)


def malformed_positions(count: int, total_records: int) -> list[int]:
    """Where `count` broken lines go (0-based line numbers of the final file).

    Spread evenly, first one after the first valid record, so tests can predict them.
    """
    if count <= 0:
        return []
    step = max(1, total_records // (count + 1))
    return [step * (k + 1) + k for k in range(count)]


def write_chunks_gz(chunks: Iterable[bytes], path: str, level: int = 5,
                    cancel: threading.Event | None = None) -> tuple[int, int]:
    """Compress byte chunks into one gzip member at `path`; returns (raw, gzip) sizes."""
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    failure: list[BaseException] = []
    sizes = [0, 0]

    def compress_and_write() -> None:
        compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
        try:
            with open(path, "wb") as out:
                while (chunk := pending.get()) is not None:
                    data = compressor.compress(chunk)
                    sizes[1] += len(data)
                    out.write(data)
                tail = compressor.flush()
                sizes[1] += len(tail)
                out.write(tail)
        except BaseException as exc:  # surfaced to the producer below
            failure.append(exc)
            while pending.get() is not None:
                pass

    writer = threading.Thread(target=compress_and_write, name="resultfile-writer", daemon=True)
    writer.start()
    try:
        for chunk in chunks:
            if cancel is not None and cancel.is_set():
                raise InterruptedError("result file cancelled")
            if failure:
                break
            sizes[0] += len(chunk)
            pending.put(chunk)
    finally:
        pending.put(None)
        writer.join()
    if failure:
        raise failure[0]
    return sizes[0], sizes[1]


def serialise(records: Iterable[dict], stats: WriteStats, malformed_at: Sequence[int] = ()) -> Iterator[bytes]:
    """JSON Lines in ~1 MB chunks, with broken lines inserted at `malformed_at`."""
    bad = sorted(malformed_at)
    bad_index = 0
    dumps = orjson.dumps
    batch: list[bytes] = []
    size = 0
    line = 0
    for record in records:
        while bad_index < len(bad) and bad[bad_index] == line:
            broken = MALFORMED[bad_index % len(MALFORMED)] + b"\n"
            batch.append(broken)
            size += len(broken)
            stats.malformed_lines.append(line)
            bad_index += 1
            line += 1
        data = dumps(record) + b"\n"
        batch.append(data)
        size += len(data)
        line += 1
        stats.records += 1
        if size >= BATCH_BYTES:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)
    stats.lines = line


def write_jsonl_gz(records: Iterable[dict], path: str, level: int = 5,
                   malformed_at: Sequence[int] = (), cancel: threading.Event | None = None) -> WriteStats:
    """Write one JSON document per line, gzip-compressed, to `path`."""
    stats = WriteStats()
    stats.raw_bytes, stats.gzip_bytes = write_chunks_gz(serialise(records, stats, malformed_at), path, level,
                                                        cancel)
    return stats
