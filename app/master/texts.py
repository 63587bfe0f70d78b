"""Texts and visibility from the master shop: what each follower's `text_rule` and `visibility_rule` want per
paired product, and pushing only the differences.

Products pair through their variants' pairs (master_variant_pairs): a follower product whose paired variants
all belong to one master product follows that product (several: it is left alone). Under `text_rule = follow`
each text field of the follower's product in each of the follower's languages comes from the master's text
through the translation workflow (app/catalog/workflow.py), and never as an unapproved text:

- the follower's own text for the field (an *overlay*, "Only for this shop") wins: approved or synced, it is
  what the field should be; in any other state the field waits for it;
- in the master's default language, the master's own text, as it is;
- in another language, an approved or synced translation of the master's current text (its `source_hash` is
  the master's text's hash): the master shop's unit in that language, else the follower's own unit made from
  the same source (shared by the workflow). Nothing approved: the field is not sent (`texts_waiting`).

Under `visibility_rule = follow` the follower product's visibility is the master product's.

Like stock, per product, field and language the hub keeps the hash of what it pushed and of what it last saw
in the follower (master_text_pushes): seen == pushed is the push come back (no echo to act on); the follower
not read since the push is pending; anything else is someone else's change in the follower, which is drift,
counted and corrected (the master wins, as for stock and prices; a shop that keeps its own text says so with
an overlay, which the rule respects). Sent through the channel's writer, a batch of products at a time, each
batch's outcome kept at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from app.catalog.models import TEXT_FIELDS, Product, ProductText, ProductVariant, TranslationUnit, UnitState
from app.catalog.texts import field_of, text_hash
from app.channels import channel_for
from app.channels.base import ChannelError
from app.master.models import TextPush, VariantPair
from app.settings.cache import settings_cache
from app.shops.models import Shop

BATCH_PRODUCTS = 20  # products a batch (one PATCH each): their outcomes commit together
VISIBILITY = "visibility"  # the field name of a product's visibility in master_text_pushes (language "")
SENDABLE = (UnitState.approved, UnitState.synced)


def text_rules(session: Session, shop: Shop) -> tuple[str, str]:
    values = settings_cache().values(session, shop.organization_id, shop.id)
    return values["text_rule"], values["visibility_rule"]


@dataclass
class PlannedText:
    """One field of one follower product in one language (visibility: field "visibility", language "")."""

    guid: str  # the follower's product
    language: str
    field: str
    desired: str | None  # None: nothing to send (waiting for an approved text, or nothing in the master)
    current: str | None
    pushed: bytes | None
    seen: bytes | None
    state: str  # "new", "in_sync", "pending", "drift", "waiting", "skipped"
    push_id: int | None = None  # its master_text_pushes row, once pushed

    @property
    def current_hash(self) -> bytes:
        return text_hash(self.current)

    @property
    def to_push(self) -> bool:
        if self.desired is None:
            return False
        effective = self.pushed if self.state == "pending" else self.current_hash
        return effective != text_hash(self.desired)


def _classify(pushed: bytes | None, seen: bytes | None, current: bytes) -> str:
    if pushed is None:
        return "new"
    if current == pushed:
        return "in_sync"
    if current == seen:
        return "pending"
    return "drift"


def product_pairs(session: Session, master: Shop, follower: Shop) -> dict[str, str]:
    """Follower product guid → master product guid, from the variant pairs (one master product only)."""
    fv, mv = aliased(ProductVariant), aliased(ProductVariant)
    fp, mp = aliased(Product), aliased(Product)
    rows = session.execute(
        select(fv.product_guid, mv.product_guid).distinct()
        .select_from(VariantPair)
        .join(fv, (fv.shop_id == VariantPair.follower_shop_id) & (fv.code == VariantPair.follower_code))
        .join(mv, (mv.shop_id == VariantPair.master_shop_id) & (mv.code == VariantPair.master_code))
        .join(fp, (fp.shop_id == fv.shop_id) & (fp.guid == fv.product_guid) & fp.deleted_at.is_(None))
        .join(mp, (mp.shop_id == mv.shop_id) & (mp.guid == mv.product_guid) & mp.deleted_at.is_(None))
        .where(VariantPair.follower_shop_id == follower.id, VariantPair.master_shop_id == master.id))
    masters: dict[str, set[str]] = defaultdict(set)
    for follower_guid, master_guid in rows:
        masters[follower_guid].add(master_guid)
    return {guid: next(iter(found)) for guid, found in masters.items() if len(found) == 1}


def _texts(session: Session, shop_id: int, guids, languages) -> dict[tuple[str, str], ProductText]:
    return {(row.product_guid, row.language): row for row in session.execute(
        select(ProductText).where(ProductText.shop_id == shop_id, ProductText.product_guid.in_(list(guids)),
                                  ProductText.language.in_(list(languages)))).scalars()}


def _units(session: Session, shop_id: int, guids, languages) -> dict[tuple[str, str, str], TranslationUnit]:
    return {(unit.product_guid, unit.language, unit.field): unit for unit in session.execute(
        select(TranslationUnit).where(TranslationUnit.shop_id == shop_id,
                                      TranslationUnit.product_guid.in_(list(guids)),
                                      TranslationUnit.language.in_(list(languages)))).scalars()}


def _pushes(session: Session, follower: Shop) -> dict[tuple[str, str, str], tuple]:
    """(guid, language, field) → (row id, pushed hash, seen hash)."""
    return {(row.product_guid, row.language, row.field): (row.id, row.pushed_hash, row.seen_hash) for row in
            session.execute(select(TextPush.id, TextPush.product_guid, TextPush.language, TextPush.field,
                                   TextPush.pushed_hash, TextPush.seen_hash)
                            .where(TextPush.follower_shop_id == follower.id))}


def _visibility(session: Session, shop_id: int, guids) -> dict[str, str | None]:
    return dict(session.execute(select(Product.guid, Product.visibility).where(
        Product.shop_id == shop_id, Product.guid.in_(list(guids)))).all())


def desired_text(master: Shop, language: str, field: str, master_texts: dict, own_unit: TranslationUnit | None,
                 master_unit: TranslationUnit | None) -> tuple[str | None, bool]:
    """What the follower's field should be, and whether it waits for an approved text (see the module)."""
    if own_unit is not None and own_unit.overlay:
        return (own_unit.text, False) if own_unit.state in SENDABLE and own_unit.text else (None, True)
    if language == master.default_language:
        return field_of(master_texts.get(language), field) or None, False
    source = field_of(master_texts.get(master.default_language), field)
    if not source:
        return None, False  # nothing to translate
    source_hash = text_hash(source)
    for unit in (master_unit, own_unit):
        if unit is not None and unit.state in SENDABLE and unit.source_hash == source_hash and unit.text:
            return unit.text, False
    return None, True


