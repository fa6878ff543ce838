"""sweep: the deadlines it flagged or reminded, the reminders due and the one-month rule's
candidates, each found by an index of just those rows (a missed or paused deadline leaves the
reminders' index; a deadline not yet flagged or reminded is in neither mark's index)

Revision ID: f9f97fbb2e6f
Revises: ed2113d3aee0
Create Date: 2026-11-23 21:57:20.000716

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f9f97fbb2e6f'
down_revision = 'ed2113d3aee0'
branch_labels = None
depends_on = None

REMINDED = "reminded_at IS NOT NULL"
BREACHED = "breached_at IS NOT NULL"
REMINDER_DUE_BEFORE = "met_at IS NULL AND cancelled_at IS NULL AND reminded_at IS NULL"
REMINDER_DUE = REMINDER_DUE_BEFORE + " AND breached_at IS NULL AND paused_at IS NULL"
MAJOR_CANDIDATE = ("validity = 'VALID' AND status IN ('RECEIVED', 'ACKNOWLEDGED', 'INVESTIGATING', "
                   "'PLAN_PROPOSED', 'PLAN_APPROVED', 'IN_PROGRESS') AND (grade IS NULL OR grade != 'MAJOR')")


def _reminder_due_index(predicate):
    op.create_index('ix_deadline_pending_remind', 'complaint_deadline', ['remind_at'], unique=False,
                    postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def upgrade():
    op.drop_index('ix_deadline_pending_remind', table_name='complaint_deadline')
    _reminder_due_index(REMINDER_DUE)
    op.create_index('ix_deadline_reminded', 'complaint_deadline', ['reminded_at'], unique=False,
                    postgresql_where=sa.text(REMINDED), sqlite_where=sa.text(REMINDED))
    op.drop_index('ix_deadline_breached', table_name='complaint_deadline')
    op.create_index('ix_deadline_breached', 'complaint_deadline', ['breached_at'], unique=False,
                    postgresql_where=sa.text(BREACHED), sqlite_where=sa.text(BREACHED))
    op.create_index('ix_complaint_major_candidates', 'complaint', ['received_at'], unique=False,
                    postgresql_where=sa.text(MAJOR_CANDIDATE), sqlite_where=sa.text(MAJOR_CANDIDATE))


def downgrade():
    op.drop_index('ix_complaint_major_candidates', table_name='complaint')
    op.drop_index('ix_deadline_breached', table_name='complaint_deadline')
    op.create_index('ix_deadline_breached', 'complaint_deadline', ['breached_at'], unique=False)
    op.drop_index('ix_deadline_reminded', table_name='complaint_deadline')
    op.drop_index('ix_deadline_pending_remind', table_name='complaint_deadline')
    _reminder_due_index(REMINDER_DUE_BEFORE)
