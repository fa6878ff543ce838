"""Forms of the complaint screens: intake (fit for a phone call) and edit."""
import sqlalchemy as sa
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.core.formatting import person_name
from app.core.forms import (
    LOCAL_TIME_EXAMPLE,
    LocalDateTimeField,
    TelWidget,
    enum_radio,
    enum_select,
    row_select,
)
from app.core.models import Office, office_staff

from .enums import Channel, Grade, Urgency
from .formatting import FIELD_LABELS
from .models import Category


class _DetailsForm(DynamicForm):
    """Fields staff may set at intake and change later."""

    # Nothing chosen beforehand: a category or urgency the call-taker did not choose would be
    # saved silently (issue: an emergency saved as a neighbour dispute, general).
    category_id = row_select(FIELD_LABELS["category_id"], message=_l("Choose a category."),
                             placeholder=_l("Choose a category"))
    urgency = enum_radio(Urgency, FIELD_LABELS["urgency"], message=_l("Choose general or emergency."))
    channel = enum_select(Channel, FIELD_LABELS["channel"], default=Channel.PHONE)
    grade = enum_select(Grade, FIELD_LABELS["grade"], optional=True)
    description = TextAreaField(FIELD_LABELS["description"], widget=BS3TextAreaFieldWidget(),
                                validators=[DataRequired(), Length(max=5000)])
    respondent_id = row_select(FIELD_LABELS["respondent_id"], required=False)
    respondent_department = StringField(FIELD_LABELS["respondent_department"], widget=BS3TextFieldWidget(),
                                        validators=[Optional(), Length(max=100)])

    def fill_choices(self, session, office_ids):
        """Offer active categories and the staff of the user's offices (the workflow decides
        whether the submitted ones may be chosen)."""
        categories = session.scalars(sa.select(Category).where(Category.active.is_(True))
                                     .order_by(Category.code)).all()
        self.category_id.choices = [("", "")] + [(c.id, str(c)) for c in categories]
        staff = sa.select(User).where(User.active.is_(True)).order_by(User.username)
        if office_ids is not None:
            staff = staff.join(office_staff, office_staff.c.user_id == User.id).where(
                office_staff.c.office_id.in_(sorted(office_ids)))
        self.respondent_id.choices = [("", "—")] + [(u.id, person_name(u))
                                                     for u in session.scalars(staff).unique()]

    def details(self) -> dict:
        """The submitted values, typed for the workflow."""
        return {
            "category_id": self.category_id.data,
            "urgency": self.urgency.data,
            "channel": self.channel.data,
            "grade": self.grade.data,
            "description": self.description.data.strip(),
            "respondent_id": self.respondent_id.data or None,
            "respondent_department": (self.respondent_department.data or "").strip() or None,
        }


class IntakeForm(_DetailsForm):
    """Register a complaint: category and urgency up front, few required fields."""

    office_id = row_select(FIELD_LABELS["office_id"])
    complainant_name = StringField(FIELD_LABELS["complainant_name"], widget=BS3TextFieldWidget(),
                                   validators=[DataRequired(), Length(max=50)])
    complainant_room = StringField(FIELD_LABELS["complainant_room"], widget=BS3TextFieldWidget(), validators=[Optional(), Length(max=30)])
    complainant_phone = StringField(
        FIELD_LABELS["complainant_phone"], widget=TelWidget(),
        validators=[Optional(), Length(max=30),
                    Regexp(r"^[0-9+\-() ]*$", message=_l("Digits, spaces and + - ( ) only."))])
    # Back-dated to the minute for a call taken earlier (e.g. noted on paper during an outage).
    received_at = LocalDateTimeField(FIELD_LABELS["received_at"], validators=[Optional()], latest_now=True,
                                     placeholder=_l("Now"),
                                     description=_l("Local time, e.g. %(example)s; leave empty for now.",
                                                     example=LOCAL_TIME_EXAMPLE))

    def fill_choices(self, session, office_ids):
        super().fill_choices(session, office_ids)
        offices = sa.select(Office).where(Office.active.is_(True)).order_by(Office.code)
        if office_ids is not None:
            offices = offices.where(Office.id.in_(sorted(office_ids)))
        self.office_id.choices = [(o.id, str(o)) for o in session.scalars(offices)]

    def intake(self) -> dict:
        """The submitted values, typed for workflow.open_case()."""
        return dict(
            self.details(), office_id=self.office_id.data,
            complainant_name=self.complainant_name.data.strip(),
            complainant_room=(self.complainant_room.data or "").strip(),
            complainant_phone=(self.complainant_phone.data or "").strip(),
            received_at=self.received_at.data,
        )


class EditForm(_DetailsForm):
    """Edit a case's details; `version` is the version the user loaded."""

    version = HiddenField()


INTAKE_COLUMNS = ["category_id", "urgency", "office_id", "complainant_phone", "complainant_room",
                  "complainant_name", "description", "channel", "grade", "respondent_id",
                  "respondent_department", "received_at"]
EDIT_COLUMNS = ["category_id", "urgency", "channel", "grade", "description", "respondent_id",
                "respondent_department", "version"]