def plan_texts(session: Session, master: Shop, follower: Shop) -> tuple[str, str, list[PlannedText]]:
    """Each paired product's text fields (per follower language) and visibility under the follower's rules."""
    text_rule, visibility_rule = text_rules(session, follower)
    if text_rule != "follow" and visibility_rule != "follow":
        return text_rule, visibility_rule, []
    pairs = product_pairs(session, master, follower)
    pushes = _pushes(session, follower)
    planned: list[PlannedText] = []

    def add(guid: str, language: str, field: str, desired: str | None, current: str | None, waiting: bool) -> None:
        push_id, pushed, seen = pushes.get((guid, language, field), (None, None, None))
        state = "waiting" if waiting else "skipped" if desired is None else _classify(pushed, seen, text_hash(current))
        planned.append(PlannedText(guid, language, field, desired, current, pushed, seen, state, push_id))

    if text_rule == "follow":
        languages = follower.language_list
        master_languages = {master.default_language, *languages}
        master_texts = _texts(session, master.id, set(pairs.values()), master_languages)
        follower_texts = _texts(session, follower.id, pairs, languages)
        master_units = _units(session, master.id, set(pairs.values()), languages)
        own_units = _units(session, follower.id, pairs, languages)
        for guid in sorted(pairs):
            master_guid = pairs[guid]
            texts_of_master = {language: master_texts.get((master_guid, language)) for language in master_languages}
            for language in languages:
                current = follower_texts.get((guid, language))
                for field in TEXT_FIELDS:
                    desired, waiting = desired_text(master, language, field, texts_of_master,
                                                    own_units.get((guid, language, field)),
                                                    master_units.get((master_guid, language, field)))
                    add(guid, language, field, desired, field_of(current, field), waiting)
    if visibility_rule == "follow":
        of_master = _visibility(session, master.id, set(pairs.values()))
        own = _visibility(session, follower.id, pairs)
        for guid in sorted(pairs):
            add(guid, "", VISIBILITY, of_master.get(pairs[guid]), own.get(guid), False)
    return text_rule, visibility_rule, planned


