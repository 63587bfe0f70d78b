"""Machine suggestions against the sandbox's DeepL and OpenAI-compatible APIs: machine-made drafts that never
overwrite a person's text, HTML/number/glossary checks, translation memory, 429/5xx retries, the monthly
budget stop, the bulk job's command."""

import httpx
import pytest
from sqlalchemy import select

from app.catalog import workflow
from app.catalog.checks import check_text
from app.catalog.models import GlossaryTerm, TranslationUnit, TranslationUsage
from app.catalog.suggest import SuggestError, suggest_product
from app.orgs.models import Role
from app.settings.services import update_settings
from app.sync.runner import job_now
from sandbox.testing import run_sandbox
from sandbox.translator import translate
from tests.catalog.catalog_data import add_product

T, M = Role.translator, Role.manager


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=41, shops=1, orders=5, customers=5, products=5) as handle:
        yield handle


def _faults(sandbox, *script):
    httpx.post(sandbox.url("/_sandbox/translator/faults"), json={"script": list(script)}).raise_for_status()


def _translator_state(sandbox):
    return httpx.get(sandbox.url("/_sandbox/translator/state")).json()


@pytest.fixture(params=["deepl", "openai"])
def provider(request, app, db, team, sandbox):
    _faults(sandbox)
    url = sandbox.url("/deepl") if request.param == "deepl" else sandbox.url("/openai/v1")
    update_settings(db.session, app.extensions["settings_cache"], team.org.id, {
        "translation_provider": request.param, "translation_api_url": url, "translation_api_key": "sandbox-key",
        "translation_model": "sandbox", "translation_monthly_characters": 100_000}, actor_id=None)
    db.session.commit()
    return request.param


def _units(db, product, language="sk"):
    db.session.expire_all()
    return {u.field: u for u in db.session.execute(select(TranslationUnit).where(
        TranslationUnit.product_guid == product.guid, TranslationUnit.language == language)).scalars()}


def test_suggestions_are_machine_made_drafts_checked_and_never_over_a_persons_text(db, team, provider, sandbox):
    product = add_product(db.session, team.shop, name="Žlutá konev 10 l", texts={"cs": {
        "name": "Žlutá konev 10 l", "description": '<p class="lead">Objem <b>10&nbsp;l</b></p>',
        "short_description": "<p>BREAK-HTML <i>konev</i> a BREAK-NUM 5 kg</p>"}})
    mine = workflow.unit_for(db.session, team.shop, product.guid, "sk", "short_description")
    workflow.save_draft(db.session, team.shop, mine, "Môj text", actor_id=team.translator.id, role=T,
                        expected_version=1)
    before = _translator_state(sandbox)["requests"][provider]
    stats = suggest_product(db.session, team.shop, product, "sk", actor_id=team.translator.id, role=T)
    assert (stats["suggested"], stats["reused"]) == (2, 0)
    units = _units(db, product)
    assert units["name"].text == translate("Žlutá konev 10 l", "sk") == "[sk] Žltá kanva 10 l"
    assert units["description"].text == '[sk] <p class="lead">Objem <b>10&nbsp;l</b></p>'
    assert all(units[f].machine_made and units[f].state == "draft" and units[f].flags == []
               for f in ("name", "description"))
    assert units["short_description"].text == "Môj text" and not units["short_description"].machine_made
    assert _translator_state(sandbox)["requests"][provider] > before
    usage = db.session.execute(select(TranslationUsage.characters).where(
        TranslationUsage.organization_id == team.org.id, TranslationUsage.provider == provider)).scalar_one()
    assert usage == len("Žlutá konev 10 l") + len('<p class="lead">Objem <b>10&nbsp;l</b></p>')


def test_broken_html_numbers_and_glossary_are_flagged(db, team, provider):
    db.session.add_all([GlossaryTerm(organization_id=team.org.id, language="sk", term="Gardena"),
                        GlossaryTerm(organization_id=team.org.id, language="sk", term="konev", translation="krhla")])
    product = add_product(db.session, team.shop, name="Gardena konev", texts={"cs": {
        "name": "Gardena konev", "description": "<p>BREAK-HTML <b>Objem</b> 5 l</p>",
        "meta_title": "BREAK-NUM 12 l"}})
    stats = suggest_product(db.session, team.shop, product, "sk", actor_id=None, role=T)
    units = _units(db, product)
    # OpenAI: the glossary travels in the prompt; DeepL: the pair as a DeepL glossary, the kept term in <keep>.
    assert units["name"].text == "[sk] Gardena krhla" and units["name"].flags == []
    assert "html" in units["description"].flags
    assert "numbers" in units["meta_title"].flags
    assert stats["flagged"] == 2


def test_a_glossary_the_provider_did_not_follow_is_flagged(db, team, provider):
    db.session.add(GlossaryTerm(organization_id=team.org.id, language="sk", term="konev", translation="krhla"))
    product = add_product(db.session, team.shop, name="BREAK-GLOSSARY konev")
    stats = suggest_product(db.session, team.shop, product, "sk", actor_id=None, role=T)
    name = _units(db, product)["name"]
    assert name.text == "[sk] BREAK-GLOSSARY kanva" and name.flags == ["glossary:konev"]
    assert stats["flagged"] == 1


