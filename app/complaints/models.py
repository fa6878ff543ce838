"""The complaint data model: categories, complainants, complaints, evidence attachments, the
append-only event log, and the cases' deadline policies and deadlines."""
import re

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import backref, relationship, validates

from app.core.models import Office
from app.core.types import UTCDateTime, enum_column
from app.deadlines.enums import DeadlineKind, DeadlineUnit

from .enums import Channel, EventKind, Grade, Status, Urgency, Validity


class Category(Model):
    """A configurable complaint category; repair sub-types hang under their parent."""

    __tablename__ = "category"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(32), unique=True, nullable=False)
    name = sa.Column(sa.String(100), nullable=False)
    parent_id = sa.Column(sa.Integer, sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    # A parent with sub-types is not deleted (the foreign key refuses it): never unlink them.
    # Joined two levels deep, so that a case's category comes with its parent (its name shows
    # on every list row) in the case's own query.
    parent = relationship("Category", remote_side=[id], backref=backref("children", passive_deletes="all"),
                          lazy="joined", join_depth=2)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    note = sa.Column(sa.String(200))

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent else self.name

    def __repr__(self):
        return f"<Category {self.code}>"


class Complainant(Model):
    """A resident who complains. Identity and contact are confidential (domain.md: Intake)."""

    __tablename__ = "complainant"
    id = sa.Column(sa.Integer, primary_key=True)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), nullable=False)
    office = relationship(Office)
    name = sa.Column(sa.String(50), nullable=False)
    room = sa.Column(sa.String(30), nullable=False, default="")
    phone = sa.Column(sa.String(30), nullable=False, default="")
    # The phone's last four digits, kept with it: callers and staff name a resident by them
    # (quick search). Empty when the phone has fewer than four digits.
    phone_last4 = sa.Column(sa.String(4), nullable=False, default="", server_default="")

    __table_args__ = (
        sa.Index("ix_complainant_office_phone", "office_id", "phone"),
        # Repeat complaints compare rooms within an office (reports); caller history and
        # quick search look rooms up too.
        sa.Index("ix_complainant_office_room", "office_id", "room"),
        # Substring search on name, phone and room (core.search; on SQLite: complainant_fts,
        # and complainant_grams for one or two characters).
        sa.Index("ix_complainant_search_trgm", "name", "phone", "room", postgresql_using="gin",
                 postgresql_ops={"name": "gin_trgm_ops", "phone": "gin_trgm_ops", "room": "gin_trgm_ops"},
                 ).ddl_if(dialect="postgresql"),
        sa.Index("ix_complainant_search_grams", sa.text("app_grams(name)"), sa.text("app_grams(phone)"),
                 sa.text("app_grams(room)"), postgresql_using="gin").ddl_if(dialect="postgresql"),
        sa.Index("ix_complainant_office_phone_last4", "office_id", "phone_last4"),
        # Quick search by name, whole or its beginning (LIKE 'prefix%' needs the pattern
        # operator class under any collation but C).
        sa.Index("ix_complainant_office_name", "office_id", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
    )

    @validates("phone")
    def _keep_last4(self, key, phone):
        self.phone_last4 = last4(phone)
        return phone

    def __str__(self):
        return f"{self.name} {self.room}".strip()

    def __repr__(self):
        return f"<Complainant {self.id}>"


def last4(phone) -> str:
    """The last four digits of a phone number as written ("138-0000-1234" → "1234"), or ""."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


class CaseCounter(Model):
    """The last case number given out per office and local day."""

    __tablename__ = "case_counter"
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), primary_key=True)
    day = sa.Column(sa.Date, primary_key=True)
    last = sa.Column(sa.Integer, nullable=False)


# The conditions of the partial indexes over open and overdue cases. The queries state them in
# the same words, with the states written into the SQL, so both databases use these indexes.
OPEN = sa.text("status NOT IN ('CLOSED', 'VOIDED')")
OVERDUE = sa.text("overdue_since IS NOT NULL")
OPEN_NOT_OVERDUE = sa.text("status NOT IN ('CLOSED', 'VOIDED') AND overdue_since IS NULL")
# The deadline a case's badge shows: the oldest missed one, else the next (lists sort by it); a
# case without one sorts after every date. (A constant rather than NULLS LAST, an order that
# SQLite's indexes cannot give: the queue would sort every open case.) See queue_due().
NO_DEADLINE = "9999-12-31 00:00:00"
QUEUE_DUE = sa.text(f"coalesce(overdue_since, next_due_at, '{NO_DEADLINE}')")


class Complaint(Model):
    """One complaint case and where it stands in the workflow."""

    __tablename__ = "complaint"
    id = sa.Column(sa.Integer, primary_key=True)
    case_number = sa.Column(sa.String(40), unique=True, nullable=False)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"), nullable=False)
    # Lists show these on every row: load them in the list's own query.
    office = relationship(Office, lazy="joined")
    channel = sa.Column(enum_column(Channel), nullable=False, default=Channel.PHONE)
    category_id = sa.Column(sa.Integer, sa.ForeignKey("category.id", ondelete="RESTRICT"), nullable=False)
    category = relationship(Category, lazy="joined")
    urgency = sa.Column(enum_column(Urgency), nullable=False, default=Urgency.GENERAL, index=True)
    grade = sa.Column(enum_column(Grade), index=True)
    validity = sa.Column(enum_column(Validity), nullable=False, default=Validity.PENDING, index=True)
    tier = sa.Column(sa.Integer, nullable=False, default=1)
    status = sa.Column(enum_column(Status), nullable=False, default=Status.RECEIVED)
    assignee_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    assignee = relationship(User, foreign_keys=[assignee_id], lazy="joined")
    respondent_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), index=True)
    respondent = relationship(User, foreign_keys=[respondent_id])
    respondent_department = sa.Column(sa.String(100))
    complainant_id = sa.Column(sa.Integer, sa.ForeignKey("complainant.id"), nullable=False, index=True)
    complainant = relationship(Complainant, lazy="joined")
    description = sa.Column(sa.Text, nullable=False)
    on_the_spot = sa.Column(sa.Boolean, nullable=False, default=False)

    plan_measures = sa.Column(sa.Text)
    plan_deadline = sa.Column(UTCDateTime)
    plan_owner_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    plan_owner = relationship(User, foreign_keys=[plan_owner_id])
    resolution = sa.Column(sa.Text)
    void_reason = sa.Column(sa.Text)

    received_at = sa.Column(UTCDateTime, nullable=False)
    acknowledged_at = sa.Column(UTCDateTime)
    first_feedback_at = sa.Column(UTCDateTime)
    investigation_started_at = sa.Column(UTCDateTime)
    plan_proposed_at = sa.Column(UTCDateTime)
    plan_approved_at = sa.Column(UTCDateTime)
    resolved_at = sa.Column(UTCDateTime)
    confirmed_at = sa.Column(UTCDateTime)
    closed_at = sa.Column(UTCDateTime)
    voided_at = sa.Column(UTCDateTime)
    escalated_at = sa.Column(UTCDateTime)
    on_site_at = sa.Column(UTCDateTime)
    # When the return visit of the latest resolution was signed off (the visits domain sets it).
    return_visited_at = sa.Column(UTCDateTime)
    # How often a return visit found the resident not satisfied: shown on the case and in lists.
    dissatisfied_visits = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    # Kept up to date from the case's deadlines, so lists sort, filter and colour by them:
    # the earliest running due time, and the due time of the oldest missed one still open.
    next_due_at = sa.Column(UTCDateTime, index=True)
    overdue_since = sa.Column(UTCDateTime)

    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    created_by = relationship(User, foreign_keys=[created_by_id])
    updated_at = sa.Column(UTCDateTime, nullable=False)
    # Bumped by every change; a save or action made against an older version is refused.
    version = sa.Column(sa.Integer, nullable=False)

    events = relationship("ComplaintEvent", back_populates="complaint", order_by="ComplaintEvent.id",
                          passive_deletes="all")
    attachments = relationship("Attachment", back_populates="complaint", order_by="Attachment.id",
                               passive_deletes="all")
    deadlines = relationship("ComplaintDeadline", back_populates="complaint", order_by="ComplaintDeadline.id",
                             passive_deletes="all")

    # The workflow sets the version itself (one step per change); the UPDATE checks the old one.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # Queues, filters and the default order (newest first) each have an index; those that
        # serve an order end in id, the lists' tie-breaker, so no page sorts or skips rows.
        sa.Index("ix_complaint_office_received", "office_id", "received_at", "id"),
        sa.Index("ix_complaint_received", "received_at", "id"),
        # The category filter (and the reports' drill-downs), per office and for all offices.
        sa.Index("ix_complaint_office_category_received", "office_id", "category_id", "received_at", "id"),
        sa.Index("ix_complaint_category_received", "category_id", "received_at", "id"),
        # Open cases (a few percent of all): "my queue" in today's order (longest waiting
        # first) and emergencies first by next deadline (urgency sorts EMERGENCY < GENERAL),
        # per office and for all offices. Partial indexes end in the columns their condition
        # and the queue read, so that SQLite answers from the index alone, as PostgreSQL does.
        sa.Index("ix_complaint_open_office_received", "office_id", "received_at", "id", "tier", "assignee_id", "status",
                 postgresql_where=OPEN, sqlite_where=OPEN),
        sa.Index("ix_complaint_open_received", "received_at", "id", "tier", "assignee_id", "status",
                 postgresql_where=OPEN, sqlite_where=OPEN),
        # My queue: emergencies first (urgency sorts EMERGENCY < GENERAL), then the missed or
        # next deadline (QUEUE_DUE, the deadline column's order), per office and for all; with
        # what the queue's condition reads, so that the walk in this order stays in the index.
        sa.Index("ix_complaint_open_office_queue", "office_id", "urgency", QUEUE_DUE, "id", "tier", "assignee_id",
                 postgresql_where=OPEN, sqlite_where=OPEN),
        sa.Index("ix_complaint_open_queue", "urgency", QUEUE_DUE, "id", "tier", "assignee_id",
                 postgresql_where=OPEN, sqlite_where=OPEN),
        # The status filter, newest first, per office and for all offices.
        sa.Index("ix_complaint_office_status_received", "office_id", "status", "received_at", "id"),
        sa.Index("ix_complaint_status_received", "status", "received_at", "id"),
        # Overdue cases, newest first (the "overdue" list and tile), and what is due next among
        # the others (the "due today" tile).
        sa.Index("ix_complaint_overdue_office_received", "office_id", "received_at", "id", "status", "overdue_since",
                 postgresql_where=OVERDUE, sqlite_where=OVERDUE),
        sa.Index("ix_complaint_overdue_received", "received_at", "id", "status", "overdue_since",
                 postgresql_where=OVERDUE, sqlite_where=OVERDUE),
        sa.Index("ix_complaint_due_office", "office_id", "next_due_at", "status", "overdue_since", "tier",
                 "assignee_id", postgresql_where=OPEN_NOT_OVERDUE, sqlite_where=OPEN_NOT_OVERDUE),
        sa.Index("ix_complaint_due", "next_due_at", "status", "overdue_since", "tier", "assignee_id",
                 postgresql_where=OPEN_NOT_OVERDUE, sqlite_where=OPEN_NOT_OVERDUE),
        # Substring search on the description (core.search; on SQLite: complaint_fts, and
        # complaint_grams for one or two characters).
        sa.Index("ix_complaint_description_trgm", "description", postgresql_using="gin",
                 postgresql_ops={"description": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        sa.Index("ix_complaint_description_grams", sa.text("app_grams(description)"), postgresql_using="gin",
                 ).ddl_if(dialect="postgresql"),
        sa.Index("ix_complaint_office_status_tier", "office_id", "status", "tier"),
        sa.Index("ix_complaint_status_tier", "status", "tier"),
        sa.Index("ix_complaint_assignee_status", "assignee_id", "status"),
        sa.Index("ix_complaint_tier", "tier"),
        sa.Index("ix_complaint_channel", "channel"),
        # Reports: earlier cases of a complainant's room by category and time (repeat
        # complaints), and valid complaints per respondent per year (staff accountability).
        sa.Index("ix_complaint_complainant_category_received", "complainant_id", "category_id", "received_at"),
        sa.Index("ix_complaint_respondent_validity_received", "respondent_id", "validity", "received_at"),
        # Quick search by the beginning of a case number (the unique index serves whole ones).
        sa.Index("ix_complaint_case_number_prefix", "case_number",
                 postgresql_ops={"case_number": "varchar_pattern_ops"}),
    )

    def __str__(self):
        return self.case_number

    @property
    def deadline_state(self):
        """(overdue since, next due) for the lists' "due in / overdue by" column."""
        return self.overdue_since, self.next_due_at

    def __repr__(self):
        return f"<Complaint {self.case_number} {self.status.name if self.status else None}>"


def queue_due():
    """QUEUE_DUE as an expression of the model: the queue's and the deadline column's order key,
    in the words of the queue's indexes."""
    return sa.func.coalesce(Complaint.overdue_since, Complaint.next_due_at, sa.literal_column(f"'{NO_DEADLINE}'"))


def major_candidate():
    """A valid complaint still open and not yet major: the one-month rule's candidates
    (deadlines.py). Their partial index holds only these, so finding the ones a month old
    costs the same however many cases are closed. The values are written into the SQL, as in
    the index's condition: a planner matches the two only then (SQLite always, PostgreSQL in
    a prepared statement's generic plan)."""
    def written(value, column):
        return sa.bindparam(None, value, type_=column.type, literal_execute=True, expanding=isinstance(value, list))

    return sa.and_(Complaint.validity == written(Validity.VALID, Complaint.validity),
                   Complaint.status.in_(written(Status.open_states(), Complaint.status)),
                   sa.or_(Complaint.grade.is_(None), Complaint.grade != written(Grade.MAJOR, Complaint.grade)))


sa.Index("ix_complaint_major_candidates", Complaint.received_at,
         postgresql_where=major_candidate(), sqlite_where=major_candidate())


class ComplaintEvent(Model):
    """One entry of a complaint's history: who did what, when, from which state to which.
    Rows are never updated or deleted."""

    __tablename__ = "complaint_event"
    id = sa.Column(sa.Integer, primary_key=True)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), nullable=False, index=True)
    complaint = relationship(Complaint, back_populates="events")
    at = sa.Column(UTCDateTime, nullable=False)
    # Null actor means the system itself (scheduler, automatic rule).
    actor_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    actor = relationship(User, lazy="joined")
    kind = sa.Column(enum_column(EventKind), nullable=False)
    from_status = sa.Column(enum_column(Status))
    to_status = sa.Column(enum_column(Status))
    from_tier = sa.Column(sa.Integer)
    to_tier = sa.Column(sa.Integer)
    note = sa.Column(sa.Text, nullable=False, default="")
    # The complaint's version after this event: "what changed since version N".
    version = sa.Column(sa.Integer, nullable=False)

    def __repr__(self):
        return f"<ComplaintEvent {self.complaint_id} {self.kind.name}>"


