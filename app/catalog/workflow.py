"""The translation workflow: one unit per field of a product in a target language, and who may move it where.

    missing → draft (translator) → in_review (submit) → approved (manager/owner) → synced (the push job)
    in_review → draft (returned with a comment)
    approved / synced → outdated (the source changed at an import: texts_hook)
    synced / approved → conflict (the shop's text changed behind the hub) → a person chooses

Every state change is audited. A save names the version it started from: a stale one is refused with the
other person's text (`ConcurrentEdit`), never overwritten. Services flush; the route or command commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit.services import record
from app.catalog.models import TEXT_FIELDS, TranslationUnit, UnitState
from app.catalog.texts import field_of, product_texts, text_hash
from app.orgs.models import Role
from app.orgs.permissions import role_allows

S = UnitState
EDITABLE = (S.missing, S.draft, S.in_review, S.approved, S.synced, S.outdated)


class WorkflowError(ValueError):
    """A change the person may not make, or not from the unit's state; the message says why."""


@dataclass
class ConcurrentEdit(WorkflowError):
    """Someone else saved the field since this person loaded it."""

    other_text: str | None
    version: int

    def __str__(self) -> str:
        return ("Someone else saved this field meanwhile. Their text is shown; copy what you need and save again.")


def _require(role: Role | None, permission: str, what: str) -> None:
    if not role_allows(role, permission):
        raise WorkflowError(f"Your role may not {what}.")


def unit_for(session: Session, shop, guid: str, language: str, field: str) -> TranslationUnit:
    """The unit of that field, created as missing the first time anyone looks at it."""
    if field not in TEXT_FIELDS:
        raise WorkflowError(f"Unknown field {field!r}: one of {', '.join(TEXT_FIELDS)}.")
    if language == shop.default_language or language not in shop.languages.split(","):
        raise WorkflowError(f"{language!r} is not a target language of {shop.name}.")
    session.execute(insert(TranslationUnit).values(
        organization_id=shop.organization_id, shop_id=shop.id, product_guid=guid, language=language, field=field,
        state=S.missing).on_conflict_do_nothing())
    return session.execute(select(TranslationUnit).where(
        TranslationUnit.shop_id == shop.id, TranslationUnit.product_guid == guid,
        TranslationUnit.language == language, TranslationUnit.field == field)).scalar_one()


def source_of(session: Session, shop, unit: TranslationUnit) -> str | None:
    texts = product_texts(session, shop.id, [unit.product_guid], shop.default_language)
    return field_of(texts.get(unit.product_guid), unit.field)


def shop_text_of(session: Session, shop, unit: TranslationUnit) -> str | None:
    texts = product_texts(session, shop.id, [unit.product_guid], unit.language)
    return field_of(texts.get(unit.product_guid), unit.field)


def _audit(session: Session, unit: TranslationUnit, actor_id: int | None, before: str, **details) -> None:
    record(session, organization_id=unit.organization_id, actor_id=actor_id, action=f"translation.{unit.state}",
           target_type="translation_unit", target_id=unit.id, product=unit.product_guid, language=unit.language,
           field=unit.field, state_from=before, state_to=unit.state, **details)


def _versioned_update(session: Session, unit: TranslationUnit, expected_version: int, **values) -> None:
    """Write `values` only if nobody saved since `expected_version` (one statement: no lost update)."""
    result = session.execute(
        update(TranslationUnit).where(TranslationUnit.id == unit.id, TranslationUnit.version == expected_version)
        .values(version=TranslationUnit.version + 1, updated_at=func.now(), **values)
        .execution_options(synchronize_session=False))
    if result.rowcount == 0:
        session.refresh(unit)
        raise ConcurrentEdit(unit.text, unit.version)
    session.refresh(unit)


def save_draft(session: Session, shop, unit: TranslationUnit, text: str, *, actor_id: int | None,
               role: Role | None, expected_version: int, machine_made: bool = False,
               flags: list | None = None, source: str | None = None) -> TranslationUnit:
    """A person's (or a suggestion's) text as a draft. An approved or synced text edited becomes a draft again."""
    _require(role, "translations.edit", "write translations")
    if unit.state == S.conflict:
        raise WorkflowError("The shop's text changed behind the hub: choose which text wins first.")
    if unit.state not in EDITABLE:
        raise WorkflowError(f"A {unit.state} text cannot be edited.")
    before = unit.state
    if source is None:
        source = source_of(session, shop, unit)
    from app.catalog.checks import check_text

    # A machine draft a person edits stays marked: the reviewer should know where the text came from.
    machine_made = machine_made or (unit.machine_made and unit.state == S.draft)
    _versioned_update(session, unit, expected_version, text=text, state=S.draft, machine_made=machine_made,
                      source_hash=text_hash(source), updated_by_id=actor_id, error=None,
                      flags=flags if flags is not None else check_text(unit.field, source or "", text))
    if before != S.draft:
        _audit(session, unit, actor_id, before, machine_made=machine_made)
    return unit


def _move(session: Session, unit: TranslationUnit, allowed_from: tuple[str, ...], to: str, *,
          actor_id: int | None, expected_version: int | None = None, **values) -> TranslationUnit:
    if unit.state not in allowed_from:
        raise WorkflowError(f"A {unit.state.replace('_', ' ')} text cannot become {to.replace('_', ' ')}.")
    before = unit.state
    _versioned_update(session, unit, unit.version if expected_version is None else expected_version,
                      state=to, updated_by_id=actor_id, **values)
    _audit(session, unit, actor_id, before, **{k: v for k, v in values.items() if k == "comment"})
    return unit


