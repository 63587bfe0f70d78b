"""Machine suggestions: every missing or outdated field of a language becomes a draft marked machine-made,
never over a person's text (drafts, reviews and approved texts are left alone).

Per chunk of fields (keyset by product and field, so memory stays flat at any size):
1. translation memory: a source text already approved in that language (same field, same organization) is
   reused without calling anyone;
2. the rest goes to the provider in requests of up to REQUEST_TEXTS texts, at most MAX_IN_FLIGHT at a time,
   each retried on 429 / 5xx with a capped backoff;
3. the monthly character budget (setting translation_monthly_characters, all providers together) is checked
   before each chunk is sent; reaching it stops the job cleanly with `stopped: "budget"`;
4. each answer is checked (HTML, entities, numbers, placeholders, glossary, length) and saved as a draft
   with its flags.
The bulk job is kind `texts_suggest`; the editor's button runs the same steps for one product.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import LargeBinary, Row, String, any_, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from app.catalog import workflow
from app.catalog.checks import check_text
from app.catalog.models import (
    TEXT_FIELDS,
    GlossaryTerm,
    Product,
    ProductText,
    TranslationUnit,
    TranslationUsage,
    UnitState,
)
from app.catalog.providers import Glossary, Provider, ProviderError, provider_from_settings
from app.catalog.texts import text_hash
from app.orgs.models import Role

CHUNK = 500  # fields per chunk: its statements (a handful, of constant text) are shared by that many
REQUEST_TEXTS = 50  # DeepL's limit of texts per request (OpenAI-compatible: still one chat call per text)
MAX_IN_FLIGHT = 4
ATTEMPTS = 5
BACKOFF_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 5.0
HTML_FIELDS = ("description", "short_description")
STATS = ("suggested", "reused", "flagged", "characters", "failed")


class SuggestError(ValueError):
    """Suggestions cannot run (no provider configured, the budget used up); the message says what to do."""


@dataclass
class Candidate:
    guid: str
    field: str
    source: str
    unit_id: int | None


SOURCE_PRODUCTS = 100  # products whose source texts one read of `candidates` takes


def _wanted(unit: Row | None, target: str | None) -> bool:
    """A field to suggest: no unit and no shop text, a unit still missing with no text, or an outdated one."""
    if unit is None:
        return not target
    if unit.state == UnitState.missing:
        return not (unit.text if unit.text is not None else target)
    return unit.state == UnitState.outdated


def candidates(session: Session, shop, language: str, *, after: tuple[str, str] = ("", ""),
               guids: list[str] | None = None, limit: int | None = None) -> list[Candidate]:
    """The next fields (after `after`, by product guid and field) with a source text and a missing or
    outdated translation, up to `limit`.

    Each read is one table's index range: the source texts by guid (the shop's unique key), then the target
    texts, units and live products of those guids by `= ANY`. A join let the planner, misled by a just-imported
    shop's stale statistics, read every unit and product of the shop for each chunk (quadratic in the job)."""
    limit = limit or CHUNK
    fields = sorted(TEXT_FIELDS)
    chosen: list[Candidate] = []
    after_guid, after_field = after
    first = True
    while len(chosen) < limit:
        position = ProductText.product_guid >= after_guid if first else ProductText.product_guid > after_guid
        statement = (select(ProductText.product_guid, *(getattr(ProductText, field) for field in fields))
                     .where(ProductText.shop_id == shop.id, ProductText.language == shop.default_language, position)
                     .order_by(ProductText.product_guid).limit(SOURCE_PRODUCTS))
        if guids is not None:
            statement = statement.where(ProductText.product_guid == any_(literal(guids, ARRAY(String))))
        sources = session.execute(statement).all()
        if not sources:
            break
        keys = literal([source.product_guid for source in sources], ARRAY(String))
        live = set(session.execute(select(Product.guid).where(
            Product.shop_id == shop.id, Product.guid == any_(keys), Product.deleted_at.is_(None))).scalars())
        targets = {row.product_guid: row for row in session.execute(
            select(ProductText.product_guid, *(getattr(ProductText, field) for field in fields)).where(
                ProductText.shop_id == shop.id, ProductText.language == language,
                ProductText.product_guid == any_(keys)))}
        units = {(unit.product_guid, unit.field): unit for unit in session.execute(
            select(TranslationUnit.id, TranslationUnit.product_guid, TranslationUnit.field, TranslationUnit.state,
                   TranslationUnit.text).where(
                TranslationUnit.shop_id == shop.id, TranslationUnit.product_guid == any_(keys),
                TranslationUnit.language == language))}
        for source in sources:
            guid = source.product_guid
            if guid not in live:
                continue
            target = targets.get(guid)
            for field in fields:
                value = getattr(source, field)
                if not value or (first and guid == after_guid and field <= after_field):
                    continue
                unit = units.get((guid, field))
                if _wanted(unit, getattr(target, field) if target is not None else None):
                    chosen.append(Candidate(guid, field, value, unit.id if unit is not None else None))
        after_guid, first = sources[-1].product_guid, False
    return chosen[:limit]