class Attachment(Model):
    """An evidence file of a complaint, stored outside the web root under a random name."""

    __tablename__ = "attachment"
    id = sa.Column(sa.Integer, primary_key=True)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), nullable=False, index=True)
    complaint = relationship(Complaint, back_populates="attachments")
    original_name = sa.Column(sa.String(255), nullable=False)
    stored_name = sa.Column(sa.String(64), unique=True, nullable=False)
    content_type = sa.Column(sa.String(100), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"))
    uploaded_by = relationship(User)
    uploaded_at = sa.Column(UTCDateTime, nullable=False)

    def __str__(self):
        return self.original_name


@sa.event.listens_for(ComplaintEvent, "before_update")
@sa.event.listens_for(ComplaintEvent, "before_delete")
def _event_log_is_append_only(mapper, connection, target):
    raise RuntimeError("complaint events are append-only")


class DeadlinePolicy(Model):
    """A time limit for one kind of deadline, for a category (or all) × urgency or grade
    (or any), company-wide or overriding it for one office."""

    __tablename__ = "deadline_policy"
    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(enum_column(DeadlineKind), nullable=False)
    office_id = sa.Column(sa.Integer, sa.ForeignKey("office.id", ondelete="RESTRICT"))
    office = relationship(Office)
    category_id = sa.Column(sa.Integer, sa.ForeignKey("category.id", ondelete="RESTRICT"))
    category = relationship(Category)
    urgency = sa.Column(enum_column(Urgency))
    grade = sa.Column(enum_column(Grade))
    amount = sa.Column(sa.Integer, nullable=False)
    unit = sa.Column(enum_column(DeadlineUnit), nullable=False)
    # Whether missing it moves the case up a tier (e.g. resolution overdue at tier 1 → tier 2).
    escalates = sa.Column(sa.Boolean, nullable=False, default=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)

    __table_args__ = (sa.CheckConstraint("amount > 0", name="ck_deadline_policy_amount_positive"),)

    def __repr__(self):
        return f"<DeadlinePolicy {self.kind.name} {self.amount} {self.unit.name}>"


# Deadlines whose reminder has yet to go out: a missed or paused one leaves the index, so the
# sweep reads only what it will remind.
_REMINDER_DUE = ("met_at IS NULL AND cancelled_at IS NULL AND reminded_at IS NULL AND breached_at IS NULL "
                 "AND paused_at IS NULL")


class ComplaintDeadline(Model):
    """One deadline of one case: when it is due and what became of it."""

    __tablename__ = "complaint_deadline"
    id = sa.Column(sa.Integer, primary_key=True)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), nullable=False)
    complaint = relationship(Complaint, back_populates="deadlines")
    kind = sa.Column(enum_column(DeadlineKind), nullable=False)
    policy_id = sa.Column(sa.Integer, sa.ForeignKey("deadline_policy.id"), index=True)
    starts_at = sa.Column(UTCDateTime, nullable=False)
    due_at = sa.Column(UTCDateTime, nullable=False)
    remind_at = sa.Column(UTCDateTime)
    escalates = sa.Column(sa.Boolean, nullable=False, default=False)
    met_at = sa.Column(UTCDateTime)
    cancelled_at = sa.Column(UTCDateTime)
    reminded_at = sa.Column(UTCDateTime)
    breached_at = sa.Column(UTCDateTime)
    paused_at = sa.Column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "kind", name="uq_complaint_deadline_kind"),
        # The sweep reads only pending deadlines: small partial indexes over them.
        sa.Index("ix_deadline_pending_due", "due_at",
                 postgresql_where=sa.text("met_at IS NULL AND cancelled_at IS NULL AND breached_at IS NULL"),
                 sqlite_where=sa.text("met_at IS NULL AND cancelled_at IS NULL AND breached_at IS NULL")),
        sa.Index("ix_deadline_pending_remind", "remind_at", postgresql_where=sa.text(_REMINDER_DUE),
                 sqlite_where=sa.text(_REMINDER_DUE)),
        # The sweep finds the deadlines it has just flagged or reminded (and a test of "not yet"
        # never picks these indexes).
        sa.Index("ix_deadline_breached", "breached_at", postgresql_where=sa.text("breached_at IS NOT NULL"),
                 sqlite_where=sa.text("breached_at IS NOT NULL")),
        sa.Index("ix_deadline_reminded", "reminded_at", postgresql_where=sa.text("reminded_at IS NOT NULL"),
                 sqlite_where=sa.text("reminded_at IS NOT NULL")),
    )

    @property
    def pending(self):
        return self.met_at is None and self.cancelled_at is None
