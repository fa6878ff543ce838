"""my queue: emergencies first, then the missed or next deadline, answered in index order

The queue's order is urgency (EMERGENCY sorts before GENERAL), then coalesce(overdue_since,
next_due_at) — the deadline the badge shows —, then id; these partial indexes over open cases
give it without a sort, per office and for all offices. They replace the (urgency,
next_due_at) ones, which missed the cases whose only deadline is overdue.

Revision ID: a41c7e9d5b20
Revises: 5d2aebf47611
Create Date: 2026-11-24 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'a41c7e9d5b20'
down_revision = '5d2aebf47611'
branch_labels = None
depends_on = None

OPEN = sa.text("status NOT IN ('CLOSED', 'VOIDED')")
QUEUE_DUE = sa.text("coalesce(overdue_since, next_due_at)")


def upgrade():
    op.drop_index("ix_complaint_open_office_urgency_due", table_name="complaint")
    op.drop_index("ix_complaint_open_urgency_due", table_name="complaint")
    op.create_index("ix_complaint_open_office_queue", "complaint", ["office_id", "urgency", QUEUE_DUE, "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_complaint_open_queue", "complaint", ["urgency", QUEUE_DUE, "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index("ix_complaint_open_queue", table_name="complaint")
    op.drop_index("ix_complaint_open_office_queue", table_name="complaint")
    op.create_index("ix_complaint_open_office_urgency_due", "complaint",
                    ["office_id", "urgency", "next_due_at", "id", "status"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_complaint_open_urgency_due", "complaint", ["urgency", "next_due_at", "id", "status"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
