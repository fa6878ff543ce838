"""The export record: who exported what, when, with which filters and how many rows."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.core.types import UTCDateTime


class ExportRecord(Model):
    """One export a user started. `rows` and `completed` are set when the download ends; an
    export the browser broke off stays incomplete with the rows sent so far."""

    __tablename__ = "export_record"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False, index=True)
    user = relationship(User, lazy="joined")
    started_at = sa.Column(UTCDateTime, nullable=False, index=True)
    # complaints, queue, accountability or monthly
    kind = sa.Column(sa.String(32), nullable=False)
    file_format = sa.Column(sa.String(8), nullable=False)
    # The query string the export was asked with: its filters, search and period.
    filters = sa.Column(sa.Text, nullable=False, default="")
    personal_data = sa.Column(sa.Boolean, nullable=False, default=False)
    rows = sa.Column(sa.Integer, nullable=False, default=0)
    completed = sa.Column(sa.Boolean, nullable=False, default=False)

    def __repr__(self):
        return f"<ExportRecord {self.kind}.{self.file_format} by {self.user_id}>"
