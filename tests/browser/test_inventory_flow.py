"""A buyer opens a variant's forecast chart, then its supplier's purchase suggestion, changes a quantity
(htmx posts it and swaps the draft with new totals) and exports the draft, in a real browser (strict CSP)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec

from app.orgs.models import Role
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org, make_shop
from tests.inventory.pages import add_variant

pytestmark = pytest.mark.browser


def _total(driver) -> str:
    """Read in one go: htmx may be swapping the draft at that moment."""
    return driver.execute_script("const t = document.getElementById('draft-total'); return t && t.textContent")


def test_chart_suggestion_edit_and_export(app, live_db, live_server, browser):
    with app.app_context():
        org = make_org(live_db.session, "Buyers Co")
        manager = make_member(live_db.session, org, Role.manager, "buyer@example.com")
        shop = make_shop(live_db.session, org, "Zahrada CZ")
        soon = add_variant(live_db.session, shop, "SOON-1", available=2, weekly=7)
        add_variant(live_db.session, shop, "LATER-1", available=3, weekly=14)
        live_db.session.commit()
        email, soon_id, shop_id = manager.email, soon.id, shop.id

    wait = swap_wait(browser, 30)
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "logout")))

    browser.get(live_server + "/inventory")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-variant-id="{soon_id}"] a.variant-link').click()
    wait.until(ec.presence_of_element_located((By.ID, "forecast-chart")))
    assert browser.find_elements(By.CSS_SELECTOR, "#forecast-chart polygon.band")
    assert browser.find_elements(By.CSS_SELECTOR, "#forecast-chart polyline.p50")

    browser.find_element(By.PARTIAL_LINK_TEXT, "Acme").click()  # the variant's supplier
    wait.until(ec.presence_of_element_located((By.ID, "draft-lines")))
    assert f"/inventory/shops/{shop_id}/suppliers/sup-1" in browser.current_url
    before = _total(browser)
    field = browser.find_element(By.CSS_SELECTOR, 'tr[data-variant="SOON-1"] input.quantity')
    field.send_keys(Keys.CONTROL, "a")  # not clear(): it fires a change of its own
    field.send_keys("123", Keys.TAB)  # change → htmx posts the line, the draft comes back
    wait.until(lambda driver: _total(driver) != before)
    assert browser.execute_script(
        "return document.querySelector('tr[data-variant=\"SOON-1\"] input.quantity').value") == "123"
    assert browser.find_elements(By.CSS_SELECTOR, 'tr[data-variant="SOON-1"] .edited')

    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    text = browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);", href)
    lines = text.strip().splitlines()
    assert lines[0].startswith("supplier,variant_code,name,quantity")
    assert any(line.startswith("Acme,SOON-1,") and ",123.000," in line for line in lines)
    assert browser.find_element(By.ID, "export-xlsx").get_attribute("href").endswith("/draft.xlsx")
    assert console_errors(browser) == []
