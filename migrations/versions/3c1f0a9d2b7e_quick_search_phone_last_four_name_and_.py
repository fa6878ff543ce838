"""quick search: the phone's last four digits, name and case-number prefix indexes

Revision ID: 3c1f0a9d2b7e
Revises: f9f97fbb2e6f
Create Date: 2026-11-24 09:00:00.000000

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c1f0a9d2b7e'
down_revision = 'f9f97fbb2e6f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complainant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_last4', sa.String(length=4), server_default='', nullable=False))
    _fill_phone_last4()
    with op.batch_alter_table('complainant', schema=None) as batch_op:
        batch_op.create_index('ix_complainant_office_phone_last4', ['office_id', 'phone_last4'], unique=False)
        batch_op.create_index('ix_complainant_office_name', ['office_id', 'name'], unique=False,
                              postgresql_ops={'name': 'varchar_pattern_ops'})
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_case_number_prefix', ['case_number'], unique=False,
                              postgresql_ops={'case_number': 'varchar_pattern_ops'})


def _fill_phone_last4():
    """The last four digits of every phone already stored (models.last4, in SQL)."""
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(r"""UPDATE complainant SET phone_last4 = right(regexp_replace(phone, '\D', '', 'g'), 4)
                       WHERE length(regexp_replace(phone, '\D', '', 'g')) >= 4""")
        return
    rows = bind.execute(sa.text("SELECT id, phone FROM complainant WHERE phone <> ''")).all()
    updates = []
    for row_id, phone in rows:
        digits = re.sub(r'\D', '', phone)
        if len(digits) >= 4:
            updates.append({'id': row_id, 'last4': digits[-4:]})
    if updates:
        bind.execute(sa.text("UPDATE complainant SET phone_last4 = :last4 WHERE id = :id"), updates)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_case_number_prefix')
    with op.batch_alter_table('complainant', schema=None) as batch_op:
        batch_op.drop_index('ix_complainant_office_name')
        batch_op.drop_index('ix_complainant_office_phone_last4')
        batch_op.drop_column('phone_last4')
