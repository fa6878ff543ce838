"""The navigation menu: every domain's screens, in the order staff see them."""
from flask_babel import lazy_gettext as _l

from app.complaints.views import (
    CategoryView,
    ComplaintView,
    DeadlinePolicyView,
    MyQueueView,
)
from app.core.views import OfficeView
from app.deadlines.views import CalendarDayView, CalendarImportView, CalendarYearView
from app.notifications.views import NotificationView
from app.reports.views import ExportRecordView, ReportView


def register_views(appbuilder):
    """Add every screen and its menu entry, in the order staff see them."""
    appbuilder.add_view(MyQueueView, "My queue", label=_l("My queue"), icon="fa-inbox",
                        category="Complaints", category_label=_l("Complaints"), category_icon="fa-comments")
    appbuilder.add_view(ComplaintView, "All complaints", label=_l("All complaints"), icon="fa-list",
                        category="Complaints")
    appbuilder.add_link("Register complaint", label=_l("Register complaint"), href="/complaints/add",
                        icon="fa-plus", category="Complaints")
    appbuilder.add_view(OfficeView, "Offices", label=_l("Offices"), icon="fa-building",
                        category="Configuration", category_label=_l("Configuration"), category_icon="fa-cogs")
    appbuilder.add_view(CategoryView, "Categories", label=_l("Categories"), icon="fa-tags",
                        category="Configuration")
    appbuilder.add_view(DeadlinePolicyView, "Deadline policies", label=_l("Deadline policies"), icon="fa-clock-o",
                        category="Configuration")
    appbuilder.add_view(CalendarDayView, "Working-day calendar", label=_l("Working-day calendar"),
                        icon="fa-calendar", category="Configuration")
    appbuilder.add_view(CalendarYearView, "Calendar years", label=_l("Calendar years"), icon="fa-calendar-check-o",
                        category="Configuration")
    appbuilder.add_view(CalendarImportView, "Enter holiday arrangement", label=_l("Enter holiday arrangement"),
                        icon="fa-calendar-plus-o", category="Configuration")
    appbuilder.add_view(NotificationView, "Notifications", label=_l("Notifications"), icon="fa-bell",
                        category="Complaints")
    appbuilder.add_link("Overdue cases", label=_l("Overdue cases"), href="/complaints/list/?_flt_0_overdue_since=1",
                        icon="fa-exclamation-triangle", category="Complaints")
    appbuilder.add_view(ReportView, "Statistics dashboard", label=_l("Statistics dashboard"), icon="fa-bar-chart",
                        category="Reports", category_label=_l("Reports"), category_icon="fa-line-chart")
    appbuilder.add_link("Monthly report", label=_l("Monthly report"), href="/reports/monthly/",
                        icon="fa-print", category="Reports")
    appbuilder.add_link("Staff accountability", label=_l("Staff accountability"), href="/reports/accountability",
                        icon="fa-user-times", category="Reports")
    appbuilder.add_view(ExportRecordView, "Export records", label=_l("Export records"), icon="fa-download",
                        category="Reports")
