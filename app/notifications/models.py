"""The notification table. A notification points at the case it is about (and at that case's
deadline, for reminders and missed deadlines); their models are named by string, so this
package needs no import of any domain."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.core.types import UTCDateTime, enum_column
from app.deadlines.enums import DeadlineKind

from .enums import NotificationKind
from .formatting import sentence


class Notification(Model):
    """A message to one staff member about one case (reminder, missed deadline, escalation)."""

    __tablename__ = "notification"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False)
    user = relationship(User)
    complaint_id = sa.Column(sa.Integer, sa.ForeignKey("complaint.id"), nullable=False, index=True)
    complaint = relationship("Complaint", lazy="joined")
    kind = sa.Column(enum_column(NotificationKind), nullable=False)
    deadline_kind = sa.Column(enum_column(DeadlineKind))
    created_at = sa.Column(UTCDateTime, nullable=False)
    read_at = sa.Column(UTCDateTime)
    # The deadline it is about (kind of the case), for the inbox's sentence: loaded for a
    # whole page in one query.
    deadline = relationship(
        "ComplaintDeadline", viewonly=True, lazy="selectin", uselist=False,
        primaryjoin="and_(Notification.complaint_id == foreign(ComplaintDeadline.complaint_id), "
                    "Notification.deadline_kind == foreign(ComplaintDeadline.kind))")

    __table_args__ = (
        sa.Index("ix_notification_user_unread", "user_id", "read_at"),
        # The inbox: one's own, newest first (id breaks ties).
        sa.Index("ix_notification_user_created", "user_id", "created_at", "id"),
    )

    @property
    def summary(self):
        """What happened, in one sentence (the inbox's main column)."""
        return sentence(self)
