"""Report screens: the statistics dashboard, the printable monthly report, staff
accountability, the exports of every complaint list and report, and the export records."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.complaints.models import Complaint
from app.complaints.views import ComplaintView, MyQueueView
from app.core import clock
from app.core.errors import InvalidInput
from app.core.extensions import db
from app.core.formatting import local_time, person_name
from app.core.lists import ModelView
from app.core.params import MAX_YEAR, MIN_YEAR, parse_id
from app.core.permissions import (
    PERMISSION_EXPORT,
    PERMISSION_SEE_PERSONAL_DATA,
    REPORT_BASE_PERMISSIONS,
    RESOURCE_EXPORT_RECORD,
    RESOURCE_REPORT,
)
from app.core.security import current_actor, resource_permissions

from . import export, presentation, rules
from .models import ExportRecord

LISTS = {"all": ComplaintView, "queue": MyQueueView}


def _report_permissions() -> set[str]:
    if not hasattr(g, "_report_permissions"):
        user = current_app.appbuilder.sm.current_user
        g._report_permissions = resource_permissions(user, RESOURCE_REPORT) if user else set()
    return g._report_permissions


def may_export() -> bool:
    return PERMISSION_EXPORT in _report_permissions()


def _month(value: str | None, default: date) -> date:
    """A month from "YYYY-MM" (as a first day); a missing one is `default`, a bad one refused."""
    if not value:
        return default
    try:
        year, month = (int(part) for part in value.split("-"))
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    raise InvalidInput(_("Choose a month such as 2026-11."), {"month": _("Not a month.")})


def _office_arg() -> int | None:
    """The office asked for (None: every office in scope); one the user does not see is 404."""
    raw = request.args.get("office", "")
    if raw in ("", "all"):
        return None
    office_id = parse_id(raw)
    if office_id is None or not current_actor().sees_office(office_id):
        abort(404)
    return office_id


def _cases_link(filters) -> str:
    return url_for("ComplaintView.list") + "?" + urlencode(filters)


def _download(kind: str, file_format: str, headers, rows, title: str, personal_data: bool = False):
    """Record the export and stream the file: the download starts with the first bytes."""
    if file_format not in export.FORMATS:
        abort(404)
    give_back = export.take_slot(current_app)
    try:
        record_id = export.start_record(db.session, current_actor().user_id, kind, file_format,
                                        request.query_string.decode("utf-8", "replace"), personal_data)
        engine = db.engine
        stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
        body = export.recorded_stream(engine, record_id, file_format, headers, rows, title, give_back)
        mimetype = export.CSV_MIMETYPE if file_format == "csv" else export.XLSX_MIMETYPE
        response = Response(stream_with_context(body), mimetype=mimetype, headers={
            "Content-Disposition": f'attachment; filename="{kind}-{stamp}.{file_format}"',
            "Cache-Control": "no-store",
            # Proxies must pass the stream on as it comes, not collect it first.
            "X-Accel-Buffering": "no",
        })
    except BaseException:
        give_back()
        raise
    # The slot comes back when the stream ends, and when the server closes a response it never read.
    response.call_on_close(give_back)
    return response


class ReportView(BaseView):
    """Statistics for supervisors (their offices) and the general manager (all offices)."""

    route_base = "/reports"
    default_view = "dashboard"
    class_permission_name = RESOURCE_REPORT
    method_permission_name = {
        "dashboard": "read", "monthly": "read", "monthly_current": "read", "accountability": "read",
        "export_complaints": PERMISSION_EXPORT, "export_report": PERMISSION_EXPORT,
        "export_accountability": PERMISSION_EXPORT,
    }
    base_permissions = REPORT_BASE_PERMISSIONS

    def _render_report(self, template: str, period: rules.Period, **context):
        actor = current_actor()
        office_id = _office_arg()
        report = rules.build_report(db.session, actor, period, office_id)
        return self.render_template(
            template, report=report, period=period, office_id=office_id,
            offices=rules.scope_offices(db.session, actor), columns=presentation.columns(report),
            figure_rows=presentation.figure_rows(report), tables=presentation.breakdown_tables(report),
            trend=presentation.trend_table(report), office_table=presentation.office_table(report),
            on_time_table=presentation.on_time_table(report), charts=presentation.charts(report, _cases_link),
            pareto=report.pareto(), cases_link=_cases_link, may_export=may_export(),
            percent=presentation.percent, **context)

    @expose("/dashboard")
    @has_access
    def dashboard(self):
        """Figures, targets and charts for a chosen period and office."""
        today = clock.local(clock.now()).date().replace(day=1)
        first = _month(request.args.get("start"), today)
        last = _month(request.args.get("end"), first)
        if last < first:
            first, last = last, first
        return self._render_report("reports/dashboard.html", rules.Period.months(first, last),
                                   title=_("Statistics dashboard"))

    @expose("/monthly/")
    @has_access
    def monthly_current(self):
        """The report of the month chosen (`month`, YYYY-MM), by default the last complete
        month's (the one the general manager receives)."""
        last = (clock.local(clock.now()).date().replace(day=1) - timedelta(days=1)).replace(day=1)
        chosen = _month(request.args.get("month"), last)
        office = {"office": request.args["office"]} if request.args.get("office") else {}
        return redirect(url_for(".monthly", year=chosen.year, month=chosen.month, **office))

    @expose("/monthly/<int:year>/<int:month>")
    @has_access
    def monthly(self, year, month):
        """The printable monthly statistics report (统计分析) of an office or the company."""
        if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
            abort(404)
        period = rules.Period.month(year, month)
        previous = rules.Period.month(year - (month == 1), (month - 2) % 12 + 1)
        following = rules.Period.month(year + (month == 12), month % 12 + 1)
        return self._render_report("reports/monthly.html", period, title=_("Monthly complaint statistics"),
                                   previous=previous if previous.start.year >= MIN_YEAR else None,
                                   following=following if following.start.year <= MAX_YEAR else None,
                                   printed_at=local_time(clock.now()))

    @expose("/accountability")
    @has_access
    def accountability(self):
        """Valid complaints per staff member this calendar year, with the rule's level."""
        year = self._year()
        rows = rules.accountability(db.session, current_actor(), year)
        return self.render_template(
            "reports/accountability.html", title=_("Staff accountability"), year=year, rows=rows,
            levels=presentation.LEVEL_LABELS, may_export=may_export(),
            link=lambda row: _cases_link(rules.accountability_filters(row.user_id, year)))

    def _year(self) -> int:
        raw = request.args.get("year")
        if not raw:
            return clock.local(clock.now()).year
        if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
            raise InvalidInput(_("Choose a year such as 2026."), {"year": _("Not a year.")})
        return int(raw)

    # ---- exports ----------------------------------------------------------------------

    @expose("/export/complaints.<file_format>")
    @has_access
    def export_complaints(self, file_format):
        """A complaint list with its current filters, order and office scope, as a file."""
        view_class = LISTS.get(request.args.get("list", "all"))
        if view_class is None:
            abort(404)
        view = next(v for v in current_app.appbuilder.baseviews if type(v) is view_class)
        # FAB's own parsing of the list's filters and order: the file holds the list's rows.
        filters = view.datamodel.get_filters(view.search_columns)
        get_filter_args(filters)
        joined = filters.get_joined_filters(view._base_filters)
        order_column, order_direction = get_order_args().get(view_class.__name__) or view.base_order
        query = view.datamodel.apply_all(db.session.query(Complaint), joined, order_column, order_direction)
        personal = PERMISSION_SEE_PERSONAL_DATA in _report_permissions()
        rows = export.complaint_rows(db.session, query, personal)
        return _download("queue" if view_class is MyQueueView else "complaints", file_format,
                         export.complaint_headers(), rows, str(view.list_title), personal)

    @expose("/export/report.<file_format>")
    @has_access
    def export_report(self, file_format):
        """The dashboard's or the monthly report's figures and tables, as a file."""
        this_month = clock.local(clock.now()).date().replace(day=1)
        first = _month(request.args.get("start"), this_month)
        last = _month(request.args.get("end"), first)
        report = rules.build_report(db.session, current_actor(), rules.Period.months(min(first, last),
                                                                                     max(first, last)), _office_arg())
        headers, rows = presentation.export_rows(report)
        return _download("report", file_format, headers, rows, _("Monthly complaint statistics"))

    @expose("/export/accountability.<file_format>")
    @has_access
    def export_accountability(self, file_format):
        """The staff accountability table of a year, as a file."""
        year = self._year()
        rows = rules.accountability(db.session, current_actor(), year)
        headers = [_("Year"), _("Staff member"), _("Valid complaints"), _("Level")]
        return _download("accountability", file_format, headers,
                         [[year, r.name, r.valid_complaints, str(presentation.LEVEL_LABELS[r.level])] for r in rows],
                         _("Staff accountability"))


class ExportRecordView(ModelView):
    """Who exported what, when, with which filters and how many rows (administrators)."""

    route_base = "/export-records"
    datamodel = SQLAInterface(ExportRecord)
    class_permission_name = RESOURCE_EXPORT_RECORD
    method_permission_name = {"list": "read", "show": "read"}
    base_permissions = ["can_read"]
    base_order = ("started_at", "desc")
    list_title = _l("Export records")
    show_title = _l("Export record")
    list_columns = ["started_at", "user", "kind", "file_format", "rows", "completed", "personal_data", "filters"]
    show_columns = list_columns
    search_columns = ["user", "kind", "file_format", "started_at"]
    label_columns = {"started_at": _l("Time"), "user": _l("Staff member"), "kind": _l("Export"),
                     "file_format": _l("Format"), "rows": _l("Rows"), "completed": _l("Completed"),
                     "personal_data": _l("Unmasked phones"), "filters": _l("Filters")}
    formatters_columns = {"started_at": local_time, "user": person_name,
                          "completed": lambda v: "✓" if v else "✗", "personal_data": lambda v: "✓" if v else ""}
