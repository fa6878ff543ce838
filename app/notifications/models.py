"""The notification table. A notification points at the case or the visit it is about; their
models are named by string, so this package needs no import of any domain."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.core.types import UTCDateTime, enum_column
from app.deadlines.enums import DeadlineKind

from .enums import NotificationKind


class Notification(Model):
    """A message to one staff member about one case or visit (reminder, missed deadline,
    escalation)."""

    __tablename__ = "notification"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False)
    user = relationship(User)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint", lazy="joined")
    # A visit's own deadlines (a routine visit's rectification notice has no case).
    visit_id = sa.Column(sa.Integer, sa.ForeignKey("visit.id"), index=True)
    visit = relationship("Visit", lazy="joined")
    kind = sa.Column(enum_column(NotificationKind), nullable=False)
    deadline_kind = sa.Column(enum_column(DeadlineKind))
    created_at = sa.Column(UTCDateTime, nullable=False)
    read_at = sa.Column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_notification_user_unread", "user_id", "read_at"),
        sa.CheckConstraint("complaint_id IS NOT NULL OR visit_id IS NOT NULL", name="ck_notification_subject"),
    )
