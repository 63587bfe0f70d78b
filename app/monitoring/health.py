"""Probes: /healthz says the process answers; /readyz says it can do its work (database, Redis, schema).

Readiness on migrations: the database must be at this release's head. A database *behind* the code is
not ready (a deploy forgot `db upgrade`). A database at a revision this release does not know is
reported but ready: that is the state right after an automatic rollback of the code, and migrations are
written to be compatible with the release before them (expand first, contract a release later).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


def code_heads(app: Flask) -> tuple[set[str], object]:
    """This release's migration heads and script directory, read once per process (they are files)."""
    cached = app.extensions.get("monitoring_heads")
    if cached is None:
        from alembic.script import ScriptDirectory

        migrate = app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
        cached = app.extensions["monitoring_heads"] = (set(script.get_heads()), script)
    return cached


def readiness(app: Flask, session: Session, redis: Redis) -> Readiness:
    result = Readiness()
    revisions: set[str] | None = None
    try:
        session.execute(text("SELECT 1"))
        result.checks["database"] = "ok"
        if session.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
            revisions = set()
        else:
            revisions = set(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError as exc:
        session.rollback()
        result.checks["database"] = f"unreachable: {type(exc.orig or exc).__name__}"
        result.failed.append("database")
    try:
        redis.ping()
        result.checks["redis"] = "ok"
    except RedisError as exc:
        result.checks["redis"] = f"unreachable: {type(exc).__name__}"
        result.failed.append("redis")
    if revisions is not None:
        heads, script = code_heads(app)
        if revisions == heads:
            result.checks["migrations"] = "ok"
        elif revisions and not any(_known(script, revision) for revision in revisions):
            result.checks["migrations"] = (f"database at {', '.join(sorted(revisions))}, newer than this release "
                                           f"({', '.join(sorted(heads))}): a rolled-back deploy")
        else:
            result.checks["migrations"] = (f"database at {', '.join(sorted(revisions)) or 'nothing'}, this release "
                                           f"needs {', '.join(sorted(heads))}: run `flask db upgrade`")
            result.failed.append("migrations")
    return result


def _known(script, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
