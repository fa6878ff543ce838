"""restrict deleting what cases refer to; office active flag

Offices, categories and users that cases, their history or settings refer to can no longer be
deleted (ON DELETE RESTRICT): they are deactivated instead, so offices get an `active` flag.

The foreign keys were created unnamed; PostgreSQL named them <table>_<column>_fkey. SQLite
rebuilds each table (batch mode), naming its reflected keys by the same pattern.

Revision ID: 877581a3c983
Revises: f490300767e3
Create Date: 2026-11-23 19:42:01.089825

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '877581a3c983'
down_revision = 'f490300767e3'
branch_labels = None
depends_on = None

NAMING = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}

# table → [(column, referred table)]
RESTRICTED = {
    "attachment": [("uploaded_by_id", "ab_user")],
    "case_counter": [("office_id", "office")],
    "category": [("parent_id", "category")],
    "complainant": [("office_id", "office")],
    "complaint": [("office_id", "office"), ("category_id", "category"), ("assignee_id", "ab_user"),
                  ("respondent_id", "ab_user"), ("plan_owner_id", "ab_user"), ("created_by_id", "ab_user")],
    "complaint_event": [("actor_id", "ab_user")],
    "deadline_policy": [("office_id", "office"), ("category_id", "category")],
    "notification": [("user_id", "ab_user")],
}


def _set_on_delete(ondelete):
    for table, keys in RESTRICTED.items():
        with op.batch_alter_table(table, naming_convention=NAMING) as batch_op:
            for column, referred in keys:
                name = f"{table}_{column}_fkey"
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, referred, [column], ["id"], ondelete=ondelete)


def upgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    _set_on_delete("RESTRICT")


def downgrade():
    _set_on_delete(None)
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('active')
