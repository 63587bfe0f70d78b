"""The migrations are the schema: one head, and upgrading an empty database gives exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.imports.partitions import include_in_migrations


def test_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgraded_database_matches_models(app):
    """The `app` fixture upgraded an empty database to head; autogenerate must find nothing to add."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_name": include_in_migrations})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_runtime_partitions_are_not_schema_drift(app):
    """Partitions of order_items are created by the importer; autogenerate must not offer to drop them."""
    from datetime import date

    from app.extensions import db
    from app.imports.partitions import ensure_months

    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        ensure_months(connection, {date(1999, 1, 1)})
        context = MigrationContext.configure(connection, opts={"include_name": include_in_migrations})
        diff = compare_metadata(context, db.metadata)
        transaction.rollback()
    assert diff == []


