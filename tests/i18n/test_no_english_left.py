"""No English left on a Czech or Slovak page: every GET page of the URL map, walked as an owner whose language is
cs or sk, shows none of the common English interface words in its visible text and readable attributes; and a
page that shows a time of day names the display time zone it is in (the issue's one time zone rule).

tests/i18n/test_catalogs.py catches text written into templates; this catches what reaches the page by other
ways: strings in Python never passed through gettext, labels built from English names, values shown as they are
(a status code, a kind) and translations left empty. The pages come from the URL map, so a new page is walked
without editing this test; a route whose path parameter this world cannot fill is listed in UNFILLED.
"""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
from werkzeug.routing import Rule

from app.orgs.models import Role
from tests.catalog.catalog_data import add_product
from tests.factories import csrf_token, login, make_member, make_org, make_shop
from tests.monitoring.conftest import make_run
from tests.orders.tables import add_customer, add_order

# Words an English interface is made of and Czech or Slovak never use (words both languages use as they are,
# such as Export, Import, Status, Filter (sk), Monitoring or Audit, are not listed).
ENGLISH_WORDS = (
    "Save", "Cancel", "Search", "Loading", "Error", "Errors", "Delete", "Edit", "Close", "Next", "Previous", "Back",
    "Show", "Hide", "Apply", "Reset", "Clear", "Download", "Upload", "Settings", "Order", "Orders", "Customer",
    "Customers", "Products", "Shops", "Total", "Name", "Created", "Updated", "Yes", "None", "never", "ago", "rows",
    "Page", "Log in", "Log out", "Sign in", "Open", "Done", "Failed", "queued", "running", "succeeded", "minute",
    "minutes", "second", "seconds", "hour", "hours", "days", "Members", "Healthy", "Unknown", "Paid", "Shipping",
    "Payment", "Source", "Items", "Language", "Choose", "Select", "Connect", "Refresh", "Queue", "Workers",
    "Currency", "Spent", "Newest", "Oldest", "Highest", "Latest", "Any", "All", "No", "Nothing", "visible", "hidden",
    "the", "and", "with", "from", "for", "not", "you", "your", "this", "that", "what", "when", "which", "has",
    "have", "are", "was", "yet", "of", "is",
)
ENGLISH = re.compile(r"(?<![\w@./-])(" + "|".join(re.escape(word) for word in ENGLISH_WORDS) + r")(?![\w@-])")
# Not the interface's words: markup that is not read, commands and code, addresses.
UNREAD = re.compile(r"<!--.*?-->|<(script|style|code|pre|kbd|template)\b.*?</\1>", re.S | re.I)
READABLE_ATTRIBUTES = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"')
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:test|example|cz|sk|com)\b")

IDS_BY_PARAMETER = {"shop_id": "shop", "order_id": "order", "customer_id": "customer", "product_id": "product",
                    "run_id": "run"}
FILLED = {"kind": "orders"}
# Not pages a person reads in the interface's language: machine answers, files, and a token's own landing.
NOT_PAGES = {"static", "monitoring.healthz", "monitoring.readyz", "monitoring.prometheus_metrics",
             "tables.export_download", "analytics.audience_file", "inventory.export_draft", "orgs.accept",
             "shoptet.install_callback", "woocommerce.returned"}
# Path parameters no object of this world fills (their pages are walked by their own areas' tests).
UNFILLED = {"metrics_id", "change_id", "export_id", "supplier", "name", "token", "fmt"}
EXTRA_PAGES = ("/orders?q=zzzqqq", "/customers?q=zzzqqq", "/orders?sort=total", "/customers?sort=spent",
               "/search?q=Nov", "/search?q=zzzqqq", "/products?q=zzzqqq", "/audit?what=import")


ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TIME_OF_DAY = re.compile(r"<time\b[^>]*>[^<]*\d:\d\d")


def times_unlabelled(page: str) -> bool:
    """The one time zone rule: a page showing a time of day names the zone (`zone_label`), and never in UTC."""
    shown = TIME_OF_DAY.search(page) is not None
    return (shown and 'class="zone-label"' not in page) or re.search(r"\d:\d\d(:\d\d)? UTC\b", page) is not None


def iso_days(page: str) -> list[str]:
    """Days written the machine's way (2026-11-30) where the locale's (30. 11. 2026) belongs."""
    return [f"ISO day {found.group()}" for found in ISO_DAY.finditer(visible_text(page))]


def visible_text(page: str) -> str:
    """What a person reads on the page: text between tags and the readable attributes, entities decoded."""
    page = UNREAD.sub(" ", page)
    attributes = " ".join(READABLE_ATTRIBUTES.findall(page))
    text = re.sub(r"<[^>]*>", " ", page) + " " + attributes
    return ADDRESSES.sub(" ", " ".join(html_module.unescape(text).split()))


def english_left(page: str) -> list[str]:
    """Each English word found, with a little of the text around it."""
    text = visible_text(page)
    return [text[max(0, found.start() - 30):found.end() + 30] for found in ENGLISH.finditer(text)]


