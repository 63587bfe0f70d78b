"""The CSV export at size, run by the tables bench on its loaded data: speed against a raw COPY of the same rows,
and memory against the row count (the export streams in keyset batches, so a run over three times the rows
should need no more memory than the smaller one).

Both exports are the job's own function (`app.tables.exports.run_export`) with every column chosen, each in a
process of its own: one shop, then all three. The limit for speed is PostgreSQL writing the same columns of the
same rows, in the same order, as CSV (`COPY (SELECT …) TO STDOUT`), to a file on the same disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class PeakMemory:
    """The process's resident memory, sampled every 20 ms while in the block; `growth` is peak minus start."""

    def __init__(self):
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def resident() -> int:
        with open("/proc/self/statm") as statm:  # Linux: pages; the bench machine is Linux
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.resident())

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = self.resident()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.resident())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _run_export(org_id: int, query: str, folder: Path) -> dict:
    """One export job run in a process of its own (so one run's memory is not reused by the next):
    rows, seconds, memory growth (bytes, peak over the resident size before the job) and file size."""
    command = [sys.executable, "-m", "bench.export_bench", str(org_id), query, str(folder)]
    done = subprocess.run(command, env=dict(os.environ), cwd=str(ROOT), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"export run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export_in_this_process(org_id: int, query: str, folder: Path) -> dict:
    from app import create_app
    from app.extensions import db
    from app.tables.exports import run_export
    from app.tables.models import TableExport

    app = create_app()
    app.config["EXPORTS_DIR"] = str(folder)
    with app.app_context():
        export = TableExport(organization_id=org_id, table_name="orders", query=query, status="queued", rows_done=0)
        db.session.add(export)
        db.session.commit()
        export_id = export.id
        with PeakMemory() as memory:
            started = time.perf_counter()
            outcome = run_export(export_id)
            seconds = time.perf_counter() - started
        export = db.session.get(TableExport, export_id)
        if outcome != "done":
            raise RuntimeError(f"export {export_id}: {outcome} {export.error}")
        result = {"rows": export.rows_done, "seconds": seconds, "growth": memory.growth,
                  "size": Path(export.file_path).stat().st_size}
        Path(export.file_path).unlink()
        db.session.delete(export)
        db.session.commit()
    return result


def _raw_copy(app, shop_ids: list[int], folder: Path) -> tuple[float, int]:
    """(seconds, file size) of PostgreSQL writing the export's columns of the same rows as CSV."""
    from app.extensions import db

    sql = ("COPY (SELECT o.code, o.creation_time, s.name, o.status_name, o.paid, o.full_name, o.company, o.email, "
           "o.phone, o.total_with_vat, o.currency, o.payment_method, o.shipping_method, o.source_name, "
           "o.item_count FROM orders o JOIN shops s ON s.id = o.shop_id "
           f"WHERE o.shop_id IN ({', '.join(str(int(shop_id)) for shop_id in shop_ids)}) AND o.deleted_at IS NULL "
           "ORDER BY o.shop_id DESC, o.creation_time DESC, o.id DESC) TO STDOUT (FORMAT csv, HEADER)")
    path = folder / "raw-copy.csv"
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            started = time.perf_counter()
            with raw.driver_connection.cursor() as cursor, cursor.copy(sql) as copy, path.open("wb") as out:
                for block in copy:
                    out.write(block)
            seconds = time.perf_counter() - started
        finally:
            raw.close()
    size = path.stat().st_size
    path.unlink()
    return seconds, size


def export_figures(app, user_email: str) -> None:
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.orders.table import ORDERS
    from app.orgs.models import Membership
    from app.shops.models import Shop

    with app.app_context():
        org_id = db.session.execute(select(Membership.organization_id).join(User, User.id == Membership.user_id)
                                    .where(User.email == user_email)).scalar_one()
        shop_ids = list(db.session.execute(select(Shop.id).where(Shop.organization_id == org_id)
                                           .order_by(Shop.id)).scalars())
    every_column = "&".join(f"cols={column.key}" for column in ORDERS.columns)
    print("\nCSV export (the job's run_export, every column, a process each) against a raw COPY of the same rows:")
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as name:
        folder = Path(name)
        growths = []
        for label, query, shops in (("one shop", f"shop={shop_ids[0]}&{every_column}", shop_ids[:1]),
                                    ("all shops", every_column, shop_ids)):
            run = _run_export(org_id, query, folder)
            rows, seconds, growth, size = run["rows"], run["seconds"], run["growth"], run["size"]
            copy_seconds, copy_size = _raw_copy(app, shops, folder)
            growths.append((rows, growth))
            print(f"  {label:9s} {rows:>9,} rows  {seconds:6.1f} s ({rows / seconds:,.0f} rows/s, {size / 1e6:.0f} MB)"
                  f"   raw COPY {copy_seconds:5.1f} s ({copy_size / 1e6:.0f} MB)   {seconds / copy_seconds:.1f}× the "
                  f"COPY   memory growth {growth / 1e6:5.1f} MB")
        (few_rows, few_growth), (many_rows, many_growth) = growths
        print(f"  memory: {many_rows / few_rows:.1f}× the rows took {many_growth / max(few_growth, 1):.2f}× the memory "
              "growth (flat when about 1)")


if __name__ == "__main__":  # one export run, for _run_export: python -m bench.export_bench ORG_ID QUERY FOLDER
    print(json.dumps(_export_in_this_process(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))))
