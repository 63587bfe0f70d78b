"""Backups: dump → restore gives identical row counts; restore refuses a non-empty database; verify proves it;
retention keeps N daily and M weekly; the nightly job is enqueued once a day."""

import json
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.namespace import rq_name
from app.ops import backups
from app.ops.backups import RestoreRefused, backups_to_keep, find_backup, list_backups, restore_backup, take_backup
from app.ops.periodic import enqueue_backup_if_due
from app.ops.postgres import PostgresToolError, row_counts, tool_path
from app.queues import fetch_job
from tests.ops.conftest import utc


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


def test_backup_then_restore_gives_identical_counts(test_config, populated, scratch, tmp_path):
    source = test_config.DATABASE_URL
    backup = take_backup(source, tmp_path)
    before = _counts(source)
    assert backup.manifest["tables"] == before  # counted in pg_dump's own snapshot
    assert before["public.order_items_p200201"] == 12 and before["public.order_items_p200202"] == 13
    assert before["public.organizations"] == 1 and before["public.sync_runs"] == 1
    assert backup.dump_path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert (backup.path / "roles.sql").is_file() and backup.manifest["roles"] == "with passwords"
    assert not list(tmp_path.glob(".partial-*"))

    target = scratch.create()
    restored = restore_backup(backup, target)
    assert restored == before
    assert _counts(target) == before


def test_restore_refuses_a_database_that_is_not_empty(test_config, populated, scratch, tmp_path):
    backup = take_backup(test_config.DATABASE_URL, tmp_path)
    target = scratch.create()
    restore_backup(backup, target)
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organizations (name, settings_version) VALUES ('Added later', 1)"))
    with pytest.raises(RestoreRefused, match="not empty.*--force"):
        restore_backup(backup, target)
    with engine.connect() as connection:  # refused means untouched
        assert connection.execute(text("SELECT count(*) FROM organizations")).scalar() == 2
    engine.dispose()

    assert restore_backup(backup, target, force=True) == backup.manifest["tables"]


