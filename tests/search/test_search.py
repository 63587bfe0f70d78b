"""The one search box: ranking, accents, a typo, every kind, and only the user's organization."""

from __future__ import annotations

import re

import pytest

from app.catalog.models import Product, ProductText, ProductVariant
from app.orgs.models import Role
from app.search.queries import search
from tests.factories import login, make_member, make_org, make_shop
from tests.orders.tables import add_customer, add_order


def add_product(session, shop, guid: str, name: str, code: str, ean: str | None = None, texts: dict | None = None):
    product = Product(shop_id=shop.id, guid=guid, name=name, content_hash=b"x", raw={})
    session.add(product)
    session.add(ProductVariant(shop_id=shop.id, product_guid=guid, code=code, ean=ean, name=name, raw={}))
    for language, text in (texts or {}).items():
        session.add(ProductText(shop_id=shop.id, product_guid=guid, language=language, name=text, content_hash=b"x"))
    session.flush()
    return product


def kinds_and_titles(groups) -> list[tuple[str, list[str]]]:
    return [(group.kind, [hit.title for hit in group.hits]) for group in groups]


def seeded(db):
    org = make_org(db.session)
    shop, other_shop = make_shop(db.session, org, "Zahrada CZ"), make_shop(db.session, org, "Zahrada SK")
    add_order(db.session, shop, code="2025000123", full_name="Jana Nováková")
    add_order(db.session, shop, code="20250001234", full_name="Petr Dvořák")
    add_customer(db.session, shop, email="novak@example.com", full_name="Petr Svoboda")
    add_customer(db.session, shop, email="jana@example.com", full_name="Jana Nováková", company="Květiny s.r.o.",
                 phone="+420777123456")
    add_customer(db.session, other_shop, email="jan@example.sk", full_name="Ján Novák")
    add_product(db.session, shop, "g-kun", "Žlutý kůň", "KUN-01", ean="8590000000017",
                texts={"sk": "Žltý koník", "de": "Gelbes Pferd"})
    add_product(db.session, other_shop, "g-rake", "Hrábě na listí", "HR-2025000123")
    return org, [shop.id, other_shop.id]


def test_an_exact_order_code_comes_first(db):
    _, shops = seeded(db)
    groups = search(db.session, shops, "2025000123")
    assert groups[0].kind == "orders" and groups[0].hits[0].title == "2025000123"
    assert [hit.title for hit in groups[0].hits] == ["2025000123", "20250001234"]


def test_an_e_mail_before_a_name(db):
    _, shops = seeded(db)
    customers = next(group for group in search(db.session, shops, "novak") if group.kind == "customers")
    assert [hit.title for hit in customers.hits][0] == "Petr Svoboda"  # novak@… is an e-mail match
    assert {"Jana Nováková", "Ján Novák"} <= {hit.title for hit in customers.hits}


def test_accents_and_case_never_matter(db):
    _, shops = seeded(db)
    assert "Jana Nováková" in dict(kinds_and_titles(search(db.session, shops, "novakova")))["customers"]
    assert "Jana Nováková" in dict(kinds_and_titles(search(db.session, shops, "NOVÁKOVÁ")))["customers"]
    assert dict(kinds_and_titles(search(db.session, shops, "zluty kun")))["products"] == ["Žlutý kůň"]
    assert dict(kinds_and_titles(search(db.session, shops, "zltý konik")))["products"] == ["Žlutý kůň"]  # sk name
    assert dict(kinds_and_titles(search(db.session, shops, "gelbes")))["products"] == ["Žlutý kůň"]  # de name


def test_one_typo_in_a_name_is_tolerated(db):
    _, shops = seeded(db)
    assert "Jana Nováková" in dict(kinds_and_titles(search(db.session, shops, "novakvoa")))["customers"]
    assert "Petr Svoboda" in dict(kinds_and_titles(search(db.session, shops, "svoboba")))["customers"]
    assert "products" not in dict(kinds_and_titles(search(db.session, shops, "svoboba")))


def test_codes_eans_phones_and_companies(db):
    _, shops = seeded(db)
    assert dict(kinds_and_titles(search(db.session, shops, "kun-01")))["products"] == ["Žlutý kůň"]
    assert dict(kinds_and_titles(search(db.session, shops, "8590000000017")))["products"] == ["Žlutý kůň"]
    assert dict(kinds_and_titles(search(db.session, shops, "777 123")))["customers"] == ["Jana Nováková"]
    assert dict(kinds_and_titles(search(db.session, shops, "kvetiny")))["customers"] == ["Jana Nováková"]


def test_only_the_users_organization_and_the_roles_of_the_tables(app, db, client):
    org, _ = seeded(db)
    stranger = make_org(db.session)
    add_customer(db.session, make_shop(db.session, stranger), email="novakova@elsewhere.cz", full_name="Eva Nováková")
    viewer = make_member(db.session, org, Role.viewer)
    assert client.get("/search?q=novakova").status_code in (302, 401)
    login(client, viewer.email)
    page = client.get("/search?q=novakova").get_data(as_text=True)
    assert "Jana Nováková" in page and "Eva Nováková" not in page and "<html" in page
    partial = client.get("/search?q=novakova", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and re.search(r'class="search-hit" href="/customers/\d+"', partial)
    outsider = make_member(db.session, stranger, Role.owner)
    other_client = app.test_client()
    login(other_client, outsider.email)
    page = other_client.get("/search?q=novakova").get_data(as_text=True)
    assert "Eva Nováková" in page and "Jana Nováková" not in page


def test_the_header_box_is_on_every_page(db, client):
    org, _ = seeded(db)
    login(client, make_member(db.session, org, Role.viewer).email)
    for path in ("/", "/orders", "/customers"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="site-search"' in html and 'hx-sync="this:replace"' in html and "delay:250ms" in html



def _bare(sql: str) -> str:
    return re.sub(r"::[a-z ]+|[()\s]", "", sql)


@pytest.mark.parametrize(("index", "expression", "query"), [
    ("ix_customers_shop_name_fold", "hub_fold(full_name) gin_trgm_ops", "CUSTOMERS"),
    ("ix_customers_shop_company_fold", "hub_fold(company) gin_trgm_ops", "CUSTOMERS"),
    ("ix_products_shop_name_fold", "hub_fold(name) gin_trgm_ops", "PRODUCTS"),
    ("ix_product_texts_shop_name_fold", "name_folded gin_trgm_ops", "PRODUCTS"),
    ("ix_product_variants_code_search", "lower(code) text_pattern_ops", "PRODUCTS"),
])
def test_the_search_says_each_name_as_its_one_index_does(db, index, expression, query):
    """One fold (`hub_fold`) and one index per column: the query's condition is the index's expression
    verbatim, so the planner can use it."""
    from sqlalchemy import text

    from app.search import queries

    definition = db.session.execute(text("SELECT pg_get_indexdef(CAST(:name AS regclass))"), {"name": index}).scalar()
    assert _bare(expression) in _bare(definition)
    column_expression = expression.rsplit(" ", 1)[0]
    assert _bare(column_expression) + "LIKE" in _bare(getattr(queries, query))
    assert "hub_unaccent" not in getattr(queries, query)  # the function stays a release for the previous one
