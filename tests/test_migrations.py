"""The migrations are the schema: one head, and upgrading an empty database gives exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory


def test_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgraded_database_matches_models(app):
    """The `app` fixture upgraded an empty database to head; autogenerate must find nothing to add."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


