"""The benchmarks' own databases, beside the hub's on the configured server (or the embedded default)."""

from __future__ import annotations

import os


def bench_database_url(suffix: str) -> str:
    """URL of `<hub database>_<suffix>`, created if missing; REDIS_URL is set to the same setup's Redis."""
    from sqlalchemy.engine import make_url

    from app.embedded import ensure_services

    urls = ensure_services(os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL"))
    os.environ.setdefault("REDIS_URL", urls.redis_url)
    url = make_url(urls.database_url).set(drivername="postgresql+psycopg")
    url = url.set(database=f"{url.database or 'hub'}_{suffix}")
    _admin(url, f'CREATE DATABASE "{url.database}"', only_if_missing=True)
    return url.render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """Drop the database (closing its connections) and create it empty."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    _admin(target, f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)', f'CREATE DATABASE "{target.database}"')


def _admin(url, *statements: str, only_if_missing: bool = False) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if only_if_missing and conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                                {"name": url.database}).scalar():
                return
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()
