"""Background jobs of a feature run on the ledger like imports: claimed, fenced, retried, resumed, one at a
time per shop and kind, in a worker or in the foreground."""

import pytest
from sqlalchemy import select

from app.sync import jobs, ledger
from app.sync.jobkinds import JOB_KINDS, JobKind
from app.sync.models import SyncRun
from app.sync.runner import ImportFailed, execute_run, job_now
from app.sync.services import start_job
from tests.factories import make_org, make_shop

CALLS: list[dict] = []


def count_to(context):
    """A resumable job: counts to params["to"], saving after each step; fails once at params["fail_at"]."""
    CALLS.append(dict(context.checkpoint))
    start = context.checkpoint.get("at", 0)
    for at in range(start + 1, context.params["to"] + 1):
        if at == context.params.get("fail_at") and not context.checkpoint.get("failed_once"):
            context.save(failed_once=True)
            raise jobs.JobError("the shop answered 503", retryable=True)
        context.save(done=at, total=context.params["to"], stats={"counted": at}, at=at)
    return {"counted": context.params["to"]}


@pytest.fixture
def counting(monkeypatch):
    CALLS.clear()
    monkeypatch.setitem(JOB_KINDS, "count", JobKind("count", "Counting", "default", "tests.sync.test_jobs:count_to"))
    jobs._function.cache_clear()
    yield CALLS
    jobs._function.cache_clear()


def test_a_job_runs_through_the_ledger_and_resumes_after_a_transient_failure(db, counting):
    shop = make_shop(db.session, make_org(db.session))
    run, created = start_job(db.session, shop, "count", {"to": 5, "fail_at": 3}, actor_id=None)
    assert created
    assert start_job(db.session, shop, "count", {"to": 9}, actor_id=None) == (run, False)  # one active
    db.session.commit()
    assert execute_run(db.session, run.id).status == "retrying"
    db.session.refresh(run)
    assert (run.progress_done, run.checkpoint["at"]) == (2, 2)
    run.next_attempt_at = None
    db.session.commit()
    outcome = execute_run(db.session, run.id)
    assert (outcome.status, outcome.stats) == ("succeeded", {"counted": 5})
    assert counting[-1]["at"] == 2  # the second attempt started where the first one saved
    db.session.refresh(run)
    assert (run.status, run.progress_done, run.progress_total, run.stats) == ("succeeded", 5, 5, {"counted": 5})


def test_a_job_in_the_foreground_takes_the_same_path_and_refuses_to_run_twice(db, counting):
    shop = make_shop(db.session, make_org(db.session))
    assert job_now(db.session, shop, "count", {"to": 3}) == {"counted": 3}
    start_job(db.session, shop, "count", {"to": 3}, actor_id=None)
    db.session.commit()
    with pytest.raises(ImportFailed, match="already active"):
        job_now(db.session, shop, "count", {"to": 3})


def cancel_then_count(context):
    """Someone cancels the run as the job starts."""
    ledger.cancel(context.session, context.session.get(SyncRun, context.run_id))
    context.session.commit()
    return count_to(context)


def test_a_cancelled_job_stops_at_its_next_save_without_writing(db, counting, monkeypatch):
    monkeypatch.setitem(JOB_KINDS, "count", JobKind("count", "Counting", "default",
                                                    "tests.sync.test_jobs:cancel_then_count"))
    shop = make_shop(db.session, make_org(db.session))
    run, _ = start_job(db.session, shop, "count", {"to": 5}, actor_id=None)
    db.session.commit()
    assert execute_run(db.session, run.id).status == "lease-lost"
    assert db.session.execute(select(SyncRun.status, SyncRun.progress_done)
                              .where(SyncRun.id == run.id)).one() == ("cancelled", 0)


def test_an_undeclared_job_kind_is_refused(db):
    shop = make_shop(db.session, make_org(db.session))
    with pytest.raises(ledger.LedgerError, match="Unknown job kind"):
        start_job(db.session, shop, "nothing-like-it", actor_id=None)
