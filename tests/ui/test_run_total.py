"""A snapshot run's total is estimated from what was used up, not from a read-ahead chunk."""

import gzip

import orjson

from app.channels.shoptet import reader
from app.channels.shoptet.reader import SnapshotFile


def test_the_estimated_total_is_near_the_real_one_from_early_on(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK", 4096)  # several chunks in a small file, as 1 MiB ones in a big file
    path = tmp_path / "orders.jsonl.gz"
    lines = [orjson.dumps({"code": f"{n:06d}", "note": "x" * (n % 50)}) for n in range(5000)]
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    snapshot = SnapshotFile(str(path))
    estimates = []
    for line_no, _ in snapshot.lines():
        if line_no % 500 == 0:
            estimates.append(snapshot.estimate_total(line_no))
    known = [e for e in estimates if e is not None]
    assert len(known) >= 8
    assert all(abs(e - 5000) / 5000 < 0.15 for e in known), estimates
    assert snapshot.estimate_total(5000) >= 5000


def test_a_file_read_whole_at_once_reports_what_was_done(tmp_path):
    path = tmp_path / "small.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(orjson.dumps({"n": n}) for n in range(300)) + b"\n"))
    snapshot = SnapshotFile(str(path))
    for line_no, _ in snapshot.lines():
        if line_no == 100:
            assert snapshot.estimate_total(100) == 100  # never a total below done, never a wild guess
