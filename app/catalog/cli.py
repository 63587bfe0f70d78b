"""`flask hub texts-*`: the translation workflow for ops and automation. Each prints a JSON summary as its
last line and exits 2 with an error line when it cannot do what was asked."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from app.extensions import db


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _shop_and_language(shop_id: int, language: str):
    from app.shops.models import Shop

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        _fail(f"There is no shop with id {shop_id}.")
    targets = [code for code in shop.languages.split(",") if code and code != shop.default_language]
    if language not in targets:
        _fail(f"{language!r} is not a target language of {shop.name}: {', '.join(targets) or 'none'}.")
    return shop


def _job(shop, kind: str, params: dict) -> dict:
    from app.sync.runner import ImportFailed, job_now

    try:
        return job_now(db.session, shop, kind, params)
    except ImportFailed as exc:
        _fail(str(exc))


@click.command("texts-status")
@click.option("--shop", "shop_id", type=int, required=True)
@click.option("--language", required=True)
def texts_status(shop_id: int, language: str) -> None:
    """Fields of the shop's products per state in the language."""
    from app.catalog.workflow import state_counts

    shop = _shop_and_language(shop_id, language)
    click.echo(json.dumps(state_counts(db.session, shop, language)))


@click.command("texts-approve")
@click.option("--shop", "shop_id", type=int, required=True)
@click.option("--language", required=True)
@click.option("--as", "email", required=True, help="the reviewer (a manager or owner of the shop's organization)")
@click.option("--machine-made", is_flag=True, help="approve the machine-made drafts instead of what is in review")
def texts_approve(shop_id: int, language: str, email: str, machine_made: bool) -> None:
    """Approve what is in review (or the machine-made drafts) as that reviewer; audited like the page."""
    from app.auth.services import find_user
    from app.catalog.models import TranslationUnit, UnitState
    from app.catalog.workflow import WorkflowError, approve
    from app.orgs.models import Membership

    shop = _shop_and_language(shop_id, language)
    user = find_user(db.session, email)
    if user is None:
        _fail(f"There is no user {email}.")
    role = db.session.execute(select(Membership.role).where(
        Membership.organization_id == shop.organization_id, Membership.user_id == user.id)).scalar_one_or_none()
    statement = select(TranslationUnit).where(TranslationUnit.shop_id == shop.id,
                                              TranslationUnit.language == language)
    if machine_made:
        statement = statement.where(TranslationUnit.machine_made.is_(True),
                                    TranslationUnit.state.in_((UnitState.draft, UnitState.in_review)))
    else:
        statement = statement.where(TranslationUnit.state == UnitState.in_review)
    approved = 0
    try:
        for unit in db.session.execute(statement.order_by(TranslationUnit.id)).scalars():
            approve(db.session, shop, unit, actor_id=user.id, role=role, allow_draft=machine_made)
            approved += 1
    except WorkflowError as exc:
        db.session.rollback()
        _fail(f"{email}: {exc}")
    db.session.commit()
    click.echo(json.dumps({"approved": approved, "shop": shop.id, "language": language, "reviewer": user.email}))


@click.command("texts-push")
@click.option("--shop", "shop_id", type=int, required=True)
@click.option("--language", required=True)
def texts_push(shop_id: int, language: str) -> None:
    """Push the approved texts of the language to the shop now (the texts_push job, in this process)."""
    shop = _shop_and_language(shop_id, language)
    stats = _job(shop, "texts_push", {"language": language})
    click.echo(json.dumps({key: stats.get(key, 0) for key in ("pushed", "unchanged", "failed", "conflicts")}))


@click.command("texts-suggest")
@click.option("--shop", "shop_id", type=int, required=True)
@click.option("--language", required=True)
@click.option("--provider", type=click.Choice(["deepl", "openai"]), default=None,
              help="instead of the organization's translation_provider")
def texts_suggest(shop_id: int, language: str, provider: str | None) -> None:
    """Suggest every missing or outdated field of the language as machine-made drafts (the texts_suggest job)."""
    shop = _shop_and_language(shop_id, language)
    params = {"language": language, **({"provider": provider} if provider else {})}
    stats = _job(shop, "texts_suggest", params)
    click.echo(json.dumps({key: stats.get(key, 0) for key in ("suggested", "reused", "flagged", "characters")}
                          | {"stopped": stats.get("stopped", "")}))


COMMANDS = (texts_status, texts_approve, texts_push, texts_suggest)
