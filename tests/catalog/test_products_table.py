"""The products table: search by code, EAN and accent-free name in any language, each filter, the language
marks, the detail page, tenancy."""

import pytest
from sqlalchemy import select

from app.catalog.models import Product, TranslationUnit
from tests.catalog.catalog_data import PRODUCT_ROW, add_product
from tests.factories import login
from tests.orders.tables import row_ids


@pytest.fixture
def products(db, team, client):
    shop, other = team.shop, team.other
    made = {
        "yellow": add_product(db.session, shop, name="Žlutý konev", code="KON-1", ean="4006000000017",
                              texts={"sk": {"name": "Žltá kanva"}}),
        "novak": add_product(db.session, shop, name="Hrnek Nováková", brand="Tescoma", category="Kuchyně"),
        "hidden": add_product(db.session, shop, name="Skrytý", visibility="hidden"),
        "wine": add_product(db.session, other, name="Víno biele", texts={"cs": {"name": "Bílé víno"}}),
    }
    login(client, team.owner.email)
    return made


def _ids(client, query: str = "") -> set[int]:
    response = client.get(f"/products?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return set(row_ids(response.get_data(as_text=True), PRODUCT_ROW))


def _names(products, *keys) -> set[int]:
    return {products[key].id for key in keys}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ("yellow", "novak", "hidden", "wine")),
    ("q=KON-", ("yellow",)),
    ("q=kon-1", ("yellow",)),  # codes ignore case
    ("q=400600", ("yellow",)),  # EAN prefix
    ("q=4006000000017", ("yellow",)),
    ("q=zluty", ("yellow",)),
    ("q=zlta", ("yellow",)),  # the Slovak name, accents ignored
    ("q=novakova", ("novak",)),
    ("q=NOVÁK", ("novak",)),
    ("q=bile", ("wine",)),
    ("brand=Tescoma", ("novak",)),
    ("category=Kuchyně", ("novak",)),
    ("visibility=hidden", ("hidden",)),
    ("missing=sk", ("novak", "hidden")),
    ("missing=cs", ()),  # the SK shop's wine has a Czech name
    ("missing=hu", ("wine",)),  # only the SK shop has Hungarian
])
def test_search_and_filters(client, products, query, expected):
    assert _ids(client, query) == _names(products, *expected)


def test_shop_filter_and_workflow_filters(client, db, team, products):
    assert _ids(client, f"shop={team.other.id}") == _names(products, "wine")
    db.session.add(TranslationUnit(organization_id=team.org.id, shop_id=team.shop.id,
                                   product_guid=products["novak"].guid, language="sk", field="name",
                                   state="in_review", text="Hrnček"))
    db.session.add(TranslationUnit(organization_id=team.org.id, shop_id=team.shop.id,
                                   product_guid=products["yellow"].guid, language="sk", field="description",
                                   state="outdated", text="<p>x</p>"))
    db.session.flush()
    assert _ids(client, "review=sk") == _names(products, "novak")
    assert _ids(client, "outdated=sk") == _names(products, "yellow")
    assert _ids(client, "review=cs") == set()


def test_language_marks_and_columns(client, products):
    html = client.get("/products").get_data(as_text=True)
    assert "KON-1" in html and "4006000000017" in html and "Gardena" in html
    assert 'title="sk: complete"' in html and 'title="sk: missing"' in html


def test_detail_page(client, db, products):
    product = products["yellow"]
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'class="variant-row"' in html and "KON-1" in html and "#1: 5" in html
    assert "Žlutý konev" in html and "Žltá kanva" in html  # texts side by side
    assert '<details id="raw-json">' in html and product.guid in html
    assert 'id="admin-link"' in html and 'rel="noopener noreferrer"' in html


def test_another_organizations_product_is_not_found(client, db, products, stranger):
    foreign = add_product(db.session, stranger, name="Cizí")
    assert client.get(f"/products/{foreign.id}").status_code == 404
    assert client.get(f"/products?shop={stranger.id}").status_code == 404


def test_viewer_reads_the_table_but_not_the_editor(app, team, products):
    client = app.test_client()
    login(client, team.viewer.email)
    assert _ids(client) == _names(products, "yellow", "novak", "hidden", "wine")
    assert client.get(f"/products/{products['yellow'].id}").status_code == 200
    assert client.get("/translations").status_code == 403


def test_csv_export_of_missing_in_sk(client, db, products, app, tmp_path, monkeypatch):
    import csv
    import io

    from app.tables import exports
    from app.tables.models import TableExport
    from tests.factories import csrf_token

    monkeypatch.setitem(app.config, "EXPORTS_DIR", str(tmp_path))
    response = client.post("/exports/products", headers={"HX-Request": "true"}, data={
        "query": "missing=sk&cols=code&cols=name&cols=stock&cols=price&cols=languages",
        "csrf_token": csrf_token(client, "/products")})
    assert response.status_code in (200, 202), response.get_data(as_text=True)[:300]
    export_id = db.session.execute(select(TableExport.id)).scalar_one()
    assert exports.run_export(export_id) == "done"
    with client.get(f"/exports/{export_id}/download") as download:
        rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert sorted(row["name"] for row in rows) == ["Hrnek Nováková", "Skrytý"]
    novak = next(row for row in rows if row["name"] == "Hrnek Nováková")
    assert novak["stock"] == "5.000" and novak["price"] == "199.00" and novak["currency"] == "CZK"
    assert novak["languages"] == "cs:complete"


def test_bulk_suggest_starts_a_job_for_the_chosen_products(client, db, team, products):
    from app.sync.models import SyncRun
    from tests.factories import csrf_token

    html = client.get("/products?missing=sk").get_data(as_text=True)
    assert 'name="product_id"' in html and 'id="bulk-suggest-apply"' in html
    chosen = [products["novak"].id, products["wine"].id]
    response = client.post("/translations/suggest", headers={"HX-Request": "true"}, data={
        "product_id": [str(i) for i in chosen], "language": "sk", "csrf_token": csrf_token(client, "/products")})
    assert response.status_code == 200 and "suggest-run" in response.get_data(as_text=True)
    run = db.session.execute(select(SyncRun).where(SyncRun.kind == "texts_suggest")).scalar_one()
    assert run.shop_id == team.shop.id  # the SK shop's source is Slovak: nothing to suggest there
    assert run.checkpoint["params"] == {"language": "sk", "guids": [products["novak"].guid]}
    assert "Víno SK" in response.get_data(as_text=True)


def test_the_search_is_answered_by_the_search_indexes(app, db, team, products):
    """The products table's search conditions are written as the index expressions (`name_folded`,
    `lower(code)`, `ean`): with sequential scans off the plan names the indexes."""
    from sqlalchemy import text

    from app.catalog.table import PRODUCTS

    db.session.execute(text("SET LOCAL enable_seqscan = off"))

    compiled = select(Product.id).where(PRODUCTS.search.condition("zluty")).compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    table_plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
    assert "ix_product_texts_shop_name_fold" in table_plan and "ix_product_variants_code_search" in table_plan
    assert "ix_product_variants_ean_search" in table_plan
