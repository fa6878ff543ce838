"""Offices and their staff: the organisation every domain's office scope reads."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

office_staff = sa.Table(
    "office_staff",
    Model.metadata,
    sa.Column("office_id", sa.Integer, sa.ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Office(Model):
    """A management office (管理处) with its own staff and households."""

    __tablename__ = "office"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(16), unique=True, nullable=False)
    name = sa.Column(sa.String(100), unique=True, nullable=False)
    households = sa.Column(sa.Integer, nullable=False, default=0)
    # Cases keep their office for good: an office that closes is deactivated, never deleted.
    active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    staff = relationship(User, secondary=office_staff, backref="offices")

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<Office {self.code}>"
