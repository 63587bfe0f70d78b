"""Declarative base with a naming convention, shared mixins and the after-commit hook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, MetaData, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


_AFTER_COMMIT_KEY = "hub_after_commit"


def run_after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction commits (and drop it on rollback).

    Cache invalidation and job enqueueing must not happen before the data they announce is
    visible to other connections, and must not happen at all if the transaction rolls back.
    """
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit_callbacks(session: Session) -> None:
    callbacks = session.info.pop(_AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit_callbacks(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only an outermost rollback discards the work
        session.info.pop(_AFTER_COMMIT_KEY, None)
