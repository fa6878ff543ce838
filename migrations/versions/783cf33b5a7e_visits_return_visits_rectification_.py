"""visits: return visits, rectification notices, visit settings and repair sampling

Return visits become records of their own (visit, visit_event); rectification notices, the
offices' visit settings and the staff who sample repairs get tables; complaints count their
dissatisfied visits; a notification may be about a visit.

Data: the free-text return visit recorded on a case (complaint.return_visited_at and its
RETURN_VISIT event) becomes a completed visit keeping that text, and a return-visit deadline
still running on a case becomes a planned visit with the same due time (the visit keeps the
deadline from now on, so the case's row is set aside). Both databases run the same SQL.

Revision ID: 783cf33b5a7e
Revises: 3b7e4d2a9c51
Create Date: 2026-11-23 22:00:45.814369

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '783cf33b5a7e'
down_revision = '3b7e4d2a9c51'
branch_labels = None
depends_on = None


def _enum(name, *members):
    return sa.Enum(*members, name=name, native_enum=False, length=24)


SAMPLING_ROLE = ('OFFICE', 'ENGINEERING_HEAD', 'REPAIRER')
METHOD = ('PHONE', 'DOOR_TO_DOOR', 'ON_SITE', 'WECHAT_SMS', 'QUESTIONNAIRE', 'MEETING')
PENDING_RETURN_VISIT = "kind = 'RETURN_VISIT' AND met_at IS NULL AND cancelled_at IS NULL"


def _fk(table, column, referred, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f'{referred}.id'], name=f'{table}_{column}_fkey', ondelete=ondelete)


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.create_table('visit_setting',
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('closing_waits_for_visit', sa.Boolean(), nullable=False),
    sa.Column('office_share', sa.Integer(), nullable=False),
    sa.Column('engineering_share', sa.Integer(), nullable=False),
    sa.Column('repairer_share', sa.Integer(), nullable=False),
    sa.CheckConstraint('engineering_share BETWEEN 10 AND 100', name='ck_visit_setting_engineering_share'),
    sa.CheckConstraint('office_share BETWEEN 5 AND 100', name='ck_visit_setting_office_share'),
    sa.CheckConstraint('repairer_share BETWEEN 20 AND 100', name='ck_visit_setting_repairer_share'),
    _fk('visit_setting', 'office_id', 'office', 'RESTRICT'),
    sa.PrimaryKeyConstraint('office_id')
    )
    op.create_table('visiting_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', _enum('samplingrole', *SAMPLING_ROLE), nullable=False),
    _fk('visiting_staff', 'office_id', 'office', 'RESTRICT'),
    _fk('visiting_staff', 'user_id', 'ab_user', 'RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'user_id', 'role', name='uq_visiting_staff')
    )
    with op.batch_alter_table('visiting_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visiting_staff_user_id'), ['user_id'], unique=False)

    # visit ↔ rectification_notice refer to each other: SQLite takes the key to a table still to
    # come; PostgreSQL gets it once both exist.
    rectification_key = [sa.ForeignKeyConstraint(['rectification_id'], ['rectification_notice.id'],
                                                 name='fk_visit_rectification')] if sqlite else []
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('visitkind', 'CASE', 'RECTIFICATION', 'ROUTINE'), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('rectification_id', sa.Integer(), nullable=True),
    sa.Column('sampling_role', _enum('samplingrole', *SAMPLING_ROLE), nullable=True),
    sa.Column('sample_period', sa.String(length=7), nullable=True),
    sa.Column('status', _enum('visitstatus', 'PLANNED', 'RECORDED', 'COMPLETED', 'UNREACHABLE', 'CANCELLED'),
              nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('planned_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('remind_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('method', _enum('visitmethod', *METHOD), nullable=True),
    sa.Column('visitor_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(), nullable=True),
    sa.Column('person_reached', sa.String(length=100), nullable=True),
    sa.Column('rooms', sa.String(length=200), nullable=True),
    sa.Column('resident_view', sa.Text(), nullable=True),
    sa.Column('satisfaction', _enum('satisfaction', 'VERY_SATISFIED', 'SATISFIED', 'FAIRLY_SATISFIED',
                                    'DISSATISFIED', 'VERY_DISSATISFIED'), nullable=True),
    sa.Column('work_checked', sa.Text(), nullable=True),
    sa.Column('fee_charged', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('fee_correct', sa.Boolean(), nullable=True),
    sa.Column('problem_found', sa.Text(), nullable=True),
    sa.Column('confirmation', _enum('confirmation', 'SIGNATURE', 'SPOKEN', 'WRITTEN', 'LEGACY_NOTE'), nullable=True),
    sa.Column('signer_name', sa.String(length=50), nullable=True),
    sa.Column('signature_png', sa.LargeBinary(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('unreachable_reason', sa.Text(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'CASE' AND complaint_id IS NOT NULL AND rectification_id IS NULL) OR (kind = 'RECTIFICATION' AND rectification_id IS NOT NULL AND complaint_id IS NULL) OR (kind = 'ROUTINE' AND complaint_id IS NULL AND rectification_id IS NULL)", name='ck_visit_subject'),
    sa.CheckConstraint("confirmation != 'SIGNATURE' OR (signature_png IS NOT NULL AND signer_name IS NOT NULL)", name='ck_visit_signature_is_signed'),
    sa.CheckConstraint("sampling_role IS NULL OR kind = 'CASE'", name='ck_visit_sampling_of_cases'),
    sa.CheckConstraint("status != 'COMPLETED' OR (confirmation IS NOT NULL AND completed_at IS NOT NULL)", name='ck_visit_completed_is_confirmed'),
    sa.CheckConstraint('fee_charged IS NULL OR fee_charged >= 0', name='ck_visit_fee_not_negative'),
    _fk('visit', 'approved_by_id', 'ab_user', 'RESTRICT'),
    _fk('visit', 'assignee_id', 'ab_user', 'RESTRICT'),
    _fk('visit', 'complaint_id', 'complaint'),
    _fk('visit', 'office_id', 'office', 'RESTRICT'),
    _fk('visit', 'visitor_id', 'ab_user', 'RESTRICT'),
    *rectification_key,
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index('ix_visit_completed', ['office_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_visit_office_status_due', ['office_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_visit_planned_due', ['due_at'], unique=False, postgresql_where=sa.text("status = 'PLANNED' AND overdue_at IS NULL"), sqlite_where=sa.text("status = 'PLANNED' AND overdue_at IS NULL"))
        batch_op.create_index('ix_visit_planned_remind', ['remind_at'], unique=False, postgresql_where=sa.text("status = 'PLANNED' AND reminded_at IS NULL"), sqlite_where=sa.text("status = 'PLANNED' AND reminded_at IS NULL"))
        batch_op.create_index(batch_op.f('ix_visit_rectification_id'), ['rectification_id'], unique=False)
        batch_op.create_index('ix_visit_sample', ['office_id', 'sample_period', 'sampling_role', 'assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visitor_id'), ['visitor_id'], unique=False)
        batch_op.create_index('uq_visit_case_sampling_role', ['complaint_id', 'sampling_role'], unique=True, postgresql_where=sa.text('sampling_role IS NOT NULL'), sqlite_where=sa.text('sampling_role IS NOT NULL'))

    op.create_table('rectification_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('status', _enum('rectificationstatus', 'OPEN', 'DONE', 'VERIFIED'), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('remind_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('work_done', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    _fk('rectification_notice', 'complaint_id', 'complaint'),
    _fk('rectification_notice', 'completed_by_id', 'ab_user', 'RESTRICT'),
    _fk('rectification_notice', 'issued_by_id', 'ab_user', 'RESTRICT'),
    _fk('rectification_notice', 'office_id', 'office', 'RESTRICT'),
    _fk('rectification_notice', 'responsible_id', 'ab_user', 'RESTRICT'),
    _fk('rectification_notice', 'visit_id', 'visit'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_notice_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index('ix_rectification_office_status_due', ['office_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_rectification_open_due', ['due_at'], unique=False, postgresql_where=sa.text("status = 'OPEN' AND overdue_at IS NULL"), sqlite_where=sa.text("status = 'OPEN' AND overdue_at IS NULL"))
        batch_op.create_index('ix_rectification_open_remind', ['remind_at'], unique=False, postgresql_where=sa.text("status = 'OPEN' AND reminded_at IS NULL"), sqlite_where=sa.text("status = 'OPEN' AND reminded_at IS NULL"))
    if not sqlite:
        op.create_foreign_key('fk_visit_rectification', 'visit', 'rectification_notice', ['rectification_id'], ['id'])

    op.create_table('visit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', _enum('visiteventkind', 'PLANNED', 'ATTEMPT', 'RECORDED', 'SIGNED_OFF', 'UNREACHABLE',
                            'CORRECTION', 'CANCELLED', 'OVERDUE', 'RECTIFICATION_ISSUED', 'COMPLAINT_RAISED'),
              nullable=False),
    sa.Column('method', _enum('visitmethod', *METHOD), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    _fk('visit_event', 'actor_id', 'ab_user', 'RESTRICT'),
    _fk('visit_event', 'visit_id', 'visit'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_event_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_raised_complaint',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    _fk('visit_raised_complaint', 'complaint_id', 'complaint'),
    _fk('visit_raised_complaint', 'visit_id', 'visit'),
    sa.PrimaryKeyConstraint('visit_id', 'complaint_id'),
    sa.UniqueConstraint('complaint_id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dissatisfied_visits', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.alter_column('complaint_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_notification_visit_id'), ['visit_id'], unique=False)
        batch_op.create_foreign_key('notification_visit_id_fkey', 'visit', ['visit_id'], ['id'])
        batch_op.create_check_constraint('ck_notification_subject', 'complaint_id IS NOT NULL OR visit_id IS NOT NULL')

    _visits_from_case_columns()


def _visits_from_case_columns():
    """The return visits cases recorded before visits had records of their own."""
    connection = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # A return visit noted as free text: a completed visit keeping the note, its author and time.
    connection.execute(sa.text(
        "INSERT INTO visit (office_id, kind, complaint_id, status, planned_at, attempts, visitor_id, visited_at,"
        " resident_view, confirmation, completed_at, version)"
        " SELECT c.office_id, 'CASE', c.id, 'COMPLETED', COALESCE(c.resolved_at, c.return_visited_at), 0,"
        " e.actor_id, c.return_visited_at, COALESCE(e.note, ''), 'LEGACY_NOTE', c.return_visited_at, 1"
        " FROM complaint c LEFT JOIN complaint_event e ON e.id = (SELECT max(x.id) FROM complaint_event x"
        " WHERE x.complaint_id = c.id AND x.kind = 'RETURN_VISIT')"
        " WHERE c.return_visited_at IS NOT NULL"))
    # A return visit still due: a planned visit with the deadline's times (reminder and overdue flag kept).
    connection.execute(sa.text(
        "INSERT INTO visit (office_id, kind, complaint_id, status, planned_at, due_at, remind_at, reminded_at,"
        " overdue_at, attempts, version)"
        " SELECT c.office_id, 'CASE', c.id, 'PLANNED', d.starts_at, d.due_at, d.remind_at, d.reminded_at,"
        " d.breached_at, 0, 1"
        " FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id"
        " WHERE d.kind = 'RETURN_VISIT' AND d.met_at IS NULL AND d.cancelled_at IS NULL AND c.status != 'VOIDED'"
        " AND c.return_visited_at IS NULL"))
    connection.execute(sa.text(
        "INSERT INTO visit_event (visit_id, at, actor_id, kind, note)"
        " SELECT id, COALESCE(visited_at, planned_at), visitor_id,"
        " CASE status WHEN 'COMPLETED' THEN 'RECORDED' ELSE 'PLANNED' END,"
        " CASE status WHEN 'COMPLETED' THEN :noted ELSE :due END FROM visit"),
        {"noted": "由原回访记录迁移", "due": "由原回访时限迁移"})
    connection.execute(sa.text(f"UPDATE complaint_deadline SET cancelled_at = :now WHERE {PENDING_RETURN_VISIT}"),
                       {"now": now})
    _refresh_case_summaries("SELECT complaint_id FROM visit WHERE status = 'PLANNED'")


def _refresh_case_summaries(complaint_ids):
    """complaints.deadlines.refresh_summary for the given cases, in SQL."""
    op.get_bind().execute(sa.text(
        "UPDATE complaint SET"
        " next_due_at = (SELECT min(d.due_at) FROM complaint_deadline d WHERE d.complaint_id = complaint.id"
        " AND d.met_at IS NULL AND d.cancelled_at IS NULL AND d.breached_at IS NULL AND d.paused_at IS NULL),"
        " overdue_since = (SELECT min(d.due_at) FROM complaint_deadline d WHERE d.complaint_id = complaint.id"
        " AND d.met_at IS NULL AND d.cancelled_at IS NULL AND d.breached_at IS NOT NULL)"
        f" WHERE id IN ({complaint_ids})"))


def downgrade():
    connection = op.get_bind()
    # Planned visits of cases go back to being the cases' return-visit deadlines; completed
    # visits stay recorded on their cases (return_visited_at), notes of visits go with them.
    connection.execute(sa.text(
        "UPDATE complaint_deadline SET cancelled_at = NULL WHERE kind = 'RETURN_VISIT' AND met_at IS NULL"
        " AND complaint_id IN (SELECT complaint_id FROM visit WHERE status = 'PLANNED' AND kind = 'CASE')"))
    _refresh_case_summaries("SELECT complaint_id FROM visit WHERE status = 'PLANNED' AND kind = 'CASE'")
    connection.execute(sa.text("DELETE FROM notification WHERE complaint_id IS NULL"))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('ck_notification_subject', type_='check')
        batch_op.drop_constraint('notification_visit_id_fkey', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notification_visit_id'))
        batch_op.alter_column('complaint_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('visit_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('dissatisfied_visits')

    if connection.dialect.name != 'sqlite':
        op.drop_constraint('fk_visit_rectification', 'visit', type_='foreignkey')
    op.drop_table('visit_raised_complaint')
    op.drop_table('visit_event')
    op.drop_table('rectification_notice')
    op.drop_table('visit')
    op.drop_table('visiting_staff')
    op.drop_table('visit_setting')
