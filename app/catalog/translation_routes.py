"""Translation pages: the queue (what waits, by shop and language), the editor of one product in one language,
and the htmx actions on one field (autosave a draft, submit, approve, return, resolve a conflict)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.catalog import queue, workflow
from app.catalog.models import TEXT_FIELDS, Product, TranslationUnit, UnitState
from app.catalog.texts import product_texts
from app.extensions import db
from app.orgs.scoping import can, current_org_shops, current_role, get_shop_scoped_or_404, require

bp = Blueprint("translations", __name__)


@bp.app_template_global("source_diff")
def source_diff(before: str | None, after: str | None):
    from app.catalog.diff import word_diff

    return word_diff(before, after)


def _shop(shop_id: int):
    shop = {s.id: s for s in current_org_shops()}.get(shop_id)
    if shop is None:
        abort(404)
    return shop


def _language(shop) -> str:
    language = request.values.get("language", "")
    targets = [code for code in shop.languages.split(",") if code and code != shop.default_language]
    if language not in targets:
        abort(400, description=_("Choose a target language of %(shop)s: %(choices)s.", shop=shop.name,
                                 choices=", ".join(targets) or _("none")))
    return language


def _state() -> str:
    state = request.values.get("state") or UnitState.missing
    if state not in UnitState.ALL:
        abort(400, description=_("Unknown state %(value)s: one of %(choices)s.", value=repr(state),
                                 choices=", ".join(UnitState.ALL)))
    return state


@bp.get("/translations", endpoint="queue")
@require("translations.edit")
def queue_page():
    from app.catalog.suggest import usage_by_provider
    from app.orgs.scoping import current_org

    shops = current_org_shops()
    return render_template("catalog/queue.html", shops=shops, counts=queue.counts_by_shop(db.session, shops),
                           states=UnitState.ALL, usage=usage_by_provider(db.session, current_org().id))


@bp.get("/translations/shops/<int:shop_id>")
@require("translations.edit")
def waiting(shop_id: int):
    shop = _shop(shop_id)
    language, state = _language(shop), _state()
    rows = queue.products_waiting(db.session, shop, language, state, after_id=request.args.get("after", 0, type=int))
    return render_template("catalog/waiting.html", shop=shop, language=language, state=state, rows=rows,
                           states=UnitState.ALL)


def _editor_context(product: Product, shop, language: str, state: str) -> dict:
    session = db.session
    units = {field: workflow.unit_for(session, shop, product.guid, language, field) for field in TEXT_FIELDS}
    source = product_texts(session, shop.id, [product.guid], shop.default_language).get(product.guid)
    current = product_texts(session, shop.id, [product.guid], language).get(product.guid)
    # What the shop already has is the starting point of a field nobody has written yet.
    starts = {field: unit.text if unit.text is not None else (getattr(current, field) if current else None)
              for field, unit in units.items()}
    return dict(product=product, shop=shop, language=language, state=state, units=units, source=source, starts=starts,
                shop_texts=current, fields=TEXT_FIELDS,
                next_id=queue.next_product(session, shop, language, state, product.id),
                can_approve=can("translations.approve"))


@bp.get("/translations/products/<int:product_id>")
@require("translations.edit")
def editor(product_id: int):
    product = get_shop_scoped_or_404(Product, product_id)
    shop = _shop(product.shop_id)
    if "language" not in request.args:
        targets = [code for code in shop.languages.split(",") if code and code != shop.default_language]
        if not targets:
            abort(400, description=_("%(shop)s has no language to translate into.", shop=shop.name))
        request.args = request.args.copy()
        request.args["language"] = targets[0]
    context = _editor_context(product, shop, _language(shop), _state())
    db.session.commit()  # the units made as missing
    return render_template("catalog/editor.html", **context)


def _unit_or_404(unit_id: int) -> tuple[TranslationUnit, object]:
    unit = get_shop_scoped_or_404(TranslationUnit, unit_id)
    return unit, _shop(unit.shop_id)


def _field(unit: TranslationUnit, shop, *, message: str | None = None, other_text: str | None = None,
           status: int = 200):
    source = product_texts(db.session, shop.id, [unit.product_guid], shop.default_language).get(unit.product_guid)
    current = product_texts(db.session, shop.id, [unit.product_guid], unit.language).get(unit.product_guid)
    template = ("catalog/_unit_status.html" if request.headers.get("HX-Target") == f"unit-{unit.id}-status"
                else "catalog/_field.html")
    return render_template(template, unit=unit, shop=shop, source=source, shop_texts=current,
                           start=unit.text, limit=TEXT_FIELDS[unit.field], message=message, other_text=other_text,
                           can_approve=can("translations.approve")), status


def _act(unit_id: int, action):
    """Run a workflow action on a unit; a refusal is shown in the field (200: htmx swaps only 2xx answers)."""
    unit, shop = _unit_or_404(unit_id)
    try:
        action(unit, shop)
    except workflow.ConcurrentEdit as exc:
        db.session.rollback()
        unit, shop = _unit_or_404(unit_id)
        return _field(unit, shop, message=str(exc), other_text=exc.other_text, status=409 if not _htmx() else 200)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        unit, shop = _unit_or_404(unit_id)
        return _field(unit, shop, message=str(exc), status=400 if not _htmx() else 200)
    db.session.commit()
    return _field(unit, shop)


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _version() -> int:
    version = request.form.get("version", type=int)
    if version is None:
        abort(400, description=_("The form lacks the field's version; reload the page."))
    return version


@bp.post("/translations/units/<int:unit_id>/draft")
@require("translations.edit")
def save(unit_id: int):
    text, version = request.form.get("text", ""), _version()
    return _act(unit_id, lambda unit, shop: workflow.save_draft(
        db.session, shop, unit, text, actor_id=current_user.id, role=current_role(), expected_version=version))


@bp.post("/translations/units/<int:unit_id>/submit")
@require("translations.edit")
def submit(unit_id: int):
    version = _version()
    return _act(unit_id, lambda unit, shop: workflow.submit(
        db.session, unit, actor_id=current_user.id, role=current_role(), expected_version=version))


@bp.post("/translations/units/<int:unit_id>/approve")
@require("translations.approve")
def approve(unit_id: int):
    version = _version()
    return _act(unit_id, lambda unit, shop: workflow.approve(
        db.session, shop, unit, actor_id=current_user.id, role=current_role(), expected_version=version))


@bp.post("/translations/units/<int:unit_id>/return")
@require("translations.approve")
def return_(unit_id: int):
    version, comment = _version(), request.form.get("comment", "")
    return _act(unit_id, lambda unit, shop: workflow.return_to_translator(
        db.session, unit, comment, actor_id=current_user.id, role=current_role(), expected_version=version))


@bp.post("/translations/units/<int:unit_id>/resolve")
@require("translations.approve")
def resolve(unit_id: int):
    keep = request.form.get("keep", "")
    return _act(unit_id, lambda unit, shop: workflow.resolve_conflict(
        db.session, shop, unit, keep, actor_id=current_user.id, role=current_role()))


def editor_url(product_id: int, language: str, state: str) -> str:
    return url_for("translations.editor", product_id=product_id, language=language, state=state)


@bp.post("/translations/products/<int:product_id>/suggest")
@require("translations.edit")
def suggest(product_id: int):
    """Machine suggestions for the product's empty and outdated fields, as machine-made drafts."""
    from flask import flash, redirect

    from app.catalog.suggest import SuggestError, suggest_product

    product = get_shop_scoped_or_404(Product, product_id)
    shop = _shop(product.shop_id)
    language, state = _language(shop), _state()
    try:
        outcome = suggest_product(db.session, shop, product, language, actor_id=current_user.id,
                                  role=current_role())
    except SuggestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Suggested {outcome['suggested']} fields, {outcome['reused']} from memory, "
              f"{outcome['flagged']} flagged.", "info")
    return redirect(url_for("translations.editor", product_id=product.id, language=language, state=state)), 303


