"""An owner marks a master shop, reviews a follower's pairing, previews its stock rule, applies it, and the
sandbox follower's stock follows the master's, in a real browser."""

from decimal import Decimal

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from sqlalchemy import create_engine, select, text

from app.catalog.models import ProductVariant
from app.master.models import VariantPair
from app.orgs.models import Role
from app.shops.services import add_shop
from app.sync.services import start_import
from sandbox.testing import run_sandbox
from tests.browser.conftest import console_errors, swap_wait
from tests.factories import PASSWORD, make_member, make_org
from tests.imports.processes import start_worker, stop_worker, wait_for, worker_env

pytestmark = pytest.mark.browser


def _supplies(sandbox, index):
    data = httpx.get(sandbox.url("/api/stocks/1/supplies"), headers=sandbox.private_headers(index),
                     params={"itemsPerPage": 1000}).json()["data"]
    return {s["code"]: Decimal(str(s["amount"])) for s in data["supplies"] if s["amount"] is not None}


def test_mark_a_master_review_pairing_preview_and_apply_the_stock_rule(app, test_config, live_db, live_server,
                                                                       browser):
    with run_sandbox(seed=17, shops=2, orders=5, customers=5, products=20) as sandbox:
        with app.app_context():
            org = make_org(live_db.session, "Pool Co")
            owner = make_member(live_db.session, org, Role.owner, "owner@example.com")
            shops = [add_shop(live_db.session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                              private_token=info["private_token"], api_url=sandbox.base_url,
                              languages=info["default_language"]) for info in sandbox.shops]
            for shop in shops:
                start_import(live_db.session, shop, "products", actor_id=None)
            live_db.session.commit()
            master_id, follower_id, email = shops[0].id, shops[1].id, owner.email
        worker = start_worker(worker_env(test_config, HUB_IMPORT_BATCH_SIZE=500, HUB_LEASE_SECONDS=10),
                              "snapshots", "master", "catalog")
        watch = create_engine(test_config.DATABASE_URL)
        try:
            def imported():
                with watch.connect() as conn:
                    return conn.execute(text("SELECT count(*) FROM sync_runs WHERE kind = 'products' "
                                             "AND status = 'succeeded'")).scalar() == 2

            wait_for(imported, timeout=300, every=0.5, what="the products of both shops")
            wait = swap_wait(browser, 60)
            browser.get(live_server + "/login")
            browser.find_element(By.NAME, "email").send_keys(email)
            browser.find_element(By.NAME, "password").send_keys(PASSWORD)
            browser.find_element(By.ID, "login-submit").click()
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Pool Co"))

            browser.get(live_server + "/settings")  # mark the master
            field = browser.find_element(By.ID, "setting-master_shop")
            field.clear()
            field.send_keys(str(master_id))
            browser.find_element(By.ID, "settings-save").click()
            wait.until(ec.staleness_of(field))
            browser.get(f"{live_server}/settings?shop={follower_id}")  # the follower follows
            field = browser.find_element(By.ID, "setting-stock_rule")
            Select(field).select_by_value("follow")
            browser.find_element(By.ID, "settings-save").click()
            wait.until(ec.staleness_of(field))

            browser.get(live_server + "/master")  # review the pairing and the preview
            article = wait.until(ec.presence_of_element_located((By.ID, f"follower-{follower_id}")))
            assert "EAN" in article.text
            preview = browser.find_element(By.ID, f"preview-{follower_id}").text
            would = int("".join(ch for ch in preview if ch.isdigit()))
            assert would > 0
            rows = article.find_elements(By.CSS_SELECTOR, "table tbody tr")
            assert rows  # a sample of the differences: code, now, after
            browser.find_element(By.ID, f"apply-{follower_id}").click()
            wait.until(lambda driver: "/runs/" in driver.current_url)
            wait.until(lambda driver: driver.execute_script(
                "const p = document.querySelector('.run-progress'); return p && p.dataset.status") == "succeeded")
            assert console_errors(browser) == []
        finally:
            stop_worker(worker)
            watch.dispose()
        with app.app_context():
            stock = dict(live_db.session.execute(select(ProductVariant.code, ProductVariant.stock)
                                                 .where(ProductVariant.shop_id == master_id)).all())
            pairs = live_db.session.execute(select(VariantPair.follower_code, VariantPair.master_code).where(
                VariantPair.follower_shop_id == follower_id, VariantPair.master_code.is_not(None))).all()
        supplies = _supplies(sandbox, 1)
        expected = {code: max(Decimal(0), stock[master_code]) for code, master_code in pairs
                    if stock.get(master_code) is not None}
        assert expected and {code: supplies.get(code) for code in expected} == expected
