"""A person opens the segments page, follows a segment to the customers table, saves it as an audience and
exports it (only consenting customers), in a real browser under the strict CSP."""

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from app.analytics.consent import replace_consents
from app.orgs.models import Role
from app.sync.runner import job_now
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org, make_shop
from tests.imports.processes import start_worker, stop_worker, worker_env
from tests.orders.tables import add_customer, add_order

pytestmark = pytest.mark.browser

END = datetime(2025, 12, 1, 12, tzinfo=UTC)


def _customers_with_orders(session, shop, count=120):
    customers = []
    for n in range(count):
        customer = add_customer(session, shop, email=f"buyer{n}@example.com")
        first = END - timedelta(days=40 + (n * 7) % 700)
        for k in range(1 + n % 4):
            created = min(first + timedelta(days=k * (30 + n % 50)), END)
            add_order(session, shop, created=created, customer_guid=customer.guid, status="completed",
                      total_with_vat=Decimal(200 + 37 * (n % 9)))
        customers.append(customer)
    return customers


def test_segments_to_audience_export(app, test_config, live_db, live_server, browser):
    with app.app_context():
        org = make_org(live_db.session, "Analytics Co")
        manager = make_member(live_db.session, org, Role.manager, "analytics-manager@example.com")
        shop = make_shop(live_db.session, org, "Zahrada CZ")
        customers = _customers_with_orders(live_db.session, shop)
        replace_consents(live_db.session, shop.id, [(c.email, None) for c in customers[::2]])
        live_db.session.commit()
        job_now(live_db.session, shop, "customer_analytics")
        live_db.session.commit()
        email = manager.email
    wait = swap_wait(browser, 30)
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "logout")))

    browser.find_element(By.ID, "nav-analytics").click()
    wait.until(ec.presence_of_element_located((By.ID, "segments")))
    sizes = {row.get_attribute("data-segment"): int(row.find_elements(By.TAG_NAME, "td")[1].text)
             for row in browser.find_elements(By.CSS_SELECTOR, "#segments tbody tr")}
    segment = max(sizes, key=sizes.get)
    assert sum(sizes.values()) == 120 and sizes[segment] > 0
    browser.find_element(By.CSS_SELECTOR, f'#segments tr[data-segment="{segment}"] a').click()
    wait.until(lambda driver: "segment=" + segment in driver.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-customer-id]")
    assert 0 < len(rows) <= sizes[segment]

    browser.find_element(By.CSS_SELECTOR, "details.save-view summary").click()
    browser.find_element(By.CSS_SELECTOR, ".save-view-form input[name=name]").send_keys("Best ones", Keys.RETURN)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "a.saved-view")))

    browser.get(live_server + "/analytics/audiences")
    worker = start_worker(worker_env(test_config), "default")
    try:  # the export is the tables' job: a worker writes it while its page polls the progress
        browser.find_element(By.CSS_SELECTOR, "#audiences button[type=submit]").click()
        download = WebDriverWait(browser, 60).until(lambda driver: driver.find_elements(By.ID, "export-download"))
    finally:
        stop_worker(worker)
    result = browser.find_element(By.ID, "audience-result")
    included, left_out = int(result.get_attribute("data-included")), int(result.get_attribute("data-left-out"))
    assert included + left_out == sizes[segment] and included > 0 and left_out > 0
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    rows = list(csv.DictReader(httpx.get(download[0].get_attribute("href"), cookies=cookies).text.splitlines()))
    assert len(rows) == included and {row["segment"] for row in rows} == {segment}
    emails = [row["email"] for row in rows]
    assert all(int(email.removeprefix("buyer").split("@")[0]) % 2 == 0 for email in emails)
    assert console_errors(browser) == []
