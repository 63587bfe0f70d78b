"""The job that pushes approved texts of one language to a shop (kind `texts_push`, app/sync/jobkinds.py).

Per batch of products: a field whose shop text is what the hub approved is marked synced without a call; one
whose shop text changed since approval (`shop_hash`) becomes a conflict and is not sent; the rest goes out
through the channel's writer (Shoptet: `PATCH /api/products/{guid}?language=xx`, one product a call). A
product that fails keeps its fields approved with the error; a retry sends only what is still approved, so
what went through is never sent twice. Progress and states commit per batch, outside any HTTP call.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit.services import record
from app.catalog.models import ProductText, TranslationUnit, UnitState
from app.catalog.texts import field_of, product_texts, text_hash
from app.channels import channel_for
from app.channels.base import ChannelError
from app.sync.jobs import JobContext, JobError

BATCH_PRODUCTS = 20
STATS = ("pushed", "unchanged", "failed", "conflicts")


def _approved_guids(session: Session, shop_id: int, language: str) -> list[str]:
    return list(session.execute(
        select(TranslationUnit.product_guid).where(TranslationUnit.shop_id == shop_id,
                                                   TranslationUnit.language == language,
                                                   TranslationUnit.state == UnitState.approved)
        .group_by(TranslationUnit.product_guid).order_by(TranslationUnit.product_guid)).scalars())


def _mark(session: Session, unit: TranslationUnit, state: str, reason: str, **values) -> None:
    before = unit.state
    unit.state, unit.version = state, unit.version + 1
    for key, value in values.items():
        setattr(unit, key, value)
    record(session, organization_id=unit.organization_id, actor_id=None, action=f"translation.{state}",
           target_type="translation_unit", target_id=unit.id, product=unit.product_guid, language=unit.language,
           field=unit.field, state_from=before, state_to=state, reason=reason)


def _keep_shop_copy(session: Session, shop_id: int, guid: str, language: str, fields: dict[str, str]) -> None:
    """The hub's copy of the shop's texts says what was pushed (its hash is cleared, so the next import of
    the product rewrites the row from the shop)."""
    session.execute(insert(ProductText).values(shop_id=shop_id, product_guid=guid, language=language,
                                               content_hash=b"", **fields)
                    .on_conflict_do_update(index_elements=["shop_id", "product_guid", "language"],
                                           set_={**fields, "content_hash": b""}))


def push_texts(context: JobContext) -> dict:
    session, shop = context.session, context.shop
    language = context.params.get("language")
    if not language or language == shop.default_language or language not in shop.languages.split(","):
        raise JobError(f"{language!r} is not a target language of {shop.name}.")
    saved = context.checkpoint.get("counts", {})
    stats = {key: int(saved.get(key, 0)) for key in STATS}
    if saved.get("failed_products"):
        stats["failed_products"] = saved["failed_products"]
    guids = _approved_guids(session, shop.id, language)
    done = int(context.checkpoint.get("done", 0))
    total = done + len(guids)
    context.save(done=done, total=total, stats=stats, counts=dict(stats))
    writer_source = channel_for(shop)
    for start in range(0, len(guids), BATCH_PRODUCTS):
        batch = guids[start:start + BATCH_PRODUCTS]
        units = list(session.execute(
            select(TranslationUnit).where(TranslationUnit.shop_id == shop.id, TranslationUnit.language == language,
                                          TranslationUnit.product_guid.in_(batch),
                                          TranslationUnit.state == UnitState.approved)
            .order_by(TranslationUnit.id).with_for_update()).scalars())
        current = product_texts(session, shop.id, batch, language)
        send: dict[str, dict[str, str]] = defaultdict(dict)
        for unit in units:
            shop_text = field_of(current.get(unit.product_guid), unit.field)
            if unit.shop_hash is not None and text_hash(shop_text) != unit.shop_hash:
                _mark(session, unit, UnitState.conflict, "the shop's text changed outside the hub")
                stats["conflicts"] += 1
            elif (shop_text or "") == (unit.text or ""):
                _mark(session, unit, UnitState.synced, "the shop already has it", shop_hash=text_hash(shop_text),
                      synced_at=datetime.now(UTC), error=None)
                stats["unchanged"] += 1
            else:
                send[unit.product_guid][unit.field] = unit.text or ""
        context.save(stats=stats, counts=dict(stats))  # the decisions above commit before any call leaves
        if send:
            try:
                with writer_source.writer(shop) as writer:
                    result = writer.set_texts(language, dict(send))
            except ChannelError as exc:
                raise JobError(str(exc), retryable=exc.retryable) from exc
            sent = {unit.id: unit for unit in units if unit.state == UnitState.approved}
            for unit in sent.values():
                if unit.product_guid in result.changed:
                    _mark(session, unit, UnitState.synced, "pushed", shop_hash=text_hash(unit.text),
                          synced_at=datetime.now(UTC), error=None)
                elif unit.product_guid in result.failed:
                    unit.error = result.failed[unit.product_guid][:1000]
            for guid in result.changed:
                _keep_shop_copy(session, shop.id, guid, language, send[guid])
            stats["pushed"] += sum(len(send[guid]) for guid in result.changed)
            stats["failed"] += sum(len(send[guid]) for guid in result.failed)
            if result.failed:  # per product, for the run page (the fields show their own error in the editor)
                failures = [f"{guid}: {error[:80]}" for guid, error in result.failed.items()]
                stats["failed_products"] = "; ".join(
                    ([stats["failed_products"]] if stats.get("failed_products") else []) + failures)[:500]
        done += len(batch)
        context.save(done=done, stats=stats, counts=dict(stats))
    return stats
