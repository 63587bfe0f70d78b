"""An owner connects a WooCommerce store through WooCommerce's authorization page, in a real browser, and
sees its orders in /orders beside the Shoptet shop's."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from sqlalchemy import select

from app.shops.models import Shop
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.browser.conftest import console_errors, swap_wait
from tests.channels.woo_helpers import run_queued, store_orders
from tests.factories import PASSWORD, make_org, make_shop, make_user
from tests.orders.tables import add_order

pytestmark = pytest.mark.browser


def test_connect_a_store_by_authorization_and_see_its_orders_beside_shoptets(app, live_db, live_server, browser):
    with app.app_context():
        owner = make_user(live_db.session, "woo-owner@example.com")
        org = make_org(live_db.session, "Two Channels", owner=owner)
        shoptet = make_shop(live_db.session, org, "Zahrada CZ")
        add_order(live_db.session, shoptet, code="S0000001")
        live_db.session.commit()
        org_id = org.id
    with run_woo_sandbox(seed=3, orders=12) as store:
        wait = swap_wait(browser, 30)
        browser.get(live_server + "/login")
        browser.find_element(By.NAME, "email").send_keys("woo-owner@example.com")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login-submit").click()
        wait.until(ec.presence_of_element_located((By.ID, "logout")))
        browser.get(live_server + "/shops")
        browser.find_element(By.CSS_SELECTOR, "#connect-woocommerce summary").click()
        browser.find_element(By.ID, "woo-url").send_keys(store.base_url)
        browser.find_element(By.ID, "woo-authorize").click()
        wait.until(ec.element_to_be_clickable((By.ID, "woo-continue"))).click()
        wait.until(ec.element_to_be_clickable((By.ID, "approve"))).click()  # the store's own page
        wait.until(lambda driver: "/shops/" in driver.current_url)  # back in the hub, on the new shop's page
        assert "WooCommerce store is connected" in browser.page_source
        with app.app_context():
            woo = live_db.session.execute(select(Shop).where(Shop.organization_id == org_id,
                                                             Shop.platform == "woocommerce")).scalar_one()
            assert browser.current_url.endswith(f"/shops/{woo.id}")
            assert run_queued(live_db, woo)["orders"] == "succeeded"  # what a worker does with the first imports
        codes = set(store_orders(store))
        browser.get(live_server + "/orders")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#orders tbody tr[data-order-id]")))
        shown = browser.find_element(By.ID, "orders").text
        assert "S0000001" in shown and "Zahrada CZ" in shown
        assert any(code in shown for code in codes)
        assert [error for error in console_errors(browser) if error.startswith(live_server)] == []
