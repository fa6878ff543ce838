"""Form fields every domain's screens use: labelled-enum selects and list filters, and a
checkbox that can be left unticked."""
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput


def enum_select(enum_cls, label, optional=False, default=None):
    """A select of an enum's members by translated label; its data is the member (or None)."""
    return SelectField(label, choices=([("", "—")] if optional else []) + enum_cls.choices(), default=default,
                       coerce=lambda v: v if isinstance(v, enum_cls) or v is None else enum_cls[v] if v else None,
                       widget=Select2Widget(), validators=[Optional()] if optional else [DataRequired()])


def enum_filter(enum_cls):
    """A list filter's select of an enum's members by translated label."""
    return SelectField(choices=enum_cls.choices())


def checkbox(label):
    """A checkbox for a NOT NULL boolean column."""
    # FAB makes a checkbox of a NOT NULL column required, so "unticked" could not be saved.
    return BooleanField(label, widget=CheckboxInput())
