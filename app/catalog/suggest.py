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

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.catalog import workflow
from app.catalog.checks import check_text
from app.catalog.models import TEXT_FIELDS, GlossaryTerm, TranslationUnit, TranslationUsage, UnitState
from app.catalog.providers import Glossary, Provider, ProviderError, provider_from_settings
from app.catalog.texts import field_sql, text_hash
from app.orgs.models import Role

CHUNK = 200
REQUEST_TEXTS = 25
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


CANDIDATES = f"""
SELECT s.product_guid, f.field, {field_sql("s", "f.field")} AS source, u.id AS unit_id
FROM product_texts s
JOIN products p ON p.shop_id = s.shop_id AND p.guid = s.product_guid AND p.deleted_at IS NULL
CROSS JOIN unnest(CAST(:fields AS text[])) AS f(field)
LEFT JOIN product_texts t ON t.shop_id = s.shop_id AND t.product_guid = s.product_guid AND t.language = :language
LEFT JOIN translation_units u ON u.shop_id = s.shop_id AND u.product_guid = s.product_guid
     AND u.language = :language AND u.field = f.field
WHERE s.shop_id = :shop_id AND s.language = :source_language
  AND coalesce({field_sql("s", "f.field")}, '') <> ''
  AND ((u.id IS NULL AND coalesce({field_sql("t", "f.field")}, '') = '')
       OR (u.state = 'missing' AND coalesce(u.text, {field_sql("t", "f.field")}, '') = '')
       OR u.state = 'outdated')
  AND (s.product_guid, f.field) > (:after_guid, :after_field)
  AND (CAST(:guids AS text[]) IS NULL OR s.product_guid = ANY(CAST(:guids AS text[])))
ORDER BY s.product_guid, f.field
LIMIT :limit
"""  # noqa: S608 (constant field names only)


def candidates(session: Session, shop, language: str, *, after: tuple[str, str] = ("", ""),
               guids: list[str] | None = None, limit: int | None = None) -> list[Candidate]:
    rows = session.execute(text(CANDIDATES), {
        "fields": list(TEXT_FIELDS), "language": language, "shop_id": shop.id,
        "source_language": shop.default_language, "after_guid": after[0], "after_field": after[1],
        "guids": guids, "limit": limit or CHUNK}).all()
    return [Candidate(*row) for row in rows]


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


def _units(session: Session, shop, language: str, chosen: list[Candidate]) -> dict[tuple[str, str], TranslationUnit]:
    """The units of the chosen fields, made as missing where none exists yet (one statement each way)."""
    missing = [c for c in chosen if c.unit_id is None]
    if missing:
        # executemany (batched by the driver), not one statement of a thousand VALUES to compile each time
        session.connection().execute(insert(TranslationUnit).on_conflict_do_nothing(), [
            {"organization_id": shop.organization_id, "shop_id": shop.id, "product_guid": c.guid,
             "language": language, "field": c.field, "state": UnitState.missing} for c in missing])
    units = session.execute(select(TranslationUnit).where(
        TranslationUnit.shop_id == shop.id, TranslationUnit.language == language,
        TranslationUnit.product_guid.in_({c.guid for c in chosen}))).scalars()
    return {(unit.product_guid, unit.field): unit for unit in units}


def _memory(session: Session, org_id: int, language: str, chosen: list[Candidate]) -> dict[tuple[str, bytes], str]:
    """Approved texts of the same field and source hash in the organization: (field, source hash) → text."""
    hashes = {text_hash(c.source) for c in chosen}
    rows = session.execute(
        select(TranslationUnit.field, TranslationUnit.source_hash, TranslationUnit.text).where(
            TranslationUnit.organization_id == org_id, TranslationUnit.language == language,
            TranslationUnit.field.in_({c.field for c in chosen}), TranslationUnit.source_hash.in_(hashes),
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


SAVE_DRAFT = (
    update(TranslationUnit)
    .where(TranslationUnit.id == bindparam("unit_id"), TranslationUnit.version == bindparam("expected"),
           or_(TranslationUnit.state == UnitState.missing, TranslationUnit.state == UnitState.outdated))
    .values(text=bindparam("new_text"), state=UnitState.draft, machine_made=True, flags=bindparam("new_flags"),
            source_hash=bindparam("new_source_hash"), version=TranslationUnit.version + 1, updated_at=func.now(),
            error=None, updated_by_id=None)
    .execution_options(synchronize_session=False)
)


def _save_drafts(session: Session, drafts: list) -> None:
    """The chunk's machine drafts in two statements (an update per unit, pipelined, and the audit rows): what
    workflow.save_draft does for one, with the same version guard, at the speed a bulk job needs."""
    if not drafts:
        return
    session.connection().execute(SAVE_DRAFT, [
        {"unit_id": unit.id, "expected": unit.version, "new_text": value, "new_flags": flags,
         "new_source_hash": text_hash(source)} for unit, value, flags, source in drafts])
    session.execute(insert(AuditEvent), [
        {"organization_id": unit.organization_id, "actor_id": None, "action": "translation.draft",
         "target_type": "translation_unit", "target_id": unit.id,
         "details": {"product": unit.product_guid, "language": unit.language, "field": unit.field,
                     "state_from": unit.state, "state_to": UnitState.draft, "machine_made": True}}
        for unit, _value, _flags, _source in drafts])
    for unit, *_ in drafts:
        session.expire(unit)
    return True


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
