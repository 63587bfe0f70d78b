"""Orders, customers, a shop and monitoring in a real browser, in Czech and English, at desktop (1366×900) and
phone size: the menu fits one line or folds behind its button, tables scroll inside their box, the current page
is marked, the skip link and the focus ring show, Escape closes dropdowns. Each page leaves a screenshot in
var/screenshots/ (git-ignored; CI keeps it as an artifact)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from app.auth.models import User
from app.sync import ledger
from tests.browser.conftest import console_errors
from tests.factories import PASSWORD, login, make_org, make_shop, make_user
from tests.orders.tables import add_customer, add_order

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
# What the menu says in each language: proof the page speaks it.
WORDS = {"cs": {"orders": "Objednávky", "customers": "Zákazníci", "shops": "Obchody", "monitoring": "Monitoring",
                "logout": "Odhlásit se", "healthy": "Vyžaduje pozornost"},
         "en": {"orders": "Orders", "customers": "Customers", "shops": "Shops", "monitoring": "Monitoring",
                "logout": "Log out", "healthy": "Needs attention"}}


@pytest.fixture
def merchant(app, live_db):
    """An owner with two shops, orders, customers and finished runs (one failed: monitoring says why)."""
    with app.app_context():
        session = live_db.session
        owner = make_user(session, "majitel@example.com")
        org = make_org(session, "Zahradnictví Novák s.r.o.", owner=owner)
        shop_cz, shop_sk = make_shop(session, org, "Zahrada CZ"), make_shop(session, org, "Záhrada SK")
        for n in range(40):
            add_order(session, shop_cz if n % 2 else shop_sk, full_name=f"Jana Svobodová {n}",
                      currency="CZK" if n % 2 else "EUR", total_with_vat=Decimal("2359.00") + n,
                      created=datetime.now(UTC) - timedelta(hours=n))
        for n in range(15):
            add_customer(session, shop_cz, full_name=f"Petr Dvořák {n}", orders_count=n, total_spent=Decimal(100 * n))
        done, _ = ledger.trigger(session, shop_cz, "orders", mode="file", source_path="/nonexistent")
        token = ledger.claim(session, done.id).lease_token
        ledger.fence(session, done.id, token, progress_done=5000, progress_total=5000)
        ledger.finish(session, done.id, token, stats={"inserted": 4990, "updated": 10, "unchanged": 0})
        failed, _ = ledger.trigger(session, shop_cz, "customers", mode="file", source_path="/nonexistent")
        token = ledger.claim(session, failed.id).lease_token
        ledger.fail(session, failed, token, "The snapshot file was corrupt.")
        session.commit()
        return {"email": owner.email, "user_id": owner.id, "shop_id": shop_cz.id}


def _log_in(browser, live_server, email):
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.ID, "logout"))


def _set_language(app, live_db, user_id, language):
    with app.app_context():
        live_db.session.get(User, user_id).language = language
        live_db.session.commit()


def _layout(browser) -> dict:
    return browser.execute_script("""
        const items = [...document.querySelectorAll('.main-nav li')].filter(li => li.offsetParent !== null);
        const toggle = document.querySelector('.nav-toggle');
        const current = document.querySelector('.main-nav a[aria-current="page"]');
        const nav = document.querySelector('.site-nav');
        const lastItem = items.length ? items[items.length - 1].getBoundingClientRect().right : 0;
        const account = document.querySelector('.nav-menu .account-nav');
        const right = nav.getBoundingClientRect().right;
        const beyond = [...nav.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > right + 1)
            .map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right));
        const accountLeft = account && account.offsetParent !== null ? account.getBoundingClientRect().left : null;
        return {debug: [nav.scrollWidth, nav.clientWidth, lastItem, accountLeft, beyond],
                lang: document.documentElement.lang,
                menuFits: nav.scrollWidth <= nav.clientWidth + 1 && (accountLeft === null || lastItem <= accountLeft),
                pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
                menuTops: [...new Set(items.map(li => Math.round(li.getBoundingClientRect().top)))],
                menuVisible: items.length > 0,
                toggleVisible: !!toggle && toggle.offsetParent !== null,
                current: current ? current.getAttribute('href') : null,
                menuText: document.querySelector('.site-nav').textContent};""")


@pytest.mark.parametrize("language", ["cs", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_everyday_pages_at_desktop_and_phone_size(app, live_db, live_server, browser, merchant, language, size):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _set_language(app, live_db, merchant["user_id"], language)
    width, height = SIZES[size]
    browser.set_window_size(width, height)
    _log_in(browser, live_server, merchant["email"])
    words = WORDS[language]
    pages = {"orders": "/orders", "customers": "/customers", "shop": f"/shops/{merchant['shop_id']}",
             "monitoring": "/monitoring"}
    for name, path in pages.items():
        browser.get(live_server + path)
        WebDriverWait(browser, 20).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")
        browser.save_screenshot(str(SCREENSHOTS / f"{name}-{language}-{size}.png"))
        layout = _layout(browser)
        assert layout["lang"] == language
        assert layout["pageWidth"] <= layout["viewport"] + 1, f"{name}: the page scrolls sideways at {size} size"
        assert layout["current"] == ("/shops" if name == "shop" else path), name  # the current page is marked
        if size == "desktop":
            assert layout["menuVisible"] and not layout["toggleVisible"]
            assert len(layout["menuTops"]) == 1, f"{name}: the menu takes more than one line at 1366 px"
            assert layout["menuFits"], f"{name}: the menu overflows or runs into the account links: {layout['debug']}"
            for word in (words["orders"], words["customers"], words["shops"]):
                assert word in layout["menuText"]
        else:
            assert layout["toggleVisible"] and not layout["menuVisible"], f"{name}: the menu is not folded"

        if name == "orders":
            # Filters fold away; a table wider than a phone scrolls inside its box.
            assert browser.find_elements(By.CSS_SELECTOR, "form.table-filters.folded")
            assert browser.find_elements(By.CSS_SELECTOR, ".filters-toggle")
            rows = browser.execute_script("return document.querySelectorAll('#orders tbody tr').length")
            assert rows > 0
        if name == "monitoring":
            summary = browser.find_element(By.ID, "health-summary")
            assert summary.get_attribute("data-healthy") == "0" and words["healthy"] in summary.text
    if size == "phone":  # the phone menu opens with its button and Escape folds it again
        browser.find_element(By.CSS_SELECTOR, ".nav-toggle").click()
        assert _layout(browser)["menuVisible"]
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        assert not _layout(browser)["menuVisible"]
    assert console_errors(browser) == []  # nothing the CSP refused, no script errors


def test_keyboard_skip_link_focus_ring_and_escape(app, live_db, live_server, browser, merchant):
    browser.set_window_size(*SIZES["desktop"])
    _log_in(browser, live_server, merchant["email"])
    browser.get(live_server + "/orders")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.get_attribute("class") == "skip-link" and skip.is_displayed()
    assert browser.execute_script("return arguments[0].getBoundingClientRect().top >= 0", skip)
    outline = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]", skip)
    assert outline[0] != "none" and outline[1] != "0px"  # the focus ring is visible
    skip.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"

    dropdown = browser.find_element(By.CSS_SELECTOR, "form.table-filters .filter-row details.dropdown")
    browser.execute_script("arguments[0].querySelector('summary').scrollIntoView()", dropdown)
    dropdown.find_element(By.TAG_NAME, "summary").click()
    assert dropdown.get_attribute("open") is not None
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert dropdown.get_attribute("open") is None  # Escape closes the dropdown
    assert console_errors(browser) == []


def test_choosing_a_language_keeps_it_for_the_user(app, live_db, live_server, browser, merchant):
    browser.set_window_size(*SIZES["desktop"])
    _log_in(browser, live_server, merchant["email"])
    browser.get(live_server + "/customers?sort=newest")
    browser.find_element(By.CSS_SELECTOR, "#account-menu summary").click()
    Select(browser.find_element(By.ID, "language-switcher")).select_by_value("sk")
    WebDriverWait(browser, 20).until(
        lambda driver: driver.execute_script("return document.documentElement.lang") == "sk")
    assert browser.current_url.endswith("/customers?sort=newest")  # back on the page it was chosen on
    assert "Zákazníci" in browser.find_element(By.CSS_SELECTOR, ".main-nav").text
    with app.app_context():
        assert live_db.session.get(User, merchant["user_id"]).language == "sk"


def _no_store_on_pages(app, email) -> bool:
    """Whether the hub sends Cache-Control: no-store on logged-in pages (the hardening work adds it)."""
    client = app.test_client()
    login(client, email)
    return "no-store" in client.get("/customers").headers.get("Cache-Control", "")


def test_logged_out_any_page_leads_to_login_and_back_and_back_button_shows_nothing(
        app, live_db, live_server, browser, merchant):
    browser.set_window_size(*SIZES["desktop"])
    browser.get(live_server + "/customers?sort=newest")
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.ID, "login-submit"))
    assert "/login?next=" in browser.current_url
    browser.find_element(By.NAME, "email").send_keys(merchant["email"])
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 20).until(lambda driver: driver.current_url.endswith("/customers?sort=newest"))
    assert "Petr Dvořák" in browser.page_source

    browser.find_element(By.CSS_SELECTOR, "#account-menu summary").click()
    browser.find_element(By.ID, "logout").click()
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.ID, "login-submit"))
    browser.back()
    WebDriverWait(browser, 20).until(lambda driver: driver.execute_script("return document.readyState") == "complete")
    assert _no_store_on_pages(app, merchant["email"])  # logged-in pages say no-store (issue 13)
    assert "Petr Dvořák" not in browser.page_source  # the browser asked again and got the login form
