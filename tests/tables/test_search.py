"""Search as Czech users type: without accents, any part of an e-mail, any case; through the search indexes."""

import pytest
from sqlalchemy import select, text

from app.customers.models import Customer
from app.tables.declaration import Search
from app.tables.registry import TABLES
from tests.orders.tables import CUSTOMER_ROW, add_customer, add_order, row_ids


def _ids(client, path: str) -> list[int]:
    response = client.get(path)
    assert response.status_code == 200
    return row_ids(response.get_data(as_text=True), CUSTOMER_ROW if path.startswith("/customers") else None)


@pytest.fixture
def people(db, tenant):
    a, b = tenant.shop_a, tenant.shop_b
    return {
        "svobodova": add_customer(db.session, a, full_name="Jana Svobodová", email="jana.svobodova@seznam.cz"),
        "dvorak": add_customer(db.session, b, full_name="Tomáš Dvořák", email="t.dvorak@centrum.cz"),
        "sykora": add_customer(db.session, a, full_name="Šárka Sýkorová", email="sarka@firma.sk"),
        "other": add_customer(db.session, b, full_name="John Smith", email="john@example.com"),
    }


@pytest.mark.parametrize(("q", "found"), [
    ("svobodova", {"svobodova"}),       # without accents
    ("SVOBODOVÁ", {"svobodova"}),       # any case, with them
    ("dvorak", {"dvorak"}),
    ("DVOŘÁK", {"dvorak"}),
    ("sarka syk", {"sykora"}),          # Š and ý folded, across the space
    ("seznam.cz", {"svobodova"}),       # any part of an e-mail
    ("centrum", {"dvorak"}),
    ("firma.sk", {"sykora"}),
    ("jana.svo", {"svobodova"}),        # its start, as before
    ("ja", {"svobodova"}),              # under 3 characters: prefixes only (e-mail)
    ("nobody", set()),
])
def test_customer_search(client, people, q, found):
    from urllib.parse import quote

    assert set(_ids(client, f"/customers?q={quote(q)}")) == {people[name].id for name in found}


def test_order_search_by_unaccented_name_and_e_mail_domain(client, db, tenant):
    from tests.orders.tables import ORDER_ROW

    hit = add_order(db.session, tenant.shop_a, full_name="Jiří Čermák", email="jiri@seznam.cz")
    add_order(db.session, tenant.shop_b, full_name="Petr Novák", email="petr@gmail.com")
    for q in ("cermak", "Čermák", "jiri cer", "seznam.cz", "SEZNAM"):
        html = client.get(f"/orders?q={q}").get_data(as_text=True)
        assert row_ids(html, ORDER_ROW) == [hit.id], q


def test_the_search_conditions_are_served_by_the_folded_and_e_mail_indexes(db, tenant):
    """Each substring condition the search sends can be answered by its trigram index (with the shop's other
    indexes out of the way: no shop condition, no sequential scan), so a rare term is fetched through them."""
    add_customer(db.session, tenant.shop_a, full_name="Jana Svobodová", email="jana@seznam.cz")
    table = TABLES["customers"]
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    for q, index in (("svobodova", "ix_customers_shop_name_fold"), ("seznam.cz", "ix_customers_shop_email_trgm")):
        search = table.search
        one_kind = Search("", folded=search.folded) if index.endswith("fold") else Search("", anywhere=search.anywhere)
        statement = select(Customer.id).where(one_kind.condition(q))
        compiled = statement.compile(dialect=connection.dialect)
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
        assert f"Bitmap Index Scan on {index}" in plan, plan
        assert db.session.execute(statement).scalars().all(), q


def test_the_fold_is_the_databases_unaccent(db):
    assert db.session.execute(text("SELECT hub_fold('Šárka Sýkorová ŘEŽ')")).scalar_one() == "sarka sykorova rez"
