"""The schema comes only from migrations, and the migration head matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.core.extensions import db


def test_migration_head_matches_the_models(app):
    # The test database was built by `flask db upgrade` alone (see conftest).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Model.metadata) == []


def test_database_is_at_the_single_migration_head(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    with db.engine.connect() as connection:
        assert len(heads) == 1
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)
