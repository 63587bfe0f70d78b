"""The fence takes the run's row lock only once the transaction has its timeouts: a worker paused (SIGSTOP,
a hung host) between the two would otherwise hold the lock with none, and no other worker could take over."""

from sqlalchemy import event

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