def submit(session: Session, unit: TranslationUnit, *, actor_id: int | None, role: Role | None,
           expected_version: int | None = None) -> TranslationUnit:
    _require(role, "translations.edit", "submit translations")
    if not (unit.text or "").strip():
        raise WorkflowError("Write the translation before submitting it.")
    return _move(session, unit, (S.draft,), S.in_review, actor_id=actor_id, expected_version=expected_version,
                 comment=None)


def approve(session: Session, shop, unit: TranslationUnit, *, actor_id: int | None, role: Role | None,
            expected_version: int | None = None, allow_draft: bool = False) -> TranslationUnit:
    """Approved from review (or a machine-made draft, when asked): the source and the shop's text are kept
    as they are now, to see later whether either changed."""
    _require(role, "translations.approve", "approve translations")
    allowed = (S.in_review, S.draft) if allow_draft else (S.in_review,)
    source = source_of(session, shop, unit)
    _move(session, unit, allowed, S.approved, actor_id=actor_id, expected_version=expected_version,
          source_hash=text_hash(source), source_text=source,
          shop_hash=text_hash(shop_text_of(session, shop, unit)), error=None)
    if not unit.overlay:
        share_approved(session, shop, unit, actor_id=actor_id)
    return unit


def share_approved(session: Session, shop, unit: TranslationUnit, *, actor_id: int | None) -> int:
    """The same product in the organization's other shops (a variant code in common) with the same source
    text and the same target language gets this approved text too, unless that shop keeps its own (an
    overlay) or a person's work there is under review or in conflict. Returns how many units it set."""
    from app.catalog.models import ProductVariant
    from app.shops.models import Shop

    codes = select(ProductVariant.code).where(ProductVariant.shop_id == shop.id,
                                              ProductVariant.product_guid == unit.product_guid)
    siblings = session.execute(
        select(Shop, ProductVariant.product_guid).join(Shop, Shop.id == ProductVariant.shop_id)
        .where(Shop.organization_id == shop.organization_id, Shop.id != shop.id, ProductVariant.code.in_(codes))
        .distinct()).all()
    shared = 0
    for other, guid in siblings:
        if unit.language == other.default_language or unit.language not in other.languages.split(","):
            continue
        target = unit_for(session, other, guid, unit.language, unit.field)
        source = source_of(session, other, target)
        if (target.overlay or target.state in (S.in_review, S.conflict) or text_hash(source) != unit.source_hash
                or (target.state in (S.approved, S.synced) and target.text == unit.text)):
            continue
        before = target.state
        _versioned_update(session, target, target.version, text=unit.text, state=S.approved,
                          machine_made=unit.machine_made, source_hash=unit.source_hash, source_text=source,
                          shop_hash=text_hash(shop_text_of(session, other, target)), error=None,
                          updated_by_id=actor_id, comment=None)
        _audit(session, target, actor_id, before, shared_from=unit.id)
        shared += 1
    return shared


def set_overlay(session: Session, unit: TranslationUnit, overlay: bool, *, actor_id: int | None,
                role: Role | None) -> TranslationUnit:
    """Keep this shop's own text for the field (or share again what is approved elsewhere)."""
    _require(role, "translations.edit", "change translations")
    _versioned_update(session, unit, unit.version, overlay=overlay, updated_by_id=actor_id)
    record(session, organization_id=unit.organization_id, actor_id=actor_id, action="translation.overlay",
           target_type="translation_unit", target_id=unit.id, product=unit.product_guid, language=unit.language,
           field=unit.field, overlay=overlay)
    return unit


def return_to_translator(session: Session, unit: TranslationUnit, comment: str, *, actor_id: int | None,
                         role: Role | None, expected_version: int | None = None) -> TranslationUnit:
    _require(role, "translations.approve", "return translations")
    if not comment.strip():
        raise WorkflowError("Say what to change: a returned text needs a comment.")
    return _move(session, unit, (S.in_review,), S.draft, actor_id=actor_id, expected_version=expected_version,
                 comment=comment.strip())


def resolve_conflict(session: Session, shop, unit: TranslationUnit, keep: str, *, actor_id: int | None,
                     role: Role | None) -> TranslationUnit:
    """`keep="hub"`: the hub's text goes to the shop at the next push; `keep="shop"`: the shop's text becomes
    the translation."""
    _require(role, "translations.approve", "resolve conflicts")
    shop_text = shop_text_of(session, shop, unit)
    if keep == "hub":
        return _move(session, unit, (S.conflict,), S.approved, actor_id=actor_id, shop_hash=text_hash(shop_text))
    if keep == "shop":
        return _move(session, unit, (S.conflict,), S.synced, actor_id=actor_id, text=shop_text,
                     shop_hash=text_hash(shop_text), source_hash=text_hash(source_of(session, shop, unit)))
    raise WorkflowError("Choose which text wins: the hub's or the shop's.")


def state_counts(session: Session, shop, language: str) -> dict[str, int]:
    """Units per state; `missing` also counts the fields with a source text and no text in the language yet."""
    counts = dict.fromkeys(S.ALL, 0)
    for state, count in session.execute(
            select(TranslationUnit.state, func.count()).where(TranslationUnit.shop_id == shop.id,
                                                               TranslationUnit.language == language)
            .group_by(TranslationUnit.state)):
        counts[state] = count
    from app.catalog.queue import untouched_missing_count

    counts[S.missing] += untouched_missing_count(session, shop, language)
    return counts
