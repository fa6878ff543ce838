"""screens at any size: indexes for the lists' orders (id as tie-breaker), the category filter,
my queue, overdue and due cases, the inbox; substring search indexes; SQLite statistics

PostgreSQL: pg_trgm and GIN trigram indexes on the description and on the complainant's name,
phone and room. SQLite: external-content FTS5 tables with the trigram tokenizer (complaint_fts,
complainant_fts) kept by triggers, then ANALYZE so that the planner knows the indexes.

A later migration that rebuilds complaint or complainant on SQLite (batch mode copies the table)
drops their triggers with the old table: recreate them as below and rebuild the FTS tables.

Revision ID: 5d2aebf47611
Revises: f9f97fbb2e6f
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2aebf47611'
down_revision = 'f9f97fbb2e6f'
branch_labels = None
depends_on = None

OPEN = "status NOT IN ('CLOSED', 'VOIDED')"
OVERDUE = "overdue_since IS NOT NULL"
OPEN_NOT_OVERDUE = "status NOT IN ('CLOSED', 'VOIDED') AND overdue_since IS NULL"

# (name, columns, partial condition): each ends in the columns its condition reads (SQLite
# then answers from the index alone).
PARTIAL = [
    ("ix_complaint_open_office_received", ["office_id", "received_at", "id", "tier", "assignee_id", "status"], OPEN),
    ("ix_complaint_open_received", ["received_at", "id", "tier", "assignee_id", "status"], OPEN),
    ("ix_complaint_open_office_urgency_due", ["office_id", "urgency", "next_due_at", "id", "status"], OPEN),
    ("ix_complaint_open_urgency_due", ["urgency", "next_due_at", "id", "status"], OPEN),
    ("ix_complaint_overdue_office_received", ["office_id", "received_at", "id", "status", "overdue_since"], OVERDUE),
    ("ix_complaint_overdue_received", ["received_at", "id", "status", "overdue_since"], OVERDUE),
    ("ix_complaint_due_office", ["office_id", "next_due_at", "status", "overdue_since"], OPEN_NOT_OVERDUE),
    ("ix_complaint_due", ["next_due_at", "status", "overdue_since"], OPEN_NOT_OVERDUE),
]

# SQLite full-text tables: name → (indexed table, columns).
FULL_TEXT = {
    "complaint_fts": ("complaint", ["description"]),
    "complainant_fts": ("complainant", ["name", "phone", "room"]),
}


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_office_received')
        batch_op.drop_index('ix_complaint_received')
        # Replaced by the category indexes below and the partial overdue ones (mostly NULL, it
        # also misled SQLite's planner, whose statistics are averages per distinct value).
        batch_op.drop_index('ix_complaint_category_id')
        batch_op.drop_index('ix_complaint_overdue_since')
        batch_op.create_index('ix_complaint_office_received', ['office_id', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_received', ['received_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_office_category_received', ['office_id', 'category_id', 'received_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_complaint_category_received', ['category_id', 'received_at', 'id'], unique=False)
    for name, columns, condition in PARTIAL:
        op.create_index(name, 'complaint', columns, unique=False, postgresql_where=sa.text(condition),
                        sqlite_where=sa.text(condition))
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at', 'id'], unique=False)

    if sqlite:
        for fts, (table, columns) in FULL_TEXT.items():
            listed = ", ".join(columns)
            new = ", ".join(f"new.{c}" for c in columns)
            old = ", ".join(f"old.{c}" for c in columns)
            op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id', "
                       "tokenize='trigram')")
            op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
                       f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new}); END")
            op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
                       f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old}); END")
            op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {listed} ON {table} BEGIN "
                       f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
                       f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new}); END")
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        # The planner weighs indexes by these statistics (kept up to date by the scheduler).
        op.execute("ANALYZE")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The operator class lives in the extension's schema, which need not be on the path.
        schema = op.get_bind().scalar(sa.text(
            "SELECT nspname FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace "
            "WHERE extname = 'pg_trgm'"))
        ops = f'"{schema}".gin_trgm_ops'
        op.execute(f"CREATE INDEX ix_complaint_description_trgm ON complaint USING gin (description {ops})")
        op.execute(f"CREATE INDEX ix_complainant_search_trgm ON complainant USING gin (name {ops}, phone {ops}, "
                   f"room {ops})")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for fts in FULL_TEXT:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{event}")
            op.execute(f"DROP TABLE {fts}")
    else:
        op.drop_index('ix_complainant_search_trgm', table_name='complainant')
        op.drop_index('ix_complaint_description_trgm', table_name='complaint')
    op.drop_index('ix_notification_user_created', table_name='notification')
    for name, _columns, _condition in PARTIAL:
        op.drop_index(name, table_name='complaint')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_category_received')
        batch_op.drop_index('ix_complaint_office_category_received')
        batch_op.drop_index('ix_complaint_received')
        batch_op.drop_index('ix_complaint_office_received')
        batch_op.create_index('ix_complaint_overdue_since', ['overdue_since'], unique=False)
        batch_op.create_index('ix_complaint_category_id', ['category_id'], unique=False)
        batch_op.create_index('ix_complaint_received', ['received_at'], unique=False)
        batch_op.create_index('ix_complaint_office_received', ['office_id', 'received_at'], unique=False)
