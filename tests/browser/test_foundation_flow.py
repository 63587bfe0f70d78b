"""A person logs in, switches organization and changes a setting, in a real browser."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def _seed(app, db):
    with app.app_context():
        user = make_user(db.session, "browser@example.com")
        make_org(db.session, "Alpha Trading", owner=user)
        make_org(db.session, "Beta Wholesale", owner=user)
        db.session.commit()


def test_log_in_switch_organization_change_setting(app, live_db, live_server, browser):
    _seed(app, live_db)
    wait = swap_wait(browser, 10)

    browser.get(live_server + "/")
    wait.until(ec.presence_of_element_located((By.ID, "login-submit")))
    browser.find_element(By.NAME, "email").send_keys("browser@example.com")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Alpha Trading"))

    # The switcher (in the account menu) submits itself on change (app.js); no button click needed.
    browser.find_element(By.CSS_SELECTOR, "#account-menu summary").click()
    Select(browser.find_element(By.ID, "org-switcher")).select_by_visible_text("Beta Wholesale")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Beta Wholesale"))

    browser.get(live_server + "/settings")
    size = browser.find_element(By.ID, "setting-table_page_size")
    size.clear()
    size.send_keys("120")
    browser.find_element(By.ID, "settings-save").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Settings saved."))
    assert browser.find_element(By.ID, "setting-table_page_size").get_attribute("value") == "120"

    # The change belongs to Beta only.
    browser.find_element(By.CSS_SELECTOR, "#account-menu summary").click()
    Select(browser.find_element(By.ID, "org-switcher")).select_by_visible_text("Alpha Trading")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Settings"))
    browser.get(live_server + "/settings")
    assert browser.find_element(By.ID, "setting-table_page_size").get_attribute("value") == "50"

    assert console_errors(browser) == []
