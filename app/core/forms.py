"""Form fields every domain's screens use: labelled-enum selects and list filters, selects of
rows by id, and a checkbox that can be left unticked."""
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput

from .params import parse_id


def enum_select(enum_cls, label, optional=False, default=None):
    """A select of an enum's members by translated label; its data is the member (or None)."""
    return SelectField(label, choices=([("", "—")] if optional else []) + enum_cls.choices(), default=default,
                       coerce=lambda v: v if isinstance(v, enum_cls) or v is None else enum_cls[v] if v else None,
                       widget=Select2Widget(), validators=[Optional()] if optional else [DataRequired()])


def row_select(label, required=True):
    """A select of rows by id; its data is the id, None when nothing was chosen, or the text
    sent when it names no row.

    The choices are what the user is offered, not the rule: whether the row exists and may be
    chosen is the workflow's to say, so a forged or stale value gets the workflow's message."""
    return SelectField(label, coerce=_id_or_text, validate_choice=False, widget=Select2Widget(),
                       validators=[InputRequired()] if required else [Optional()])


def _id_or_text(value):
    row_id = parse_id(value)
    return row_id if row_id is not None else (value or None)


def enum_filter(enum_cls, label):
    """A list filter's select of an enum's members by translated label. FAB names the filter
    by its field's label (not the view's label_columns), so it needs the column's."""
    return SelectField(label, choices=enum_cls.choices())


def checkbox(label):
    """A checkbox for a NOT NULL boolean column."""
    # FAB makes a checkbox of a NOT NULL column required, so "unticked" could not be saved.
    return BooleanField(label, widget=CheckboxInput())
