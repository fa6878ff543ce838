"""queue, status filter and "due today" answered from indexes alone, on SQLite as on PostgreSQL

- My queue's order key becomes coalesce(overdue_since, next_due_at, '9999-12-31 00:00:00'): a
  case without a deadline still sorts last, but without NULLS LAST, which SQLite's indexes
  cannot give (it sorted every open case). The queue's indexes also hold tier and assignee, so
  that the walk in queue order never reads the rows it passes over.
- The status filter, newest first: (office_id, status, received_at, id) and (status,
  received_at, id).
- "Due today" counts the user's cases among those due: the due indexes hold tier and assignee.

Revision ID: 3a672a3e11ec
Revises: a00a2b909f4c
Create Date: 2026-11-24 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '3a672a3e11ec'
down_revision = 'a00a2b909f4c'
branch_labels = None
depends_on = None

OPEN = sa.text("status NOT IN ('CLOSED', 'VOIDED')")
OPEN_NOT_OVERDUE = sa.text("status NOT IN ('CLOSED', 'VOIDED') AND overdue_since IS NULL")
QUEUE_DUE = sa.text("coalesce(overdue_since, next_due_at, '9999-12-31 00:00:00')")
OLD_QUEUE_DUE = sa.text("coalesce(overdue_since, next_due_at)")


def _replace(name, columns, condition):
    op.drop_index(name, table_name="complaint")
    op.create_index(name, "complaint", columns, postgresql_where=condition, sqlite_where=condition)


def upgrade():
    _replace("ix_complaint_open_office_queue", ["office_id", "urgency", QUEUE_DUE, "id", "tier", "assignee_id"], OPEN)
    _replace("ix_complaint_open_queue", ["urgency", QUEUE_DUE, "id", "tier", "assignee_id"], OPEN)
    _replace("ix_complaint_due_office", ["office_id", "next_due_at", "status", "overdue_since", "tier", "assignee_id"],
             OPEN_NOT_OVERDUE)
    _replace("ix_complaint_due", ["next_due_at", "status", "overdue_since", "tier", "assignee_id"], OPEN_NOT_OVERDUE)
    op.create_index("ix_complaint_office_status_received", "complaint", ["office_id", "status", "received_at", "id"])
    op.create_index("ix_complaint_status_received", "complaint", ["status", "received_at", "id"])
    op.execute("ANALYZE" if op.get_bind().dialect.name == "sqlite" else "ANALYZE complaint")


def downgrade():
    op.drop_index("ix_complaint_status_received", table_name="complaint")
    op.drop_index("ix_complaint_office_status_received", table_name="complaint")
    _replace("ix_complaint_due", ["next_due_at", "status", "overdue_since"], OPEN_NOT_OVERDUE)
    _replace("ix_complaint_due_office", ["office_id", "next_due_at", "status", "overdue_since"], OPEN_NOT_OVERDUE)
    _replace("ix_complaint_open_queue", ["urgency", OLD_QUEUE_DUE, "id"], OPEN)
    _replace("ix_complaint_open_office_queue", ["office_id", "urgency", OLD_QUEUE_DUE, "id"], OPEN)
