"""The working-day calendar screens (administrators)."""
from flask_babel import lazy_gettext as _l

from app.core.filters import Interface
from app.core.forms import checkbox
from app.core.lists import ModelView
from app.core.permissions import RESOURCE_CALENDAR

from .models import CalendarDay, CalendarYear


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
