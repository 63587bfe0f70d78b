"""A manager starts an import on the shop page and watches it finish, live, in a real browser."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from sqlalchemy import func, select

from app.orders.models import Order
from app.orgs.models import Role
from app.shops.services import add_shop
from sandbox.testing import run_sandbox
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org
from tests.imports.processes import start_worker, stop_worker, worker_env

pytestmark = pytest.mark.browser
ORDERS = 400


def test_start_an_import_and_watch_it_finish(app, test_config, live_db, live_server, browser):
    with run_sandbox(seed=9, shops=1, orders=ORDERS, job_delay=1.0) as sandbox:
        info = sandbox.shops[0]
        with app.app_context():
            org = make_org(live_db.session, "Import Co")
            manager = make_member(live_db.session, org, Role.manager, "manager@example.com")
            shop = add_shop(live_db.session, org.id, name="Zahrada CZ", eshop_id=info["eshop_id"],
                            private_token=info["private_token"], api_url=sandbox.base_url)
            live_db.session.commit()
            shop_id, email = shop.id, manager.email
        worker = start_worker(worker_env(test_config, HUB_IMPORT_BATCH_SIZE=40))
        try:
            wait = swap_wait(browser, 60)
            browser.get(live_server + "/login")
            browser.find_element(By.NAME, "email").send_keys(email)
            browser.find_element(By.NAME, "password").send_keys(PASSWORD)
            browser.find_element(By.ID, "login-submit").click()
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Import Co"))  # logged in
            browser.get(f"{live_server}/shops/{shop_id}")
            browser.find_element(By.ID, "start-orders").click()

            progress = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#kind-orders .run-progress")))
            assert progress.get_attribute("data-status") in ("queued", "running")
            # The card polls itself; no reload happens in this test. When the run ends the card, "last successful
            # import", the Import button and the history change together (read through script: htmx swaps the
            # elements between a find and a read).
            wait.until(lambda driver: driver.execute_script(
                "return document.querySelector('#kind-orders').dataset.active") == "0")
            state = browser.execute_script("""
                const card = document.querySelector('#kind-orders');
                const row = document.querySelector('#run-history tbody tr');
                return {button: !!card.querySelector('#start-orders'),
                        last: card.querySelector('.last-success').textContent,
                        status: row.dataset.status, row: row.textContent};""")
            assert state["button"] and state["status"] == "succeeded"
            assert f"{ORDERS} new" in state["last"] and "never" not in state["last"]
            assert f"{ORDERS}" in state["row"] and f"{ORDERS} new" in state["row"]
            assert console_errors(browser) == []
        finally:
            stop_worker(worker)
        with app.app_context():
            count = live_db.session.execute(
                select(func.count()).select_from(Order).where(Order.shop_id == shop_id)).scalar_one()
        assert count == ORDERS
