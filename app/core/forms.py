"""Form fields every domain's screens use: labelled-enum selects, radio choices and list
filters, selects of rows by id, a checkbox that can be left unticked, phone inputs, and a local
time to the minute with its picker."""
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, Field, RadioField, SelectField, widgets
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, html_params

from . import clock
from .params import MAX_YEAR, MIN_YEAR, parse_datetime, parse_id


class Select2Widget(widgets.Select):
    """FAB's Select2 select (FAB's scripts turn `my_select2` into one), with a placeholder of its
    own and no `required` attribute: Select2 hides the real select, so the browser could not
    point at it; the form's own check says what is missing, in the user's language, next to
    the field."""

    def __init__(self, placeholder=None):
        super().__init__()
        self.placeholder = placeholder

    def __call__(self, field, **kwargs):
        kwargs["class"] = "my_select2 form-control"
        kwargs["data-placeholder"] = self.placeholder or _l("Select Value")
        kwargs.setdefault("required", False)
        return super().__call__(field, **kwargs)


def enum_select(enum_cls, label, optional=False, default=None):
    """A select of an enum's members by translated label; its data is the member (or None)."""
    return SelectField(label, choices=([("", "—")] if optional else []) + enum_cls.choices(), default=default,
                       coerce=_enum_or_none(enum_cls), widget=Select2Widget(),
                       validators=[Optional()] if optional else [DataRequired()])


def _enum_or_none(enum_cls):
    return lambda v: v if isinstance(v, enum_cls) or v is None else enum_cls[v] if v else None


class InlineRadioWidget:
    """Radio buttons side by side (Bootstrap's radio-inline), each choice one click or key."""

    def __call__(self, field, **kwargs):
        kwargs.pop("class", None)
        buttons = []
        for option in field:
            attributes = {"type": "radio", "name": field.name, "id": option.id, "value": option._value()}
            if option.checked:
                attributes["checked"] = True
            buttons.append(Markup('<label class="radio-inline" for="{}"><input {}> {}</label>').format(
                option.id, Markup(html_params(**attributes)), option.label.text))
        return Markup('<div id="{}" class="radio-choice" role="radiogroup">{}</div>').format(
            field.id, Markup("").join(buttons))


def enum_radio(enum_cls, label, message):
    """An explicit choice of one of an enum's members, none chosen beforehand; `message` says
    what is missing when none is chosen."""
    return RadioField(label, choices=enum_cls.choices(), coerce=_enum_or_none(enum_cls),
                      widget=InlineRadioWidget(), validators=[InputRequired(message=message)])


def row_select(label, required=True, message=None, placeholder=None):
    """A select of rows by id; its data is the id, None when nothing was chosen, or the text
    sent when it names no row. With a `placeholder` nothing is chosen beforehand (fill_choices
    puts an empty choice first) and `message` says what is missing.

    The choices are what the user is offered, not the rule: whether the row exists and may be
    chosen is the workflow's to say, so a forged or stale value gets the workflow's message."""
    return SelectField(label, coerce=_id_or_text, validate_choice=False, widget=Select2Widget(placeholder),
                       validators=[InputRequired(message=message)] if required else [Optional()])


def _id_or_text(value):
    row_id = parse_id(value)
    return row_id if row_id is not None else (value or None)


def enum_filter(enum_cls, label=None):
    """A list filter's select of an enum's members by translated label. FAB names the filter
    by its field's label (not the view's label_columns), so give it the column's."""
    return SelectField(label, choices=enum_cls.choices())


def checkbox(label, default=False):
    """A checkbox for a NOT NULL boolean column, ticked on a new row when `default`."""
    # FAB makes a checkbox of a NOT NULL column required, so "unticked" could not be saved.
    return BooleanField(label, default=default, widget=CheckboxInput())


class TelWidget(BS3TextFieldWidget):
    """A phone number input: phones show their number pad."""

    input_type = "tel"

    def __call__(self, field, **kwargs):
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class MinutePickerWidget:
    """FAB's date-time input group, with a picker to the minute in the user's language (weeks
    from Monday) instead of FAB's date-only one (app/static/js/forms.js); typing works too.
    `data-max` is now in local time: nothing after it can be picked."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("value", field._value())
        kwargs.update({"type": "text", "class": "form-control", "autocomplete": "off",
                       "data-minute-picker": ""})
        if getattr(field, "placeholder", None):
            kwargs["placeholder"] = field.placeholder
        if getattr(field, "latest_now", False):
            kwargs["data-max"] = clock.local(clock.now()).strftime(LOCAL_TIME_FORMAT)
        return Markup('<div class="input-group minute-picker"><span class="input-group-addon">'
                      '<i class="fa fa-calendar" aria-hidden="true"></i></span><input {}></div>'
                      ).format(Markup(html_params(**kwargs)))


LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"
LOCAL_TIME_EXAMPLE = "2026-11-20 14:30"


class LocalDateTimeField(Field):
    """A time to the minute in the company's local time, read by core.params.parse_datetime
    ("2026-11-20 14:30", also with slashes or seconds); its data is an aware datetime or None.
    What was typed is shown again as typed when it cannot be read."""

    widget = MinutePickerWidget()

    def __init__(self, label=None, validators=None, latest_now=False, placeholder=None, **kwargs):
        kwargs.setdefault("description", _l("Local time, e.g. %(example)s.", example=LOCAL_TIME_EXAMPLE))
        super().__init__(label, validators, **kwargs)
        self.latest_now = latest_now
        self.placeholder = placeholder

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return clock.local(self.data).strftime(LOCAL_TIME_FORMAT) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = parse_datetime(valuelist[0])
        if self.data is None:
            raise ValueError(_l("Enter a date and time like %(example)s, in the years %(first)d to %(last)d.",
                                example=LOCAL_TIME_EXAMPLE, first=MIN_YEAR, last=MAX_YEAR))