def _glossaries(sandbox, pair="cs-sk"):
    return {g["name"]: g for g in _translator_state(sandbox)["glossaries"].values()
            if g["name"].startswith(f"commerce-hub {pair} ")}


def test_deepl_gets_the_pairs_as_one_glossary_made_once_and_replaced_when_they_change(app, db, team, sandbox):
    from app.catalog.providers import DeepLProvider
    from app.catalog.suggest import glossary_for

    db.session.add_all([GlossaryTerm(organization_id=team.org.id, language="sk", term="konev", translation="krhla"),
                        GlossaryTerm(organization_id=team.org.id, language="sk", term="Gardena")])
    db.session.flush()
    glossary = glossary_for(db.session, team.org.id, "sk")
    deepl = DeepLProvider("sandbox-key", sandbox.url("/deepl"))
    made = _translator_state(sandbox)["glossaries_made"]
    assert deepl.translate(["Gardena konev", "Žlutá konev"], "cs", "sk", html=False, glossary=glossary) == [
        "[sk] Gardena krhla", "[sk] Žltá krhla"]
    assert deepl.translate(["Konev"], "cs", "sk", html=False, glossary=glossary) == ["[sk] krhla"]
    # A second provider (the next job) finds the glossary by its name instead of making another.
    DeepLProvider("sandbox-key", sandbox.url("/deepl")).translate(["konev"], "cs", "sk", html=False,
                                                                 glossary=glossary)
    assert _translator_state(sandbox)["glossaries_made"] - made <= 1
    (only,) = _glossaries(sandbox).values()
    assert only["entries"] == {"konev": "krhla"} and only["source_lang"] == "cs" and only["target_lang"] == "sk"

    db.session.add(GlossaryTerm(organization_id=team.org.id, language="sk", term="hadice", translation="hadička"))
    db.session.flush()
    changed = glossary_for(db.session, team.org.id, "sk")
    assert deepl.translate(["Hadice a konev"], "cs", "sk", html=False, glossary=changed) == ["[sk] hadička a krhla"]
    (replacement,) = _glossaries(sandbox).values()  # the earlier entries' glossary is deleted
    assert replacement["entries"] == {"konev": "krhla", "hadice": "hadička"}


def test_checks_of_a_persons_text():
    assert check_text("name", "Konev 10 l", "Kanva 10 l") == []
    assert check_text("name", "Konev 10 l", "Kanva 12 l") == ["numbers"]
    assert check_text("description", "<p>A <b>b</b></p>", "<p>A b</p>") == ["html"]
    assert check_text("description", '<a href="/x">x</a>', '<a href="/y">x</a>') == ["html"]
    assert check_text("description", "A&nbsp;b", "A b") == ["entities"]
    assert check_text("name", "Sleva {discount} %", "Zľava %") == ["placeholders"]
    assert check_text("name", "Gardena konev", "Gardena kanva", {"konev": "krhla"}) == ["glossary:konev"]
    assert check_text("name", "Gardena konev", "Gardenka krhla", {"Gardena": None}) == ["glossary:Gardena"]
    assert check_text("name", "x", "y" * 251) == ["length>250"]
    assert check_text("meta_title", "x", "y" * 255) == []
    assert check_text("additional_name", "x", "y" * 151) == ["length>150"]


def test_memory_reuses_an_approved_text_without_a_call(db, team, provider, sandbox):
    first = add_product(db.session, team.shop, name="Zahradní hadice")
    unit = workflow.unit_for(db.session, team.shop, first.guid, "sk", "name")
    workflow.save_draft(db.session, team.shop, unit, "Záhradná hadica (ľudská)", actor_id=None, role=T,
                        expected_version=1)
    workflow.submit(db.session, unit, actor_id=None, role=T)
    workflow.approve(db.session, team.shop, unit, actor_id=None, role=M)
    second = add_product(db.session, team.shop, name="Zahradní hadice")
    before = _translator_state(sandbox)["requests"][provider]
    stats = suggest_product(db.session, team.shop, second, "sk", actor_id=None, role=T)
    assert (stats["reused"], stats["suggested"], stats["characters"]) == (1, 0, 0)
    assert _units(db, second)["name"].text == "Záhradná hadica (ľudská)"
    assert "memory" in _units(db, second)["name"].flags
    assert _translator_state(sandbox)["requests"][provider] == before


def test_429_and_5xx_are_retried(db, team, provider, sandbox):
    product = add_product(db.session, team.shop, name="Malý konev")
    _faults(sandbox, 429, 500, 503)
    faults = _translator_state(sandbox)["faults"]
    stats = suggest_product(db.session, team.shop, product, "sk", actor_id=None, role=T)
    assert stats["suggested"] == 1 and stats["failed"] == 0
    assert _translator_state(sandbox)["faults"] - faults == 3
    assert _units(db, product)["name"].text == "[sk] Malý kanva"


