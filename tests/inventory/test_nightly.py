"""The nightly refresh: one ledger job a day per active shop, from NIGHT_HOUR_UTC on; the commands refuse an
unknown shop."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.inventory.tasks import schedule_nightly_refresh
from app.sync.models import SyncRun
from tests.factories import make_org, make_shop


def test_each_active_shop_gets_one_refresh_a_night(app, db):
    org = make_org(db.session)
    shop = make_shop(db.session, org)
    gone = make_shop(db.session, org)
    gone.status = "disconnected"
    db.session.flush()
    assert schedule_nightly_refresh(app, datetime(2026, 3, 2, 0, 30, tzinfo=UTC)) == 0  # before the night hour
    assert schedule_nightly_refresh(app, datetime(2026, 3, 2, 1, 5, tzinfo=UTC)) >= 1
    runs = db.session.scalars(select(SyncRun).where(SyncRun.kind == "inventory_refresh",
                                                    SyncRun.shop_id.in_([shop.id, gone.id]))).all()
    assert [(run.shop_id, run.mode, run.status) for run in runs] == [(shop.id, "job", "queued")]
    assert schedule_nightly_refresh(app, datetime(2026, 3, 2, 1, 6, tzinfo=UTC)) == 0  # one a day


def test_the_commands_refuse_an_unknown_shop(app, db, tmp_path):
    runner = app.test_cli_runner()
    refresh = runner.invoke(args=["hub", "inventory-refresh", "--shop", "999999"])
    assert refresh.exit_code == 2 and "no shop with id 999999" in refresh.output
    export = runner.invoke(args=["hub", "forecast-export", "--shop", "999999", str(tmp_path / "f.csv")])
    assert export.exit_code == 2