def glossary_for(session: Session, org_id: int, language: str) -> Glossary:
    pairs, keep = {}, set()
    for term, translation in session.execute(select(GlossaryTerm.term, GlossaryTerm.translation).where(
            GlossaryTerm.organization_id == org_id, GlossaryTerm.language == language)):
        if translation:
            pairs[term] = translation
        else:
            keep.add(term)
    return Glossary(pairs, frozenset(keep))


def month_start(today: date | None = None) -> date:
    today = today or datetime.now(UTC).date()
    return today.replace(day=1)


def characters_used(session: Session, org_id: int) -> int:
    return session.execute(select(func.coalesce(func.sum(TranslationUsage.characters), 0)).where(
        TranslationUsage.organization_id == org_id, TranslationUsage.month == month_start())).scalar_one()


def usage_by_provider(session: Session, org_id: int) -> dict[str, int]:
    """Characters sent this month, per provider (the queue page shows them)."""
    return dict(session.execute(select(TranslationUsage.provider, TranslationUsage.characters).where(
        TranslationUsage.organization_id == org_id, TranslationUsage.month == month_start())).all())


def _count_usage(session: Session, org_id: int, provider: str, characters: int) -> None:
    statement = insert(TranslationUsage).values(organization_id=org_id, provider=provider, month=month_start(),
                                                characters=characters)
    session.execute(statement.on_conflict_do_update(
        index_elements=["organization_id", "provider", "month"],
        set_={"characters": TranslationUsage.characters + statement.excluded.characters}))


def _with_retries(call, sleep=time.sleep):
    """`call()` again on a retryable provider error (429, 5xx), with a capped exponential backoff."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return call()
        except ProviderError as exc:
            if not exc.retryable or attempt == ATTEMPTS:
                raise
            sleep(min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")


MAKE_UNITS = text("""
INSERT INTO translation_units (organization_id, shop_id, product_guid, language, field, state)
SELECT :org_id, :shop_id, made.guid, :language, made.field, 'missing'
FROM unnest(CAST(:guids AS text[]), CAST(:fields AS text[])) AS made(guid, field)
ON CONFLICT DO NOTHING
""")


def _units(session: Session, shop, language: str, chosen: list[Candidate]) -> dict[tuple[str, str], Row]:
    """The chosen fields' units (id, state, version), made as missing where none exists yet: two statements
    of constant text whatever the chunk's size (arrays, not a VALUES list or a statement per unit)."""
    missing = [c for c in chosen if c.unit_id is None]
    if missing:
        session.execute(MAKE_UNITS, {"org_id": shop.organization_id, "shop_id": shop.id, "language": language,
                                     "guids": [c.guid for c in missing], "fields": [c.field for c in missing]})
    rows = session.execute(select(TranslationUnit.id, TranslationUnit.product_guid, TranslationUnit.field,
                                  TranslationUnit.state, TranslationUnit.version).where(
        TranslationUnit.shop_id == shop.id, TranslationUnit.language == language,
        TranslationUnit.product_guid == any_(literal(sorted({c.guid for c in chosen}), ARRAY(String)))))
    return {(row.product_guid, row.field): row for row in rows}