def test_a_provider_that_keeps_failing_leaves_the_field_missing(db, team, provider, sandbox):
    product = add_product(db.session, team.shop, name="Velký konev")
    _faults(sandbox, *[500] * 5)
    stats = suggest_product(db.session, team.shop, product, "sk", actor_id=None, role=T)
    assert (stats["suggested"], stats["failed"]) == (0, 1)
    assert _units(db, product).get("name") is None or _units(db, product)["name"].state == "missing"


def test_the_monthly_budget_stops_the_bulk_job_cleanly(app, db, team, provider, sandbox):
    names = [f"Konev číslo {n:03d}" for n in range(30)]
    for name in names:
        add_product(db.session, team.shop, name=name)
    per_product = len(names[0])
    update_settings(db.session, app.extensions["settings_cache"], team.org.id,
                    {"translation_monthly_characters": per_product * 10}, actor_id=None)
    db.session.commit()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.catalog.suggest.CHUNK", 5)
        stats = job_now(db.session, team.shop, "texts_suggest", {"language": "sk"})
    assert stats["stopped"] == "budget" and stats["suggested"] == 10 and stats["characters"] == per_product * 10
    with pytest.raises(SuggestError, match="budget"):
        suggest_product(db.session, team.shop, add_product(db.session, team.shop, name="Ještě jedna konev"), "sk",
                        actor_id=None, role=T)


def test_texts_suggest_command(app, db, team, provider):
    for name in ("Konev A", "Konev B"):
        add_product(db.session, team.shop, name=name)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["hub", "texts-suggest", "--shop", str(team.shop.id),
                                                "--language", "sk", "--provider", provider])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["suggested"] == 2 and summary["characters"] == len("Konev A") * 2 and summary["flagged"] == 0


def test_the_demo_suggests_through_the_sandbox_translator(app, db, team, sandbox):
    from app.catalog.providers import DeepLProvider, provider_from_settings
    from app.demo import use_sandbox_translator

    message = use_sandbox_translator(app, team.org.id, sandbox.base_url)
    assert "sandbox translator" in message and sandbox.url("/deepl") in message
    values = app.extensions["settings_cache"].values(db.session, team.org.id)
    provider = provider_from_settings(values)
    assert isinstance(provider, DeepLProvider)
    product = add_product(db.session, team.shop, name="Konev")
    assert suggest_product(db.session, team.shop, product, "sk", actor_id=None, role=T)["suggested"] == 1


def test_the_bulk_job_walks_products_and_fields_once_across_reads_and_chunks(app, db, team, sandbox):
    """Small reads of source texts and small chunks: every wanted field is suggested once, in guid and field
    order across both boundaries; a shop text, a person's draft, an empty source and a deleted product are
    skipped; an outdated unit is suggested again."""
    from datetime import UTC, datetime

    from app.catalog.models import ProductText
    from app.catalog.suggest import candidates

    _faults(sandbox)
    update_settings(db.session, app.extensions["settings_cache"], team.org.id, {
        "translation_provider": "deepl", "translation_api_url": sandbox.url("/deepl"),
        "translation_api_key": "sandbox-key", "translation_monthly_characters": 100_000}, actor_id=None)
    made = [add_product(db.session, team.shop, name=f"Konev {n}", texts={"cs": {
        "name": f"Konev {n}", "meta_title": f"Kupte konev {n}", "meta_description": "" if n == 2 else f"Konev {n} l"}})
        for n in range(5)]
    workflow.save_draft(db.session, team.shop, workflow.unit_for(db.session, team.shop, made[1].guid, "sk", "name"),
                        "Můj text", actor_id=team.translator.id, role=T, expected_version=1)
    outdated = workflow.unit_for(db.session, team.shop, made[3].guid, "sk", "meta_title")
    outdated.state, outdated.text = "outdated", "Stará"
    made[4].deleted_at = datetime.now(UTC)
    db.session.add(ProductText(shop_id=team.shop.id, product_guid=made[0].guid, language="sk", name="Kanva 0",
                               content_hash=b"x"))
    db.session.commit()
    expected = [(p.guid, field) for p in made[:4] for field in ("meta_description", "meta_title", "name")
                if not (p is made[0] and field == "name") and not (p is made[1] and field == "name")
                and not (p is made[2] and field == "meta_description")]
    assert [(c.guid, c.field) for c in candidates(db.session, team.shop, "sk", limit=100)] == sorted(expected)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.catalog.suggest.CHUNK", 3)
        patch.setattr("app.catalog.suggest.SOURCE_PRODUCTS", 2)
        stats = job_now(db.session, team.shop, "texts_suggest", {"language": "sk"})
    assert stats["suggested"] == len(expected) == 9
    drafted = {(u.product_guid, u.field) for u in db.session.execute(select(TranslationUnit).where(
        TranslationUnit.shop_id == team.shop.id, TranslationUnit.machine_made.is_(True))).scalars()}
    assert drafted == set(expected)
    assert candidates(db.session, team.shop, "sk") == []
