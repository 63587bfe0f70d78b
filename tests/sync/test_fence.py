"""A paused lease holder never blocks the worker taking over: the fence takes the run's row lock only once the
transaction has its timeouts (a worker paused between the two would hold the lock with none), and a claim ends
a holder whose lease expired while it sat in a COPY (which no timeout reaches)."""

import time

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.extensions import db as _db
from app.sync import ledger
from tests.factories import make_org, make_shop


def test_the_lease_timeouts_are_set_before_the_run_row_is_locked(app, db):
    shop = make_shop(db.session, make_org(db.session))
    run, _ = ledger.trigger(db.session, shop, "orders", mode="file", source_path="/tmp/none.jsonl.gz")
    claimed = ledger.claim(db.session, run.id)
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("UPDATE sync_runs"):
            cursor.execute("SELECT current_setting('idle_in_transaction_session_timeout')")
            seen.append(cursor.fetchone()[0])

    engine = _db.session.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        ledger.fence(db.session, run.id, claimed.lease_token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    lease_ms = int(ledger.lease_seconds() * 1000)
    assert seen and all(value in (f"{lease_ms}ms", f"{lease_ms // 1000}s", f"{lease_ms // 60000}min")
                        for value in seen), seen


def test_a_claim_ends_a_holder_stuck_in_a_copy_after_its_lease_expired(app, live_db, monkeypatch):
    """A worker paused mid-COPY leaves its backend waiting on the client, where PostgreSQL applies no
    statement or idle timeout: without the claimant ending that backend, it would wait for ever (a CI run
    caught a paused worker's COPY holding the run's row lock for the whole test)."""
    monkeypatch.setitem(app.config, "LEASE_SECONDS", 1.0)
    with app.app_context():
        shop = make_shop(live_db.session, make_org(live_db.session))
        run, _ = ledger.trigger(live_db.session, shop, "orders", mode="file", source_path="/tmp/none.jsonl.gz")
        token = ledger.claim(live_db.session, run.id).lease_token
        run_id = run.id
        live_db.session.commit()

        holder = Session(live_db.engine)
        ledger.fence(holder, run_id, token)  # the batch's transaction: tagged, the run's row locked
        raw = holder.connection().connection.dbapi_connection
        raw.execute("CREATE TEMP TABLE staged (line text)")
        copying = raw.cursor().copy("COPY staged (line) FROM STDIN")
        copy = copying.__enter__()  # the server now waits for rows that never come
        claimant = Session(live_db.engine)
        try:
            time.sleep(1.5)  # past the lease
            claimant.execute(text("SET LOCAL lock_timeout = '10s'"))  # without the fix: fail here, do not hang
            taken = ledger.claim(claimant, run_id)
            claimant.commit()
            assert taken is not None and taken.lease_token == token + 1
            with pytest.raises(psycopg.OperationalError):
                copy.write_row(("late",))
                copying.__exit__(None, None, None)
        finally:
            holder.invalidate()
            claimant.close()