def remember_texts(session: Session, planned: list[PlannedText], result) -> None:
    """Count what the plan says into `result`, and keep what the hub now sees where it moved."""
    result.texts_waiting = sum(1 for item in planned if item.state == "waiting")
    result.drift += sum(1 for item in planned if item.state == "drift")
    moved = [{"id": item.push_id, "seen_hash": item.current_hash} for item in planned
             if item.push_id is not None and item.seen != item.current_hash]
    if moved:  # what the hub now sees, written only where it moved
        session.execute(update(TextPush), moved)


def _record_pushed(session: Session, follower: Shop, items: list[PlannedText]) -> None:
    now = datetime.now(UTC)
    rows = [{"follower_shop_id": follower.id, "product_guid": item.guid, "language": item.language,
             "field": item.field, "pushed_hash": text_hash(item.desired), "seen_hash": item.current_hash,
             "pushed_at": now} for item in items]
    statement = insert(TextPush).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["follower_shop_id", "product_guid", "language", "field"],
        set_={"pushed_hash": statement.excluded.pushed_hash, "seen_hash": statement.excluded.seen_hash,
              "pushed_at": statement.excluded.pushed_at}))


def push_texts(session: Session, follower: Shop, changes: list[PlannedText], result,
               committed: Callable[[], None] | None) -> None:
    """Send the differences: texts per language, then visibility, BATCH_PRODUCTS products a batch."""
    if not changes:
        return
    by_language: dict[str, dict[str, list[PlannedText]]] = defaultdict(lambda: defaultdict(list))
    for item in changes:
        by_language[item.language][item.guid].append(item)
    with channel_for(follower).writer(follower) as writer:
        for language, products in by_language.items():
            guids = sorted(products)
            for start in range(0, len(guids), BATCH_PRODUCTS):
                batch = {guid: products[guid] for guid in guids[start:start + BATCH_PRODUCTS]}
                try:
                    if language == "":
                        pushed = writer.set_visibility({guid: items[0].desired for guid, items in batch.items()})
                    else:
                        pushed = writer.set_texts(language, {guid: {item.field: item.desired for item in items}
                                                             for guid, items in batch.items()})
                except ChannelError as exc:
                    result.failed += sum(len(items) for items in batch.values())
                    result.errors.update({guid: str(exc) for guid in batch})
                    continue
                done = [item for guid in pushed.changed for item in batch[guid]]
                if done:
                    _record_pushed(session, follower, done)
                if language == "":
                    result.visibility_changed += len(done)
                else:
                    result.text_changed += len(done)
                result.failed += sum(len(batch[guid]) for guid in pushed.failed)
                result.errors.update(pushed.failed)
                if committed:
                    committed()  # each batch's pushes are kept at once: a crash later never loses what was sent
