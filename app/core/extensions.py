"""Shared extension objects, created unbound and initialised in create_app()."""
import sqlalchemy as sa
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's security tables and ours share one metadata, so one migration history covers both.
# (AppBuilder keeps per-app state, so create_app() makes one per app: current_app.appbuilder.)
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()


def enforce_foreign_keys(engine: sa.Engine) -> None:
    """Make SQLite check foreign keys on every connection, as PostgreSQL always does.

    SQLite leaves them off unless each connection turns them on; the migrations turn them off
    for their own run (migrations/env.py), since rebuilding a table in batch mode drops it."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys_on(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def readers_never_block_writers(engine: sa.Engine) -> None:
    """Put SQLite in write-ahead-log mode, where a long read (an export streaming for minutes)
    does not stop others from saving, as on PostgreSQL; in its default mode a writer waits for
    every reader to finish, then gives up with "database is locked"."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @sa.event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
