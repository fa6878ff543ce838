"""The visits data model: visits (of a case, of a rectification notice, or routine), their
append-only history, rectification notices, the offices' visit settings and the staff who
sample repairs for a visit."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import deferred, relationship

from app.complaints.models import Complaint
from app.core import clock
from app.core.models import Office
from app.core.types import UTCDateTime, enum_column

from .enums import (
    Confirmation,
    RectificationStatus,
    SamplingRole,
    Satisfaction,
    VisitEventKind,
    VisitKind,
    VisitMethod,
    VisitStatus,
)

# Complaints registered from what residents said at a visit (routine visits, mostly).
visit_raised_complaint = sa.Table(
    "visit_raised_complaint",
    Model.metadata,
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visit.id"), primary_key=True),
    sa.Column("complaint_id", sa.Integer, sa.ForeignKey("complaint.id"), primary_key=True, unique=True),
)

_PLANNED = "status = 'PLANNED'"


def _due_state(pending: bool, due_at, overdue_at):
    # Past due shows as overdue even before the sweep has flagged it.
    if not pending or due_at is None:
        return None, None
    overdue = overdue_at is not None or due_at <= clock.now()
    return (due_at, None) if overdue else (None, due_at)


class Visit(Model):
    """One visit to a resident: planned with a due time, recorded by its visitor, then signed
    off (or confirmed) by the visited person. Its subject is a complaint case, a rectification
    notice, or nothing (a routine visit)."""

    __tablename__ = "visit"
    id = sa.Column(sa.Integer, primary_key=True)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), nullable=False)
    office = relationship(Office, lazy="joined")
    kind = sa.Column(enum_column(VisitKind), nullable=False)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), index=True)
    complaint = relationship(Complaint, lazy="joined")
    rectification_id = sa.Column(sa.Integer, sa.ForeignKey("rectification_notice.id", use_alter=True,
                                                           name="fk_visit_rectification"), index=True)
    rectification = relationship("RectificationNotice", foreign_keys=[rectification_id])
    # A repair-sampling visit: the role whose share it counts for, and the period drawn.
    sampling_role = sa.Column(enum_column(SamplingRole))
    sample_period = sa.Column(sa.String(7))
    status = sa.Column(enum_column(VisitStatus), nullable=False, default=VisitStatus.PLANNED)
    # Who is to make it (a sampled visit's person); empty: the office's customer service.
    assignee_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    assignee = relationship(User, foreign_keys=[assignee_id])

    planned_at = sa.Column(UTCDateTime, nullable=False)
    due_at = sa.Column(UTCDateTime)
    remind_at = sa.Column(UTCDateTime)
    reminded_at = sa.Column(UTCDateTime)
    overdue_at = sa.Column(UTCDateTime)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)

    # The record (domain.md: Return visits; seed 004 篇4 for repairs).
    method = sa.Column(enum_column(VisitMethod))
    visitor_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), index=True)
    visitor = relationship(User, foreign_keys=[visitor_id], lazy="joined")
    visited_at = sa.Column(UTCDateTime)
    person_reached = sa.Column(sa.String(100))
    rooms = sa.Column(sa.String(200))
    resident_view = sa.Column(sa.Text)
    satisfaction = sa.Column(enum_column(Satisfaction))
    work_checked = sa.Column(sa.Text)
    fee_charged = sa.Column(sa.Numeric(10, 2))
    fee_correct = sa.Column(sa.Boolean)
    problem_found = sa.Column(sa.Text)

    # The sign-off: how the visited person confirmed, their name as they typed or said it, and
    # their signature (PNG, kept in the row: it is small and belongs to the signed record).
    confirmation = sa.Column(enum_column(Confirmation))
    signer_name = sa.Column(sa.String(50))
    signature_png = deferred(sa.Column(sa.LargeBinary))
    completed_at = sa.Column(UTCDateTime)
    unreachable_reason = sa.Column(sa.Text)
    approved_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    approved_by = relationship(User, foreign_keys=[approved_by_id])

    version = sa.Column(sa.Integer, nullable=False)

    events = relationship("VisitEvent", back_populates="visit", order_by="VisitEvent.id", passive_deletes="all")
    raised_complaints = relationship(Complaint, secondary=visit_raised_complaint, order_by=Complaint.id)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'CASE' AND complaint_id IS NOT NULL AND rectification_id IS NULL)"
            " OR (kind = 'RECTIFICATION' AND rectification_id IS NOT NULL AND complaint_id IS NULL)"
            " OR (kind = 'ROUTINE' AND complaint_id IS NULL AND rectification_id IS NULL)",
            name="ck_visit_subject"),
        sa.CheckConstraint("sampling_role IS NULL OR kind = 'CASE'", name="ck_visit_sampling_of_cases"),
        sa.CheckConstraint("fee_charged IS NULL OR fee_charged >= 0", name="ck_visit_fee_not_negative"),
        sa.CheckConstraint("status != 'COMPLETED' OR (confirmation IS NOT NULL AND completed_at IS NOT NULL)",
                           name="ck_visit_completed_is_confirmed"),
        sa.CheckConstraint("confirmation != 'SIGNATURE' OR (signature_png IS NOT NULL AND signer_name IS NOT NULL)",
                           name="ck_visit_signature_is_signed"),
        # Never the same case twice in one role's sample (seed 004 篇4, issue: fair sampling).
        sa.Index("uq_visit_case_sampling_role", "complaint_id", "sampling_role", unique=True,
                 postgresql_where=sa.text("sampling_role IS NOT NULL"),
                 sqlite_where=sa.text("sampling_role IS NOT NULL")),
        # The queue (due first, per office) and the sweep's pending visits.
        sa.Index("ix_visit_office_status_due", "office_id", "status", "due_at"),
        sa.Index("ix_visit_planned_due", "due_at", postgresql_where=sa.text(_PLANNED + " AND overdue_at IS NULL"),
                 sqlite_where=sa.text(_PLANNED + " AND overdue_at IS NULL")),
        sa.Index("ix_visit_planned_remind", "remind_at",
                 postgresql_where=sa.text(_PLANNED + " AND reminded_at IS NULL"),
                 sqlite_where=sa.text(_PLANNED + " AND reminded_at IS NULL")),
        sa.Index("ix_visit_sample", "office_id", "sample_period", "sampling_role", "assignee_id"),
        sa.Index("ix_visit_completed", "office_id", "completed_at"),
    )

    def __str__(self):
        if self.kind == VisitKind.CASE and self.complaint is not None:
            return f"{self.kind.label} · {self.complaint.case_number}"
        if self.kind == VisitKind.RECTIFICATION:
            return f"{self.kind.label} · #{self.rectification_id}"
        return f"{self.kind.label} #{self.id}" if self.kind else f"#{self.id}"

    def __repr__(self):
        return f"<Visit {self.id} {self.kind.name if self.kind else None} {self.status.name if self.status else None}>"

    @property
    def due_state(self):
        """(overdue since, next due) for the "due in / overdue by" badge of the lists."""
        return _due_state(self.status == VisitStatus.PLANNED, self.due_at, self.overdue_at)

    @property
    def subject(self):
        """What the visit is about, for lists: the case, the notice, or the office."""
        return self.complaint or self.rectification or self.office


class VisitEvent(Model):
    """One entry of a visit's history: who did what and when (an attempt, the record, the
    sign-off, a correction). Rows are never updated or deleted."""

    __tablename__ = "visit_event"
    id = sa.Column(sa.Integer, primary_key=True)
    visit_id = sa.Column(sa.Integer, sa.ForeignKey("visit.id"), nullable=False, index=True)
    visit = relationship(Visit, back_populates="events")
    at = sa.Column(UTCDateTime, nullable=False)
    # Null actor: the system (the sweep, a migration).
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    actor = relationship(User, lazy="joined")
    kind = sa.Column(enum_column(VisitEventKind), nullable=False)
    method = sa.Column(enum_column(VisitMethod))
    note = sa.Column(sa.Text, nullable=False, default="")

    def __repr__(self):
        return f"<VisitEvent {self.visit_id} {self.kind.name}>"


@sa.event.listens_for(VisitEvent, "before_update")
@sa.event.listens_for(VisitEvent, "before_delete")
def _visit_history_is_append_only(mapper, connection, target):
    raise RuntimeError("visit events are append-only")


@sa.event.listens_for(Visit, "before_update")
def _completed_visits_are_immutable(mapper, connection, target):
    """A completed visit (signed, confirmed, unreachable, cancelled) is never changed: a
    correction is an event of its own (the rules refuse first; this guards every other path)."""
    state = sa.inspect(target)
    history = state.attrs.status.history
    was = (history.deleted or history.unchanged or [None])[0]
    # (A new event on the visit marks it dirty without changing a column.)
    changed = [a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()]
    if was in VisitStatus.final() and changed:
        raise RuntimeError(f"visit {target.id} is {was.name} and cannot change ({', '.join(changed)})")


@sa.event.listens_for(Visit, "before_delete")
def _visits_are_kept(mapper, connection, target):
    raise RuntimeError("visits are kept; cancel one instead")


class RectificationNotice(Model):
    """A written notice to the person responsible to put right a problem found at a visit,
    within 24 h (domain.md: Deadlines, seed 004), tracked to completion and itself visited."""

    __tablename__ = "rectification_notice"
    id = sa.Column(sa.Integer, primary_key=True)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), nullable=False)
    office = relationship(Office, lazy="joined")
    visit_id = sa.Column(sa.Integer, sa.ForeignKey("visit.id"), nullable=False, index=True)
    visit = relationship(Visit, foreign_keys=[visit_id])
    # The case the finding visit was about, if any (its category sets the deadlines).
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), index=True)
    complaint = relationship(Complaint, lazy="joined")
    responsible_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False,
                               index=True)
    responsible = relationship(User, foreign_keys=[responsible_id], lazy="joined")
    problem = sa.Column(sa.Text, nullable=False)
    status = sa.Column(enum_column(RectificationStatus), nullable=False, default=RectificationStatus.OPEN)
    issued_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False)
    issued_by = relationship(User, foreign_keys=[issued_by_id])
    issued_at = sa.Column(UTCDateTime, nullable=False)
    due_at = sa.Column(UTCDateTime)
    remind_at = sa.Column(UTCDateTime)
    reminded_at = sa.Column(UTCDateTime)
    overdue_at = sa.Column(UTCDateTime)
    work_done = sa.Column(sa.Text)
    completed_at = sa.Column(UTCDateTime)
    completed_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    completed_by = relationship(User, foreign_keys=[completed_by_id])
    version = sa.Column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_rectification_office_status_due", "office_id", "status", "due_at"),
        sa.Index("ix_rectification_open_due", "due_at", postgresql_where=sa.text("status = 'OPEN' AND overdue_at IS NULL"),
                 sqlite_where=sa.text("status = 'OPEN' AND overdue_at IS NULL")),
        sa.Index("ix_rectification_open_remind", "remind_at",
                 postgresql_where=sa.text("status = 'OPEN' AND reminded_at IS NULL"),
                 sqlite_where=sa.text("status = 'OPEN' AND reminded_at IS NULL")),
    )

    def __str__(self):
        return f"#{self.id} {self.problem[:20]}" if self.problem else f"#{self.id}"

    @property
    def due_state(self):
        """(overdue since, next due) for the "due in / overdue by" badge of the lists."""
        return _due_state(self.status == RectificationStatus.OPEN, self.due_at, self.overdue_at)


class VisitSetting(Model):
    """An office's visit settings: whether closing a case waits for its visit, and the share
    of resolved repairs each role samples for a visit (at least seed 004's)."""

    __tablename__ = "visit_setting"
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), primary_key=True,
                          autoincrement=False)
    office = relationship(Office, lazy="joined")
    closing_waits_for_visit = sa.Column(sa.Boolean, nullable=False, default=False)
    office_share = sa.Column(sa.Integer, nullable=False, default=SamplingRole.OFFICE.minimum_share)
    engineering_share = sa.Column(sa.Integer, nullable=False, default=SamplingRole.ENGINEERING_HEAD.minimum_share)
    repairer_share = sa.Column(sa.Integer, nullable=False, default=SamplingRole.REPAIRER.minimum_share)

    __table_args__ = (
        sa.CheckConstraint(f"office_share BETWEEN {SamplingRole.OFFICE.minimum_share} AND 100",
                           name="ck_visit_setting_office_share"),
        sa.CheckConstraint(f"engineering_share BETWEEN {SamplingRole.ENGINEERING_HEAD.minimum_share} AND 100",
                           name="ck_visit_setting_engineering_share"),
        sa.CheckConstraint(f"repairer_share BETWEEN {SamplingRole.REPAIRER.minimum_share} AND 100",
                           name="ck_visit_setting_repairer_share"),
    )

    def share(self, role: SamplingRole) -> int:
        return {SamplingRole.OFFICE: self.office_share, SamplingRole.ENGINEERING_HEAD: self.engineering_share,
                SamplingRole.REPAIRER: self.repairer_share}[role]

    def __str__(self):
        return str(self.office) if self.office else ""


class VisitingStaff(Model):
    """A staff member who samples repairs for a visit in an office, and in which role."""

    __tablename__ = "visiting_staff"
    id = sa.Column(sa.Integer, primary_key=True)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), nullable=False)
    office = relationship(Office, lazy="joined")
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False, index=True)
    user = relationship(User, lazy="joined")
    role = sa.Column(enum_column(SamplingRole), nullable=False)

    __table_args__ = (sa.UniqueConstraint("office_id", "user_id", "role", name="uq_visiting_staff"),)

    def __str__(self):
        return f"{self.user.username if self.user else ''} · {self.role.label if self.role else ''}"
