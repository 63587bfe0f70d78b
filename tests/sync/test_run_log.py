"""Ops can see what workers do: one structured line per run claim, progress, retry, finish and failure, each
naming the run, its shop and its kind."""

import logging
import re

import pytest

from app.channels.base import SourceDamaged
from app.channels.shoptet.channel import ShoptetChannel
from app.crypto import encrypt
from app.sync import ledger
from app.sync.runner import ImportFailed, execute_run, run_file_import
from tests.factories import make_org, make_shop
from tests.imports.snapshot_files import generate, truncate

LINE = re.compile(r"^event=run\.(\w+) run=(\d+) shop=(\d+) kind=(\w+) mode=(\w+)( .*)?$")


@pytest.fixture
def run_log(caplog):
    caplog.set_level(logging.INFO, logger="hub.runs")

    def lines():
        parsed = []
        for record in caplog.records:
            if record.name == "hub.runs":
                match = LINE.match(record.getMessage())
                assert match, f"not a structured run line: {record.getMessage()!r}"
                event, run, shop, kind, mode, rest = match.groups()
                parsed.append((event, int(run), int(shop), kind, mode, rest or "", record.levelno))
        return parsed

    return lines


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory):
    return generate("orders", 30, tmp_path_factory.mktemp("runlog") / "orders.jsonl.gz")


def test_a_run_logs_its_claim_each_batch_and_its_finish(app, live_db, run_log, orders_file, monkeypatch):
    # Real commits: batches this small create order_items partitions between batches, on a connection of
    # their own, which must not wait for a test's open transaction.
    monkeypatch.setitem(app.config, "IMPORT_BATCH_SIZE", 10)
    with app.app_context():
        shop = make_shop(live_db.session, make_org(live_db.session))
        live_db.session.commit()
        run_file_import(live_db.session, shop, "orders", str(orders_file))
        shop_id = shop.id
    lines = run_log()
    assert [event for event, *_ in lines] == ["claim", "progress", "progress", "progress", "progress", "finish"]
    run_id = lines[0][1]
    assert {(run, shop, kind, mode) for _, run, shop, kind, mode, *_ in lines} == {(run_id, shop_id, "orders", "file")}
    assert "attempt=1" in lines[0][5] and "done=10 " in lines[1][5] and "inserted=10" in lines[1][5]
    assert "outcome=succeeded" in lines[-1][5] and "inserted=30" in lines[-1][5]


def test_a_failure_is_one_warning_line_with_the_error(db, run_log, orders_file, tmp_path):
    shop = make_shop(db.session, make_org(db.session))
    with pytest.raises(ImportFailed):
        run_file_import(db.session, shop, "orders", str(truncate(orders_file, tmp_path / "cut.jsonl.gz", 0.3)))
    event, run_id, shop_id, kind, _mode, rest, level = run_log()[-1]
    assert (event, shop_id, kind, level) == ("fail", shop.id, "orders", logging.WARNING)
    assert 'error="The snapshot file is damaged' in rest


def test_a_transient_failure_logs_a_retry(db, run_log, monkeypatch):
    class Damaged:
        done = 0

        def records(self):
            raise SourceDamaged("The downloaded snapshot is damaged (test); a new snapshot will be requested.",
                                retryable=True)

    monkeypatch.setattr(ShoptetChannel, "full_import", lambda self, shop, kind, context: Damaged())
    shop = make_shop(db.session, make_org(db.session))
    shop.api_token_encrypted = encrypt("token")
    run, _ = ledger.trigger(db.session, shop, "customers")
    db.session.commit()
    assert execute_run(db.session, run.id).status == "retrying"
    assert [(event, run_id, kind) for event, run_id, _, kind, *_ in run_log()] == [
        ("claim", run.id, "customers"), ("retry", run.id, "customers")]
    assert "attempt=1" in run_log()[-1][5] and "a new snapshot will be requested" in run_log()[-1][5]
