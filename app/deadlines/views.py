"""The working-day calendar screens (administrators): days off the weekly pattern, confirmed
years, and a year's whole arrangement entered at once."""
from flask import flash, redirect, request, url_for
from flask_appbuilder import SimpleFormView
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, FileInput, TextArea

from app.core import clock
from app.core.extensions import db
from app.core.filters import Interface
from app.core.forms import checkbox
from app.core.lists import ModelView
from app.core.params import MAX_YEAR, MIN_YEAR
from app.core.permissions import RESOURCE_CALENDAR
from app.core.security import current_actor

from .models import CalendarDay, CalendarYear
from .workdays import (
    ArrangementError,
    enter_arrangement,
    parse_arrangement,
    unconfirmed_years,
)

# The largest arrangement file read (a year's notice is a few kilobytes).
ARRANGEMENT_MAX_BYTES = 256 * 1024


class CalendarDayView(ModelView):
    """Days off the weekly pattern: holidays on weekdays, make-up working days (administrators)."""

    route_base = "/calendar-days"
    datamodel = Interface(CalendarDay)
    class_permission_name = RESOURCE_CALENDAR
    list_title = _l("Working-day calendar")
    show_title = add_title = edit_title = _l("Calendar day")
    base_order = ("day", "desc")
    list_columns = add_columns = edit_columns = show_columns = ["day", "is_working", "name"]
    search_columns = ["day", "is_working", "name"]
    label_columns = {"day": _l("Date"), "is_working": _l("Working day"), "name": _l("Name")}
    add_form_extra_fields = edit_form_extra_fields = {"is_working": checkbox(_l("Working day"))}


class CalendarYearView(ModelView):
    """Which years' holiday arrangements are entered and confirmed (administrators)."""

    route_base = "/calendar-years"
    datamodel = Interface(CalendarYear)
    class_permission_name = RESOURCE_CALENDAR
    list_title = _l("Calendar years")
    show_title = add_title = edit_title = _l("Calendar year")
    base_order = ("year", "desc")
    list_columns = add_columns = edit_columns = show_columns = ["year", "confirmed", "note"]
    label_columns = {"year": _l("Year"), "confirmed": _l("Arrangement confirmed"), "note": _l("Note")}
    add_form_extra_fields = edit_form_extra_fields = {"confirmed": checkbox(_l("Arrangement confirmed"))}


class _ArrangementText(TextArea):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("rows", 12)
        kwargs.setdefault("placeholder", "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n2027-02-06 至 2027-02-12 春节\n2027-02-14 上班 春节")
        return super().__call__(field, **kwargs)


class ArrangementForm(DynamicForm):
    year = IntegerField(_l("Year"), widget=BS3TextFieldWidget(),
                        validators=[InputRequired(), NumberRange(MIN_YEAR, MAX_YEAR)])
    text = TextAreaField(
        _l("Holidays and make-up working days"), widget=_ArrangementText(),
        description=_l("Paste the State Council's notice (one holiday a line, as it is published), or write one "
                       "day or range a line: “2027-02-06 至 2027-02-12 春节”, “2027-02-14 上班 春节”. The year's "
                       "calendar is replaced by this list, all of it or nothing."))
    file = FileField(_l("Or a text file with the same lines"), widget=FileInput(),
                     render_kw={"class": "form-control", "accept": ".txt,.csv,text/plain"})
    confirm = BooleanField(_l("Confirm the year's arrangement"), default=True, widget=CheckboxInput())


class CalendarImportView(SimpleFormView):
    """A year's holiday arrangement entered at once from the official list (administrators)."""

    # Its own permissions (can_this_form_get / _post on CalendarImportView): administrators.
    route_base = "/calendar-import"
    form = ArrangementForm
    form_title = _l("Enter a year's holiday arrangement")

    def form_get(self, form):
        today = clock.local(clock.now()).date()
        years = unconfirmed_years(db.session, today)
        form.year.data = years[-1] if years else today.year + 1

    def form_post(self, form):
        text = form.text.data or ""
        upload = request.files.get(form.file.name)
        if upload and upload.filename:
            content = upload.read(ARRANGEMENT_MAX_BYTES + 1)
            if len(content) > ARRANGEMENT_MAX_BYTES:
                return self._refused(form, [_("The file is larger than %(kb)d KB.", kb=ARRANGEMENT_MAX_BYTES // 1024)])
            text = _decoded(content)
            form.text.data = text
        try:
            arrangement = parse_arrangement(text, form.year.data)
            enter_arrangement(db.session, arrangement, form.confirm.data,
                              note=_("Entered by %(name)s on %(day)s", name=current_actor().name,
                                     day=clock.local(clock.now()).date().isoformat()))
        except ArrangementError as e:
            return self._refused(form, e.problems)
        flash(_("%(year)d: %(holidays)d holidays on weekdays and %(days)d make-up working days entered.",
                year=arrangement.year, holidays=arrangement.holidays, days=arrangement.working_days), "success")
        return redirect(url_for("CalendarDayView.list"))

    def _refused(self, form, problems):
        flash(_("Nothing was saved: correct the lines below and enter the list again."), "danger")
        form.text.errors = list(problems)
        return self.render_template(self.form_template, title=self.form_title,
                                    widgets=self._get_edit_widget(form=form), appbuilder=self.appbuilder)


def _decoded(content: bytes) -> str:
    """A text file's lines: UTF-8 (with or without its mark), else the Chinese GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")