@bp.post("/translations/shops/<int:shop_id>/push")
@require("translations.approve")
def push(shop_id: int):
    """Start the texts_push job for the language; its run page shows the progress and per-product results."""
    return _start_language_job(shop_id, "texts_push")


@bp.post("/translations/shops/<int:shop_id>/suggest")
@require("translations.edit")
def suggest_all(shop_id: int):
    """Start the texts_suggest job: every missing or outdated field of the language, as machine-made drafts."""
    return _start_language_job(shop_id, "texts_suggest")


def _start_language_job(shop_id: int, kind: str):
    """One job of `kind` for the shop's chosen language, then its run page (the ledger keeps one active)."""
    from flask import redirect

    from app.sync.services import start_job

    shop = _shop(shop_id)
    run, _created = start_job(db.session, shop, kind, {"language": _language(shop)}, actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for("runs.detail", run_id=run.id)), 303


@bp.post("/translations/units/<int:unit_id>/overlay")
@require("translations.edit")
def overlay(unit_id: int):
    keep_own = request.form.get("overlay") == "yes"
    return _act(unit_id, lambda unit, shop: workflow.set_overlay(
        db.session, unit, keep_own, actor_id=current_user.id, role=current_role()))


@bp.get("/translations/glossary")
@require("translations.edit")
def glossary():
    from sqlalchemy import select

    from app.catalog.models import GlossaryTerm
    from app.orgs.scoping import current_org

    terms = db.session.execute(select(GlossaryTerm).where(GlossaryTerm.organization_id == current_org().id)
                               .order_by(GlossaryTerm.language, GlossaryTerm.term)).scalars().all()
    return render_template("catalog/glossary.html", terms=terms)


