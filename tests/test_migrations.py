"""The schema comes only from migrations, and the migration head matches the models."""
import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.core.extensions import db
from app.core.search import compared_in_migrations


def test_migration_head_matches_the_models(app):
    # The test database was built by `flask db upgrade` alone (see conftest).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": compared_in_migrations(connection.dialect.name)})
        assert compare_metadata(context, Model.metadata) == []


def test_database_is_at_the_single_migration_head(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    with db.engine.connect() as connection:
        assert len(heads) == 1
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_the_restrict_migration_downgrades_and_upgrades_again_keeping_the_data(empty_app):
    """877581a3c983 rebuilds tables on SQLite (batch mode) and swaps foreign keys on PostgreSQL;
    both ways keep every row, and afterwards the database again refuses deleting what is used."""
    def rows():
        return {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                for table in ("office", "category", "complainant")}

    db.session.execute(sa.text("INSERT INTO office (id, code, name, households) VALUES (1, 'BJ01', '北京', 10)"))
    db.session.execute(sa.text("INSERT INTO category (id, code, name, active) VALUES (1, 'REPAIR', '报修', true)"))
    db.session.execute(sa.text("INSERT INTO category (id, code, name, parent_id, active) "
                               "VALUES (2, 'REPAIR_COMMON', '公共报修', 1, true)"))
    db.session.execute(sa.text("INSERT INTO complainant (office_id, name, room, phone) VALUES (1, '王五', '', '')"))
    db.session.commit()
    before = rows()
    db.session.remove()

    flask_migrate.downgrade(revision="f490300767e3")
    assert "active" not in {c["name"] for c in sa.inspect(db.engine).get_columns("office")}
    assert rows() == before
    db.session.remove()

    flask_migrate.upgrade()
    assert rows() == before
    assert db.session.scalar(sa.text("SELECT active FROM office WHERE id = 1")) in (True, 1)
    db.session.remove()
    for statement in ("DELETE FROM office WHERE id = 1", "DELETE FROM category WHERE id = 1"):
        with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text(statement))
