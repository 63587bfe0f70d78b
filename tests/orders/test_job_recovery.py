"""Status changes and exports survive a lost job (Redis flushed, worker killed): the scheduler's pass puts
them back on their queue from their rows; finished exports' files are deleted after their retention time."""

from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from app.core.namespace import rq_name
from app.orders import periodic as order_periodic
from app.orders import services
from app.orders.models import OrderStatusChange
from app.queues import fetch_job, get_queue
from app.tables import exports
from app.tables import periodic as table_periodic
from app.tables import services as table_services
from app.tables.models import TableExport
from tests.orders.tables import add_order

LONG_AGO = datetime.now(UTC) - timedelta(minutes=5)


pytestmark = pytest.mark.usefixtures("exports_dir")  # tests/orders/tables.py


def _export(db, tenant, **fields) -> int:
    values = dict(organization_id=tenant.org.id, table_name="orders", query="", status="queued", rows_done=0,
                  created_at=LONG_AGO)
    values.update(fields)
    export = TableExport(**values)
    db.session.add(export)
    db.session.commit()
    return export.id


def _status_change(db, tenant, **fields) -> int:
    order = add_order(db.session, tenant.shop_a)
    change = services.request_status_change(db.session, tenant.org.id, None, [order], -2, "Vyřízena")
    for name, value in {"created_at": LONG_AGO, **fields}.items():
        setattr(change, name, value)
    db.session.commit()
    return change.id


def _requeue_lost(app) -> int:
    """The scheduler's two recovery passes, as one tick runs them."""
    return order_periodic.requeue_lost_status_changes(app) + table_periodic.requeue_lost_exports(app)


def _job(app, job_id: str) -> Job:
    with app.app_context():
        return fetch_job(app.extensions["redis"], job_id)


def test_jobs_lost_with_redis_are_put_back_once(app, db, tenant, redis_client):
    change_id = _status_change(db, tenant)
    export_id = _export(db, tenant)
    finished_id = _export(db, tenant, status="done")
    redis_client.flushdb()  # Redis lost everything it held

    assert _requeue_lost(app) == 2
    assert _job(app, services.status_change_job_id(change_id)).origin == rq_name("orders", app)
    assert _job(app, table_services.export_job_id(export_id)).args == [export_id]
    assert not Job.exists(rq_name(table_services.export_job_id(finished_id), app), connection=redis_client)
    assert _requeue_lost(app) == 0  # now on the queue: not enqueued twice

    assert exports.run_export(export_id) == "done"  # the re-enqueued job does the work
    assert db.session.get(TableExport, export_id).rows_done == 1  # the status change's order


def test_a_row_just_committed_is_left_to_the_route_that_enqueues_it(app, db, tenant, redis_client):
    _export(db, tenant, created_at=datetime.now(UTC))
    redis_client.flushdb()
    assert _requeue_lost(app) == 0


def test_a_job_whose_worker_died_is_put_back_and_one_on_a_live_worker_is_not(app, db, tenant, redis_client):
    change_id = _status_change(db, tenant, status="running")
    job = _job(app, services.status_change_job_id(change_id))
    alive = Worker([get_queue("orders", redis_client, app)], connection=redis_client, name="alive-worker",
                   serializer=JSONSerializer)
    alive.register_birth()
    job.set_status("started")
    job.worker_name = "alive-worker"
    job.save()
    assert _requeue_lost(app) == 0

    job.worker_name = "killed-worker"  # its key expired with its heartbeats
    job.save()
    assert _requeue_lost(app) == 1
    assert _job(app, services.status_change_job_id(change_id)).get_status() == "queued"
    assert db.session.get(OrderStatusChange, change_id).status == "running"  # the job sends what is pending


def test_finished_exports_files_are_deleted_after_their_retention_time(app, client, db, tenant, exports_dir):
    app.config["EXPORT_KEEP_HOURS"] = 24
    old_id = _export(db, tenant, status="done", finished_at=datetime.now(UTC) - timedelta(hours=25))
    new_id = _export(db, tenant, status="done", finished_at=datetime.now(UTC) - timedelta(hours=1))
    for export_id in (old_id, new_id):
        export = db.session.get(TableExport, export_id)
        path, _ = exports.export_paths(export)
        path.write_text("code\n")
        export.file_path = str(path)
    db.session.commit()

    assert table_periodic.delete_expired_exports(app) == 1
    assert [path.name for path in exports_dir.iterdir()] == [f"orders-{new_id}.csv"]
    old = db.session.get(TableExport, old_id)
    assert (old.status, old.file_path) == ("expired", None)
    assert client.get(f"/exports/{old_id}/download").status_code == 410
    progress = client.get(f"/exports/{old_id}", headers={"HX-Request": "true"})
    assert progress.status_code == 286 and "export the table again" in progress.get_data(as_text=True)
    with client.get(f"/exports/{new_id}/download") as download:
        assert download.status_code == 200
    assert table_periodic.delete_expired_exports(app) == 0
    assert db.session.execute(select(TableExport.status).where(TableExport.id == new_id)).scalar_one() == "done"
