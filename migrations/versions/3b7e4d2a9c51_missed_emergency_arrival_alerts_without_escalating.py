"""a missed emergency arrival alerts the supervisors and the general manager without escalating

Revision ID: 3b7e4d2a9c51
Revises: 5d2aebf47611
Create Date: 2026-11-24 09:00:00.000000

The default company-wide policy "emergency on site in 3 minutes" escalated when missed, which
sent an emergency to the general manager before the office's supervisor could act. Its new
default does not escalate (the sweep alerts the supervisors and the general manager instead).
Only the seeded default row changes, with the deadlines still running under it; policies an
administrator added or changed keep their setting.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7e4d2a9c51'
down_revision = '5d2aebf47611'
branch_labels = None
depends_on = None

_DEFAULT_EMERGENCY_ON_SITE = ("kind = 'ON_SITE' AND office_id IS NULL AND category_id IS NULL "
                              "AND urgency = 'EMERGENCY' AND grade IS NULL AND amount = 3 AND unit = 'MINUTES'")


def _set_escalates(value: bool):
    policies = f"SELECT id FROM deadline_policy WHERE {_DEFAULT_EMERGENCY_ON_SITE}"
    op.execute(sa.text(f"UPDATE deadline_policy SET escalates = :flag WHERE {_DEFAULT_EMERGENCY_ON_SITE}")
               .bindparams(flag=value))
    # Deadlines copy the flag when they start: those still running follow the policy.
    op.execute(sa.text(f"UPDATE complaint_deadline SET escalates = :flag WHERE policy_id IN ({policies}) "
                       "AND met_at IS NULL AND cancelled_at IS NULL AND breached_at IS NULL")
               .bindparams(flag=value))


def upgrade():
    _set_escalates(False)


def downgrade():
    _set_escalates(True)