def test_the_check_finds_english_and_passes_czech():
    assert english_left("<p>Uložit</p><button title='x'>Zrušit</button>") == []
    assert english_left('<p>Uložit</p><button>Cancel</button>') == ["Uložit Cancel"]
    assert english_left('<input placeholder="Search orders">') != []
    assert english_left("<p>No orders match.</p>") != []
    assert english_left("<code>flask hub sync --kind orders</code><p>jana@seznam.cz</p>") == []


def test_the_check_finds_times_without_their_zone():
    assert times_unlabelled('<td><time datetime="x" title="Europe/Prague">1. 12. 2026 9:05</time></td>')
    assert not times_unlabelled('<time title="Europe/Prague">1. 12. 2026 9:05</time> <small class="zone-label">')
    assert not times_unlabelled('<time datetime="2026-12-01">1. 12. 2026</time>')  # a day needs no zone
    assert times_unlabelled("<td>2026-12-01 09:05 UTC</td>")


def test_the_check_finds_days_written_the_machines_way():
    assert iso_days("<small>2026-11-01 – 2026-11-30</small>") == ["ISO day 2026-11-01", "ISO day 2026-11-30"]
    assert iso_days('<time datetime="2026-11-30">30. 11. 2026</time><input type="date" value="2026-11-30">') == []


class World:
    """An organization with a shop holding an order, a customer, a product and a finished run; an owner."""

    def __init__(self, db):
        self.org = make_org(db.session, "Zahradnictví s.r.o.")
        self.owner = make_member(db.session, self.org, Role.owner)
        self.shop = make_shop(db.session, self.org, "Zahrada CZ")
        customer = add_customer(db.session, self.shop, full_name="Jana Nováková", email="jana@seznam.cz")
        self.ids = {
            "shop": self.shop.id,
            "customer": customer.id,
            "order": add_order(db.session, self.shop, full_name="Jana Nováková", email="jana@seznam.cz",
                               customer_guid=customer.guid, status="new").id,
            "product": add_product(db.session, self.shop, name="Konev zahradní").id,
            "run": make_run(db.session, self.shop, finished_ago=timedelta(minutes=5), progress=12).id,
        }
        db.session.commit()


def _path(rule: Rule, world: World) -> str | None:
    path = rule.rule
    for name in rule.arguments:
        if name in UNFILLED:
            return None
        value = FILLED.get(name) or world.ids[IDS_BY_PARAMETER[name]]
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + ">", str(value), path)
    return path


def _pages(app, world: World | None) -> list[str]:
    """Every GET page, its path parameters filled from `world` (None: only the pages without any)."""
    rules = sorted((rule for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
                    and (world is not None or not rule.arguments)), key=lambda rule: rule.rule)
    return [path for path in (_path(rule, world) for rule in rules) if path] + list(EXTRA_PAGES)


def _walk(client, paths: list[str], language: str, found: dict, unlabelled: list) -> int:
    walked = 0
    for path in paths:
        response = client.get(path, headers={"Accept-Language": language})
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        walked += 1
        page = response.get_data(as_text=True)
        hits = english_left(page) + iso_days(page)
        if hits:
            found[path] = hits[:5]
        if times_unlabelled(page):
            unlabelled.append(path)
    return walked


@pytest.mark.parametrize("language", ["cs", "sk"])
def test_no_english_words_on_any_page(app, db, client, language):
    """As an owner of an organization with data, then of one without shops (the empty states), and logged out."""
    world = World(db)
    newcomer = make_member(db.session, make_org(db.session, "Nováček s.r.o."), Role.owner)
    world.owner.language = newcomer.language = language
    db.session.commit()
    found, unlabelled = {}, []
    assert _walk(client, ["/login"], language, found, unlabelled) == 1
    assert login(client, world.owner.email).status_code in (302, 303)
    walked = _walk(client, _pages(app, world), language, found, unlabelled)
    assert walked >= 30, f"only {walked} pages answered 200: the walk is not reaching the pages"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, newcomer.email).status_code in (302, 303)
    empty = {f"{path} (no shops)": hits for path, hits in _empty_walk(client, app, language, unlabelled).items()}
    found.update(empty)
    assert found == {}, "English left on " + language + " pages:\n" + "\n".join(
        f"{path}: {hits}" for path, hits in found.items())
    assert unlabelled == [], "times without their zone named"


def _empty_walk(client, app, language: str, unlabelled: list) -> dict:
    found: dict = {}
    assert _walk(client, _pages(app, None), language, found, unlabelled) >= 15
    return found


def test_every_settings_words_are_msgids():
    """The settings page translates each setting's label and help through app/settings/words.py."""
    from app.settings.registry import SETTINGS
    from app.settings.words import WORDS

    msgids = {word._args[0] for word in WORDS}
    missing = [text for definition in SETTINGS.values() for text in (definition.label, definition.help)
               if text and text not in msgids]
    assert missing == []