def _memory(session: Session, org_id: int, language: str, chosen: list[Candidate]) -> dict[tuple[str, bytes], str]:
    """Approved texts of the same field and source hash in the organization: (field, source hash) → text."""
    hashes = sorted({text_hash(c.source) for c in chosen})
    rows = session.execute(  # the hashes as one array parameter: an IN list of 500 cost more to bind than to run
        select(TranslationUnit.field, TranslationUnit.source_hash, TranslationUnit.text).where(
            TranslationUnit.organization_id == org_id, TranslationUnit.language == language,
            TranslationUnit.field.in_(sorted({c.field for c in chosen})),
            TranslationUnit.source_hash == any_(literal(hashes, ARRAY(LargeBinary))),
            TranslationUnit.state.in_((UnitState.approved, UnitState.synced)),
            TranslationUnit.text.is_not(None)).order_by(TranslationUnit.id))
    return {(field, source_hash): value for field, source_hash, value in rows}


def suggest_chunk(session: Session, shop, language: str, chosen: list[Candidate], provider: Provider,
                  glossary: Glossary, stats: dict, *, budget: int | None, pool: ThreadPoolExecutor) -> bool:
    """Suggest the chosen fields; False when the budget stopped it before anything was sent."""
    memory = _memory(session, shop.organization_id, language, chosen)
    reused = [c for c in chosen if (c.field, text_hash(c.source)) in memory]
    fresh = [c for c in chosen if (c.field, text_hash(c.source)) not in memory]
    characters = sum(len(c.source) for c in fresh)
    if fresh and budget is not None and characters_used(session, shop.organization_id) + characters > budget:
        return False
    answers: dict[int, str] = {}
    if fresh:
        _count_usage(session, shop.organization_id, provider.name, characters)
        requests = []
        for html in (False, True):
            group = [n for n, c in enumerate(fresh) if (c.field in HTML_FIELDS) == html]
            requests += [(html, group[i:i + REQUEST_TEXTS]) for i in range(0, len(group), REQUEST_TEXTS)]

        def run(request):
            html, numbers = request
            texts = [fresh[n].source for n in numbers]
            try:
                return numbers, _with_retries(lambda: provider.translate(
                    texts, shop.default_language, language, html=html, glossary=glossary))
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                return numbers, None

        for numbers, translated in pool.map(run, requests):
            if translated is None:
                stats["failed"] += len(numbers)
                continue
            answers.update(zip(numbers, translated, strict=True))
        stats["characters"] += characters
    units = _units(session, shop, language, chosen)
    checks = glossary.as_checks()
    drafts = []
    for candidate, value, kind in ([(c, memory[(c.field, text_hash(c.source))], "reused") for c in reused]
                                   + [(c, answers[n], "suggested") for n, c in enumerate(fresh) if n in answers]):
        unit = units[(candidate.guid, candidate.field)]
        if unit.state not in (UnitState.missing, UnitState.outdated):
            continue  # a person wrote meanwhile: their text wins
        flags = check_text(candidate.field, candidate.source, value, checks)
        drafts.append((unit, value, flags + (["memory"] if kind == "reused" else []), candidate.source))
        stats[kind] += 1
        stats["flagged"] += bool(flags)
    _save_drafts(session, drafts)
    return True


SAVE_DRAFTS = text("""
WITH drafts AS (
    SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:versions AS int[]), CAST(:states AS text[]),
                         CAST(:texts AS text[]), CAST(:flags AS text[]), CAST(:hashes AS bytea[]))
        AS d(id, version, state, text, flags, source_hash)
), saved AS (
    UPDATE translation_units u
    SET text = d.text, state = 'draft', machine_made = true, flags = CAST(d.flags AS jsonb),
        source_hash = d.source_hash, version = u.version + 1, updated_at = now(), error = NULL, updated_by_id = NULL
    FROM drafts d
    WHERE u.id = d.id AND u.version = d.version AND u.state IN ('missing', 'outdated')
    RETURNING u.id, u.organization_id, u.product_guid, u.language, u.field, d.state AS state_from
)
INSERT INTO audit_events (organization_id, actor_id, action, target_type, target_id, details, created_at)
SELECT organization_id, NULL, 'translation.draft', 'translation_unit', id,
       jsonb_build_object('product', product_guid, 'language', language, 'field', field, 'state_from', state_from,
                          'state_to', 'draft', 'machine_made', true), now()
FROM saved
""")