@bp.post("/translations/glossary")
@require("translations.approve")
def glossary_add():
    """A term in a language and its translation; no translation: the term is never translated."""
    from flask import flash, redirect
    from sqlalchemy.dialects.postgresql import insert

    from app.audit.services import record
    from app.catalog.models import GlossaryTerm
    from app.orgs.scoping import current_org

    language = request.form.get("language", "").strip().lower()
    term = request.form.get("term", "").strip()
    translation = request.form.get("translation", "").strip() or None
    if not (2 <= len(language) <= 8 and language.isalpha()) or not term or len(term) > 200 \
            or len(translation or "") > 200:
        flash("Give a language code (e.g. sk), a term and, unless it is never translated, its translation "
              "(at most 200 characters each).", "error")
        return redirect(url_for("translations.glossary")), 303
    org_id = current_org().id
    db.session.execute(insert(GlossaryTerm).values(organization_id=org_id, language=language, term=term,
                                                   translation=translation)
                       .on_conflict_do_update(index_elements=["organization_id", "language", "term"],
                                              set_={"translation": translation}))
    record(db.session, organization_id=org_id, actor_id=current_user.id, action="glossary.term_set",
           target_type="glossary", language=language, term=term, translation=translation)
    db.session.commit()
    return redirect(url_for("translations.glossary")), 303


@bp.post("/translations/glossary/<int:term_id>/delete")
@require("translations.approve")
def glossary_delete(term_id: int):
    from flask import redirect

    from app.audit.services import record
    from app.catalog.models import GlossaryTerm
    from app.orgs.scoping import get_scoped_or_404

    term = get_scoped_or_404(GlossaryTerm, term_id)
    record(db.session, organization_id=term.organization_id, actor_id=current_user.id,
           action="glossary.term_removed", target_type="glossary", language=term.language, term=term.term)
    db.session.delete(term)
    db.session.commit()
    return redirect(url_for("translations.glossary")), 303


@bp.post("/translations/suggest")
@require("translations.edit")
def suggest_chosen():
    """The products table's bulk action: a texts_suggest job per shop for the chosen products (up to a page)."""
    from collections import defaultdict

    from sqlalchemy import select

    from app.sync.services import start_job

    ids = sorted({int(value) for value in request.form.getlist("product_id") if value.isdigit()})[:200]
    language = request.form.get("language", "")
    shops = {shop.id: shop for shop in current_org_shops()}
    rows = db.session.execute(select(Product.shop_id, Product.guid).where(
        Product.id.in_(ids), Product.shop_id.in_(shops))).all()
    if not ids or len(rows) != len(ids):
        abort(404)
    by_shop = defaultdict(list)
    for shop_id, guid in rows:
        by_shop[shop_id].append(guid)
    started, skipped = [], []
    for shop_id, guids in by_shop.items():
        shop = shops[shop_id]
        if language == shop.default_language or language not in shop.languages.split(","):
            skipped.append(shop.name)
            continue
        run, _created = start_job(db.session, shop, "texts_suggest", {"language": language, "guids": guids},
                                  actor_id=current_user.id)
        started.append(run)
    db.session.commit()
    return render_template("catalog/_suggest_started.html", runs=started, skipped=skipped, language=language)
