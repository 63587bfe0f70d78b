"""The shop page agrees with itself: the run card, "last successful import", the Import button and the history
change together when an import ends, and the run's rows, rate and time left read right."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.orgs.models import Role
from app.sync import ledger
from app.sync.models import SyncRun
from app.sync.queries import run_speed
from tests.factories import login, make_member, make_org, make_shop


@pytest.fixture
def shop_page(client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager, "manager@example.com")
    shop = make_shop(db.session, org, "Zahrada")
    login(client, manager.email)
    return shop


def _running(db, shop, done, total, kind="orders"):
    mode = "changes" if kind == "stock" else "file"
    run, _ = ledger.trigger(db.session, shop, kind, mode=mode, source_path="/nonexistent")
    claimed = ledger.claim(db.session, run.id)
    ledger.fence(db.session, run.id, claimed.lease_token, progress_done=done, progress_total=total)
    return run, claimed.lease_token


def _card(client, shop, kind="orders"):
    return client.get(f"/shops/{shop.id}/imports/{kind}/card", headers={"HX-Request": "true"})


def _history_row(html, run_id):
    match = re.search(rf'<tr id="history-run-{run_id}" data-status="(\w+)">(.*?)</tr>', html, re.S)
    assert match, html
    return match.group(1), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2)))


def test_the_page_polls_the_whole_card_while_a_run_is_active(client, db, shop_page):
    run, _ = _running(db, shop_page, 2000, 5000)
    page = client.get(f"/shops/{shop_page.id}").get_data(as_text=True)
    card = page.split('id="kind-orders"')[1].split("</article>")[0]
    assert f'hx-get="/shops/{shop_page.id}/imports/orders/card"' in card
    assert 'id="start-orders"' not in card  # no second import while one runs
    assert f'hx-get="/runs/{run.id}/progress"' not in page  # one poll per card, not two fragments racing

    response = _card(client, shop_page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # keep polling
    assert "2000 of about 5000 rows" in html
    assert 'id="run-history" hx-swap-oob="true"' in html
    status, text = _history_row(html, run.id)
    assert status == "running" and "2000" in text


def test_when_the_import_ends_card_button_last_success_and_history_change_together(client, db, shop_page):
    run, token = _running(db, shop_page, 2000, 2742)
    assert "Last successful import: never" in re.sub(r"\s+", " ", _card(client, shop_page).get_data(as_text=True))

    ledger.fence(db.session, run.id, token, progress_done=5000)
    ledger.finish(db.session, run.id, token, stats={"inserted": 4990, "updated": 10, "unchanged": 0},
                  progress_total=5000)
    response = _card(client, shop_page)
    html = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 286  # htmx stops polling, and still swaps this last answer in
    assert 'id="start-orders"' in html  # the Import button is back without a reload
    assert "hx-trigger" not in html.split('id="run-history"')[0]
    last = html.split('class="last-success"')[1].split("</p>")[0]
    assert "never" not in last and "4990 new, 10 changed, 0 unchanged" in last
    status, text = _history_row(html, run.id)
    assert status == "succeeded" and "5000" in text and "4990 new" in text
    assert "queued" not in text and "about" not in html  # no estimate left over once the run has ended


def test_a_failed_run_stays_on_its_card_with_retry_and_the_import_button(client, db, shop_page):
    run, token = _running(db, shop_page, 10, None)
    ledger.fail(db.session, db.session.get(SyncRun, run.id), token, "The snapshot file was corrupt.")
    html = _card(client, shop_page).get_data(as_text=True)
    assert "The snapshot file was corrupt." in html and f"/runs/{run.id}/retry" in html
    assert 'id="start-orders"' in html
    assert _history_row(html, run.id)[0] == "failed"


def test_the_run_fragment_never_shows_a_total_below_the_rows_done(client, db, shop_page):
    run, token = _running(db, shop_page, 3000, 2742)  # an estimate the rows already passed
    html = client.get(f"/runs/{run.id}/progress").get_data(as_text=True)
    assert "3000 rows" in html and "2742" not in html


def test_a_finished_runs_rate_is_the_same_on_every_page_and_later():
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    run = SyncRun(status="succeeded", started_at=start, finished_at=start + timedelta(seconds=4),
                  progress_done=5000, progress_total=5000)
    soon = run_speed(run, now=start + timedelta(seconds=5))
    later = run_speed(run, now=start + timedelta(hours=1))
    assert soon.rate == later.rate == 1250 and soon.eta_seconds is None


def test_time_left_reads_naturally(client, db, shop_page, app):
    run, _ = _running(db, shop_page, 100, 10_000)
    now = datetime.now(UTC)
    for started, expected in ((now - timedelta(seconds=2), r"about [34] min left"),       # 198 s at 50 rows/s
                              (now - timedelta(milliseconds=1), r"about \d+ s left"),  # thousands of rows/s
                              (now - timedelta(seconds=100), r"about 2 h 45 min left")):
        db.session.execute(SyncRun.__table__.update().where(SyncRun.id == run.id).values(started_at=started))
        html = re.sub(r"\s+", " ", client.get(f"/runs/{run.id}/progress").get_data(as_text=True))
        assert re.search(expected, html), html
        assert "0 min" not in html


def test_a_finished_stock_run_says_what_it_did_in_words(client, db, shop_page):
    run, token = _running(db, shop_page, 0, None, kind="stock")
    ledger.finish(db.session, run.id, token, stats={"movements": 120, "supplies": 3, "inserted": 5, "updated": 40})
    page = re.sub(r"\s+", " ", client.get(f"/shops/{shop_page.id}").get_data(as_text=True))
    _, text = _history_row(page, run.id)
    assert "Read 120 stock movements and 3 deliveries; stock of 45 items set (5 new)." in text
    assert "stock:" not in page and "movement #" not in page