def _save_drafts(session: Session, drafts: list) -> None:
    """The chunk's machine drafts and their audit rows in one statement: what workflow.save_draft does for
    one, with the same version guard (a unit a person saved meanwhile is left, and not audited)."""
    if not drafts:
        return
    session.execute(SAVE_DRAFTS, {
        "ids": [unit.id for unit, *_ in drafts], "versions": [unit.version for unit, *_ in drafts],
        "states": [unit.state for unit, *_ in drafts], "texts": [value for _unit, value, _flags, _source in drafts],
        "flags": [orjson.dumps(flags).decode() for _unit, _value, flags, _source in drafts],
        "hashes": [text_hash(source) for *_, source in drafts]})


def _settings(session: Session, org_id: int) -> dict:
    from app.settings.cache import settings_cache

    return settings_cache().values(session, org_id)


def _provider(session: Session, org_id: int, name: str | None) -> Provider:
    try:
        return provider_from_settings(_settings(session, org_id), name)
    except ProviderError as exc:
        raise SuggestError(str(exc)) from exc


def suggest_product(session: Session, shop, product, language: str, *, actor_id: int | None,
                    role: Role | None) -> dict:
    """The editor's button: the product's missing and outdated fields, now (a handful of texts)."""
    if not workflow.role_allows(role, "translations.edit"):
        raise SuggestError("Your role may not write translations.")
    stats = dict.fromkeys(STATS, 0)
    chosen = candidates(session, shop, language, guids=[product.guid])
    if not chosen:
        return stats
    provider = _provider(session, shop.organization_id, None)
    budget = int(_settings(session, shop.organization_id)["translation_monthly_characters"])
    with ThreadPoolExecutor(MAX_IN_FLIGHT) as pool:
        try:
            sent = suggest_chunk(session, shop, language, chosen, provider,
                                 glossary_for(session, shop.organization_id, language), stats, budget=budget,
                                 pool=pool)
        except ProviderError as exc:
            raise SuggestError(str(exc)) from exc
    if not sent:
        raise SuggestError("This month's machine translation budget is used up (setting "
                           "translation_monthly_characters).")
    return stats


def suggest_texts(context) -> dict:
    """The `texts_suggest` job: params `language`, optional `provider` and `guids` (a filter's products)."""
    from app.sync.jobs import JobError

    session, shop, params = context.session, context.shop, context.params
    language = params.get("language")
    if not language or language == shop.default_language or language not in shop.languages.split(","):
        raise JobError(f"{language!r} is not a target language of {shop.name}.")
    try:
        provider = _provider(session, shop.organization_id, params.get("provider"))
    except SuggestError as exc:
        raise JobError(str(exc)) from exc
    budget = int(_settings(session, shop.organization_id)["translation_monthly_characters"])
    glossary = glossary_for(session, shop.organization_id, language)
    stats = {key: int(context.checkpoint.get("counts", {}).get(key, 0)) for key in STATS}
    stats["stopped"] = ""
    after = tuple(context.checkpoint.get("after") or ("", ""))
    done = int(context.checkpoint.get("done", 0))
    with ThreadPoolExecutor(MAX_IN_FLIGHT) as pool:
        while True:
            chosen = candidates(session, shop, language, after=after, guids=params.get("guids"))
            if not chosen:
                break
            try:
                sent = suggest_chunk(session, shop, language, chosen, provider, glossary, stats, budget=budget,
                                     pool=pool)
            except ProviderError as exc:
                raise JobError(str(exc)) from exc
            if not sent:
                stats["stopped"] = "budget"
                break
            after = (chosen[-1].guid, chosen[-1].field)
            done += len(chosen)
            context.save(done=done, stats=stats, after=list(after), counts=dict(stats))
    context.save(done=done, total=done, stats=stats, after=list(after), counts=dict(stats))
    return stats
