"""An operator opens the monitoring page while a run is in progress, sees it move, and cancels it."""

import pytest
from selenium.webdriver.common.by import By

from app.sync import ledger
from app.sync.models import SyncRun
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_org, make_shop, make_user

pytestmark = pytest.mark.browser


def test_the_monitoring_page_shows_a_run_in_progress_live(app, live_db, live_server, browser, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path)  # (restored below) keep the page's backup section local
    with app.app_context():
        session = live_db.session
        # The operator belongs to an organization of their own; the run is another organization's.
        operator = make_user(session, "ops@example.com", operator=True)
        make_org(session, "Ops Co", owner=operator)
        shop = make_shop(session, make_org(session, "Watched Co"), "Watched shop")
        run, _ = ledger.trigger(session, shop, "orders", mode="file", source_path="/nonexistent")
        claimed = ledger.claim(session, run.id)
        ledger.fence(session, run.id, claimed.lease_token, progress_done=150, progress_total=1000)
        session.commit()
        run_id, token, email = run.id, claimed.lease_token, operator.email
    try:
        wait = swap_wait(browser, 20)
        browser.get(live_server + "/login")
        browser.find_element(By.NAME, "email").send_keys(email)
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login-submit").click()
        wait.until(lambda driver: driver.find_elements(By.ID, "nav-monitoring"))
        browser.find_element(By.ID, "nav-monitoring").click()

        row = wait.until(lambda driver: driver.find_element(By.ID, f"monitor-run-{run_id}"))
        assert row.get_attribute("data-status") == "running"
        assert "Watched shop" in row.text and "150 of about 1000 rows" in row.text

        with app.app_context():  # the worker makes progress; the page polls the ledger by itself
            ledger.fence(live_db.session, run_id, token, progress_done=640)
            live_db.session.commit()
        wait.until(lambda driver: "640 of about 1000 rows" in driver.find_element(By.ID, f"monitor-run-{run_id}").text)

        cancel = browser.find_element(By.CSS_SELECTOR, f"#monitor-run-{run_id} button[type=submit]")
        cancel.click()
        browser.switch_to.alert.accept()  # data-confirm, from static/js/app.js
        wait.until(lambda driver: "cancelled" in driver.find_element(By.CSS_SELECTOR, ".flash").text)
        assert not browser.find_elements(By.ID, f"monitor-run-{run_id}")
        assert console_errors(browser) == []
    finally:
        app.config["BACKUP_DIR"] = ""
    with app.app_context():
        assert live_db.session.get(SyncRun, run_id).status == "cancelled"