def test_the_cli_backs_up_refuses_to_overwrite_and_restores_with_force(app, test_config, populated, scratch,
                                                                        tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "backup", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows"] == sum(_counts(test_config.DATABASE_URL).values())

    refused = runner.invoke(args=["hub", "restore", summary["backup"]])
    assert refused.exit_code == 3 and "not empty" in refused.output

    target = scratch.create()
    restored = runner.invoke(args=["hub", "restore", summary["backup"] + "/database.dump", "--target-url", target])
    assert restored.exit_code == 0, restored.output
    assert _counts(target) == _counts(test_config.DATABASE_URL)

    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "safety"))
    forced = runner.invoke(args=["hub", "restore", summary["backup"], "--target-url", target, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "current contents are kept in" in forced.output  # what --force replaced is backed up first
    assert len(list_backups(tmp_path / "safety")) == 1
    assert _counts(target) == _counts(test_config.DATABASE_URL)


def test_verify_restores_into_a_scratch_database_and_catches_a_difference(app, test_config, populated, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hub", "backup", "--dir", str(tmp_path)]).exit_code == 0
    result = runner.invoke(args=["hub", "verify-backup", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    [backup] = list_backups(tmp_path)
    assert backup.verification["ok"] is True and backup.verification["mismatches"] == {}

    manifest = json.loads((backup.path / "manifest.json").read_text())
    manifest["tables"]["public.organizations"] += 1  # as if a row had been lost in the dump
    (backup.path / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(args=["hub", "verify-backup", str(backup.path)])
    assert result.exit_code == 1 and "public.organizations" in result.output
    assert find_backup(backup.path).verification["mismatches"] == {"public.organizations": [2, 1]}
    scratch = f"{make_url(test_config.DATABASE_URL).database}_verify"[:63]  # this run's (others run beside it)
    engine = create_engine(test_config.DATABASE_URL)
    try:
        with engine.connect() as connection:  # the scratch database is gone
            assert not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                          {"name": scratch}).first()
    finally:
        engine.dispose()


def test_retention_keeps_n_daily_and_m_weekly():
    stamps = [utc(2026, 3, 31, 2) - timedelta(days=day) for day in range(60)]
    stamps.append(utc(2026, 3, 31, 14))  # a second backup on the newest day
    keep = backups_to_keep(stamps, daily=7, weekly=4)
    days = {stamp.date() for stamp in keep}
    assert utc(2026, 3, 31, 14) in keep and utc(2026, 3, 31, 2) not in keep  # newest of its day
    assert {utc(2026, 3, 31 - n).date() for n in range(7)} <= days
    weeks = {stamp.isocalendar()[:2] for stamp in keep}
    assert len(weeks) == 4 and len(keep) == 7 + 2  # 4 weeks, two of which already hold a kept daily


def test_prune_deletes_what_retention_drops_and_old_partials(tmp_path):
    for day in range(10):
        folder = tmp_path / (utc(2026, 3, 20) + timedelta(days=day)).strftime(backups.STAMP_FORMAT)
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
        (folder / "database.dump").write_bytes(b"PGDMP")
    (tmp_path / ".partial-20260301T020000Z").mkdir()
    removed = backups.prune_backups(tmp_path, daily=3, weekly=0, now=utc(2026, 3, 30, 3))
    assert len(removed) == 8
    assert [backup.path.name for backup in list_backups(tmp_path)] == [
        "20260329T000000Z", "20260328T000000Z", "20260327T000000Z"]


def test_tools_are_picked_by_the_servers_major_version(app, db):
    from app.ops.postgres import _tool_major, server_version_num

    version = server_version_num(db.session.connection())
    executable = tool_path("pg_dump", version)
    assert _tool_major(executable) == version // 10000
    if shutil.which("/usr/lib/postgresql/15/bin/pg_dump"):
        assert tool_path("pg_dump", 150004) == "/usr/lib/postgresql/15/bin/pg_dump"
    with pytest.raises(PostgresToolError, match="postgresql-client-99"):
        tool_path("pg_dump", 990000)


def test_nightly_backups_are_scheduled_only_where_backup_dir_is_set(app, redis_client, monkeypatch):
    from app.ops.periodic import schedule_nightly_backup
    from app.queues import get_queue

    monkeypatch.setitem(app.config, "BACKUP_DIR", "")
    monkeypatch.setitem(app.config, "BACKUP_HOUR_UTC", 0)
    assert schedule_nightly_backup(app) is False
    assert get_queue("default", redis_client, app).count == 0


def test_the_nightly_backup_is_enqueued_once_a_day(app, redis_client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "BACKUP_HOUR_UTC", 2)
    with app.app_context():  # queue names and job ids are namespaced by the app's database
        assert not enqueue_backup_if_due(app, utc(2026, 4, 1, 1, 30))  # before the hour
        assert enqueue_backup_if_due(app, utc(2026, 4, 1, 2, 0))
        assert not enqueue_backup_if_due(app, utc(2026, 4, 1, 2, 5))  # already on the queue
        job = fetch_job(redis_client, "backup-20260401")
        assert job.func_name == "app.ops.tasks.nightly_backup" and job.origin == rq_name("default")

        (tmp_path / "20260401T020100Z").mkdir()
        (tmp_path / "20260401T020100Z" / "manifest.json").write_text("{}")
        job.delete()
        assert not enqueue_backup_if_due(app, utc(2026, 4, 1, 23, 0))  # today's backup exists
        assert enqueue_backup_if_due(app, utc(2026, 4, 2, 3, 0))


def test_the_nightly_job_backs_up_prunes_and_queues_its_verification(app, populated, redis_client, tmp_path,
                                                                       monkeypatch):
    from app.ops.tasks import nightly_backup, verify_backup_job

    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    with app.app_context():
        path = nightly_backup()
        job = fetch_job(redis_client, f"backup-verify-{path.rsplit('/', 1)[1]}")
        assert job.args == [path]
        assert verify_backup_job(path) is True
    assert find_backup(path).verification["ok"] is True
