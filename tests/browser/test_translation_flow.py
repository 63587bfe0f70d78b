"""A translator filters "missing in sk", drafts from a machine suggestion and submits; a manager approves and
pushes; the worker's texts_push job writes it; the sandbox's product in sk has the text (real browser, strict
CSP, htmx swaps, the sandbox's Shoptet API and translator over HTTP)."""

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from app.catalog.models import Product, ProductText
from app.orgs.models import Role
from app.settings.services import update_settings
from app.shops.services import add_shop
from app.sync.runner import sync_now
from sandbox.testing import run_sandbox
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org
from tests.imports.processes import start_worker, stop_worker, wait_for, worker_env

pytestmark = pytest.mark.browser


def _login(browser, live_server, wait, email):
    browser.delete_all_cookies()
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "logout")))


def _state(browser, field):
    return browser.execute_script(
        "var s = document.querySelector('article[data-field=\"' + arguments[0] + '\"] [data-state]');"
        "return s && s.dataset.state;", field)


def test_translate_review_push(app, test_config, live_db, live_server, browser):
    with run_sandbox(seed=31, shops=1, orders=10, customers=5, products=40, job_delay=0.1) as sandbox:
        info = sandbox.shops[0]
        with app.app_context():
            session = live_db.session
            org = make_org(session, "Translations Co")
            translator = make_member(session, org, Role.translator, "translator@example.com").email
            manager = make_member(session, org, Role.manager, "reviewer@example.com").email
            shop = add_shop(session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                            private_token=info["private_token"], api_url=sandbox.base_url,
                            languages=",".join(info["languages"]))
            update_settings(session, app.extensions["settings_cache"], org.id, {
                "translation_provider": "deepl", "translation_api_url": sandbox.url("/deepl"),
                "translation_api_key": "sandbox-key"})
            session.commit()
            assert shop.languages.split(",")[:2] == ["cs", "sk"]
            sync_now(session, shop, "products", full=True)
            with_sk = select(ProductText.product_guid).where(ProductText.shop_id == shop.id,
                                                             ProductText.language == "sk",
                                                             ProductText.name.is_not(None))
            missing = session.execute(select(Product.id, Product.guid).where(
                Product.shop_id == shop.id, Product.guid.not_in(with_sk)).order_by(Product.id)).all()
            assert missing, "the sandbox leaves some products without Slovak texts"
            product_id, guid = missing[0]
        worker = start_worker(worker_env(test_config), "translations")
        try:
            wait = swap_wait(browser, 30)
            _login(browser, live_server, wait, translator)
            browser.get(live_server + "/products")
            browser.find_element(By.CSS_SELECTOR, ".filters-toggle").click()  # the filters fold away
            Select(browser.find_element(By.NAME, "missing")).select_by_visible_text("sk")
            wait.until(lambda driver: "missing=sk" in driver.current_url)
            wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, f'tr[data-product-id="{product_id}"]'))
            shown = {int(row.get_attribute("data-product-id"))
                     for row in browser.find_elements(By.CSS_SELECTOR, "tr[data-product-id]")}
            assert shown == {row.id for row in missing}
            browser.find_element(By.CSS_SELECTOR, f'tr[data-product-id="{product_id}"] a.product-link').click()
            wait.until(ec.element_to_be_clickable((By.ID, "translate-link"))).click()
            wait.until(ec.presence_of_element_located((By.ID, "editor")))
            assert browser.find_element(By.ID, "editor").get_attribute("data-language") == "sk"

            browser.find_element(By.ID, "suggest").click()  # machine-made drafts of the empty fields
            wait.until(lambda driver: _state(driver, "name") == "draft")
            name_box = browser.find_element(By.CSS_SELECTOR, 'article[data-field="name"] textarea')
            suggested = name_box.get_attribute("value")
            assert suggested.startswith("[sk] ")
            assert browser.find_elements(By.CSS_SELECTOR, 'article[data-field="name"] .machine-made')
            name_box.send_keys(" (upravené)")  # the translator edits the suggestion; autosave keeps it
            wait.until(lambda driver: driver.find_element(
                By.CSS_SELECTOR, 'article[data-field="name"] input[name="version"]').get_attribute("value") != "2")
            name_box = browser.find_element(By.CSS_SELECTOR, 'article[data-field="name"] textarea')
            name_box.click()
            name_box.send_keys(Keys.CONTROL, Keys.ENTER)  # the editor's key for "submit this field"
            wait.until(lambda driver: _state(driver, "name") == "in_review")
            final_text = suggested + " (upravené)"

            _login(browser, live_server, wait, manager)
            browser.get(f"{live_server}/translations/products/{product_id}?language=sk&state=in_review")
            assert browser.find_elements(By.CSS_SELECTOR, 'article[data-field="name"] .machine-made')
            browser.find_element(By.CSS_SELECTOR, 'article[data-field="name"] button.approve-unit').click()
            wait.until(lambda driver: _state(driver, "name") == "approved")

            browser.get(live_server + "/translations")
            browser.find_element(By.CSS_SELECTOR, f'tr[data-shop="{shop.id}"][data-language="sk"] button.push-texts'
                                 ).click()
            wait.until(lambda driver: "/runs/" in driver.current_url)

            def remote_name():
                response = httpx.get(sandbox.url(f"/api/products/{guid}"), params={"language": "sk"},
                                     headers=sandbox.private_headers())
                return response.json()["data"]["name"]

            wait_for(lambda: remote_name() == final_text, timeout=60, every=0.5, what="the pushed Slovak name")
            assert console_errors(browser) == []
        finally:
            stop_worker(worker)
