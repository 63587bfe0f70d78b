"""A person filters the orders table, pages forward and back, opens an order and exports the filter to CSV,
in a real browser (htmx swaps, pushed URLs, the polling export fragment, a real RQ worker, strict CSP)."""

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from app.orgs.models import Role
from app.settings.services import update_settings
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org, make_shop
from tests.imports.processes import start_worker, stop_worker, worker_env
from tests.orders.tables import BASE_TIME, add_order

pytestmark = pytest.mark.browser


def _row_ids(browser) -> list[str]:
    """Read in one go, so a table htmx is swapping at that moment cannot go stale half-way."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#orders tbody tr[data-order-id]'), r => r.dataset.orderId)")


def _wait_for_rows(wait, browser, previous: list[str]) -> list[str]:
    """htmx swapped the table: the rows are not the ones shown before."""
    wait.until(lambda driver: _row_ids(driver) and _row_ids(driver) != previous)
    return _row_ids(browser)


def test_filter_page_open_and_export(app, test_config, live_db, live_server, browser, tmp_path):
    with app.app_context():
        org = make_org(live_db.session, "Orders Co")
        manager = make_member(live_db.session, org, Role.manager, "orders-manager@example.com")
        shop_a, shop_b = make_shop(live_db.session, org, "Zahrada CZ"), make_shop(live_db.session, org, "Zahrada SK")
        for n in range(60):
            add_order(live_db.session, shop_a if n % 3 else shop_b, code=f"B{n:05d}", paid=n % 2 == 0,
                      created=BASE_TIME - timedelta(hours=n), total_with_vat=Decimal(100 + n))
        update_settings(live_db.session, app.extensions["settings_cache"], org.id, {"table_page_size": 10})
        live_db.session.commit()
        email = manager.email
        paid_codes = {f"B{n:05d}" for n in range(0, 60, 2)}
    worker = start_worker(worker_env(test_config), "default")
    try:
        wait = swap_wait(browser, 30)
        browser.get(live_server + "/login")
        browser.find_element(By.NAME, "email").send_keys(email)
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login-submit").click()
        wait.until(ec.presence_of_element_located((By.ID, "logout")))  # logged in before going on
        browser.get(live_server + "/orders")
        first_all = _row_ids(browser)
        assert len(first_all) == 10

        # Filter: only paid orders (the filters fold away until asked for); htmx replaces the table and the URL
        # says what is shown.
        browser.find_element(By.CSS_SELECTOR, ".filters-toggle").click()
        Select(browser.find_element(By.NAME, "paid")).select_by_value("yes")
        page_one = _wait_for_rows(wait, browser, first_all)
        assert "paid=yes" in browser.current_url
        codes = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#orders a.order-link")]
        assert len(codes) == 10 and set(codes) <= paid_codes

        # Forward, forward, then back with the Previous link and with the browser's Back button.
        browser.find_element(By.CSS_SELECTOR, "a.page-next").click()
        page_two = _wait_for_rows(wait, browser, page_one)
        assert "cursor=" in browser.current_url and not set(page_two) & set(page_one)
        browser.find_element(By.CSS_SELECTOR, "a.page-next").click()
        page_three = _wait_for_rows(wait, browser, page_two)
        assert len(page_three) == 10 and not browser.find_elements(By.CSS_SELECTOR, "a.page-next")
        browser.find_element(By.CSS_SELECTOR, "a.page-prev").click()
        assert _wait_for_rows(wait, browser, page_three) == page_two
        browser.back()
        wait.until(lambda driver: _row_ids(driver) == page_three)
        browser.back()
        wait.until(lambda driver: _row_ids(driver) == page_two)

        # Open an order.
        link = browser.find_element(By.CSS_SELECTOR, "#orders a.order-link")
        code = link.text
        link.click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Order {code}"))
        assert browser.find_element(By.ID, "admin-link").get_attribute("href").startswith("https://")
        browser.back()
        wait.until(lambda driver: driver.find_elements(By.ID, "export-csv"))

        # Export the filter; the worker writes the file while the fragment polls its progress.
        browser.find_element(By.ID, "export-csv").click()
        download = WebDriverWait(browser, 60).until(lambda driver: driver.find_elements(By.ID, "export-download"))
        status = browser.find_element(By.CSS_SELECTOR, ".export-progress").get_attribute("data-status")
        assert status == "done"
        cookies = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
        csv_text = httpx.get(download[0].get_attribute("href"), cookies=cookies).text
        exported = {line.split(",")[0] for line in csv_text.splitlines()[1:]}
        assert exported == paid_codes
        assert console_errors(browser) == []
    finally:
        stop_worker(worker)
