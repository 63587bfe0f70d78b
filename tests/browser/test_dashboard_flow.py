"""A merchant lands on the dashboard, changes the range and the shop (htmx swaps, pushed URLs), then finds a
customer from the header's search box and opens the hit with the keyboard, in a real browser (strict CSP)."""

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from app.orgs.models import Role
from tests.browser.conftest import console_errors, swap_wait
from tests.dashboard.conftest import order_json, write_orders
from tests.factories import PASSWORD, make_member, make_org, make_shop
from tests.orders.tables import add_customer

pytestmark = pytest.mark.browser


def _kpi(browser, currency: str, name: str) -> str:
    found = browser.find_elements(By.CSS_SELECTOR, f"#kpis-{currency} .kpi-{name}")
    return found[0].text if found else ""


def test_dashboard_range_shop_and_search_by_keyboard(app, live_db, live_server, browser):
    now = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    with app.app_context():
        org = make_org(live_db.session, "Garden Co")
        owner = make_member(live_db.session, org, Role.owner, "garden-owner@example.com")
        cz, sk = make_shop(live_db.session, org, "Zahrada CZ"), make_shop(live_db.session, org, "Zahrada SK")
        write_orders(live_db.session, cz, [order_json(now - timedelta(days=2), total="100.00"),
                                           order_json(now - timedelta(days=20), total="200.00")])
        write_orders(live_db.session, sk, [order_json(now - timedelta(days=3), total="400.00")])
        customer = add_customer(live_db.session, cz, email="jana@example.com", full_name="Jana Nováková")
        live_db.session.commit()
        email, sk_id, customer_id = owner.email, str(sk.id), customer.id

    wait = swap_wait(browser, 30)
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "kpis-CZK")))  # the home page is the dashboard
    assert _kpi(browser, "CZK", "revenue") == "700.00 CZK" and _kpi(browser, "CZK", "orders") == "3"

    Select(browser.find_element(By.ID, "dashboard-range")).select_by_value("7d")
    wait.until(lambda driver: _kpi(driver, "CZK", "revenue") == "500.00 CZK")
    assert "range=7d" in browser.current_url

    Select(browser.find_element(By.ID, "dashboard-shop")).select_by_value(sk_id)
    wait.until(lambda driver: _kpi(driver, "CZK", "revenue") == "400.00 CZK")
    assert f"shop={sk_id}" in browser.current_url and _kpi(browser, "CZK", "orders") == "1"

    box = browser.find_element(By.ID, "site-search")
    box.send_keys("novakova")
    hit = f'#site-search-results a.search-hit[href="/customers/{customer_id}"]'
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, hit)))  # the answer to the whole word
    wait.until(lambda driver: not driver.execute_script("return document.querySelector('.htmx-request')"))
    box.send_keys(Keys.ARROW_DOWN)
    wait.until(lambda driver: driver.switch_to.active_element.get_attribute("href") or False)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "search-hit"
    focused.send_keys(Keys.ENTER)
    wait.until(lambda driver: driver.current_url.endswith(f"/customers/{customer_id}"))
    assert "Jana Nováková" in browser.page_source
    assert console_errors(browser) == []
