"""Admin screens: complaint queue, list, intake, detail with timeline and actions;
offices and categories for administrators."""
from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import IndexView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, SelectField
from wtforms.widgets import CheckboxInput

from . import attachments, clock, dashboard, workflow
from .enums import Channel, DeadlineKind, DeadlineUnit, Grade, NotificationKind, Status, Tier, Urgency, Validity
from .extensions import db
from .filters import ComplaintInterface, ComplaintScope, MyQueueFilter, OfficeScopeFilter, OwnNotificationFilter
from .forms import EDIT_COLUMNS, INTAKE_COLUMNS, EditForm, IntakeForm, enum_select
from .formatting import FIELD_LABELS, blank, deadline_badge, enum_label, local_time, person_name, tier_label
from .models import CalendarDay, CalendarYear, Category, Complaint, DeadlinePolicy, Notification, Office
from .params import coerce_action_params
from .permissions import RESOURCE_CALENDAR, RESOURCE_CATEGORY, RESOURCE_DEADLINE_POLICY, RESOURCE_NOTIFICATION, \
    RESOURCE_OFFICE
from .security import current_actor


class HomeView(IndexView):
    """The dashboard: my queue, overdue and due-today counts, unread notifications, and
    warnings about the working-day calendar."""

    index_template = "complaints/dashboard.html"

    @expose("/")
    def index(self):
        actor = current_actor()
        if actor.user_id is None:
            return redirect(url_for("AuthDBView.login"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    counts=dashboard.counts(db.session, actor))


def _enum_filter(enum_cls):
    return SelectField(choices=enum_cls.choices())


def _checkbox(label):
    # FAB makes a checkbox of a NOT NULL column required, so "unticked" could not be saved.
    return BooleanField(label, widget=CheckboxInput())


class ComplaintView(ComplaintScope, ModelView):
    """All complaints of the user's offices, with filters and search."""

    route_base = "/complaints"
    datamodel = ComplaintInterface(Complaint)
    base_order = ("received_at", "desc")

    list_title = _l("All complaints")
    show_title = _l("Complaint")
    add_title = _l("Register complaint")
    edit_title = _l("Edit complaint")
    show_template = "complaints/show.html"

    list_columns = ["case_number", "deadline_state", "received_at", "office", "category", "urgency", "grade", "tier",
                    "status", "assignee", "complainant"]
    show_columns = ["case_number", "office", "channel", "category", "urgency", "grade", "validity", "tier",
                    "status", "assignee", "respondent", "respondent_department", "complainant", "complainant.phone",
                    "description", "plan_measures", "plan_deadline", "plan_owner", "resolution", "void_reason",
                    "received_at", "acknowledged_at", "resolved_at", "closed_at", "created_by"]
    search_columns = ["case_number", "overdue_since", "status", "tier", "category", "office", "urgency", "grade",
                      "validity", "channel", "received_at", "description", "assignee"]
    search_form_extra_fields = {
        "status": _enum_filter(Status), "urgency": _enum_filter(Urgency), "grade": _enum_filter(Grade),
        "validity": _enum_filter(Validity), "channel": _enum_filter(Channel),
        "tier": SelectField(choices=[(t.value, t.label) for t in Tier]),
        "overdue_since": SelectField(choices=[("1", "✓")]),
    }
    order_columns = ["case_number", "received_at", "urgency", "tier", "status"]
    # The list shows the complainant by name only; phone stays on the detail page (confidential).
    label_columns = FIELD_LABELS
    formatters_columns = {
        "deadline_state": deadline_badge,
        "tier": tier_label, "status": enum_label(Status), "urgency": enum_label(Urgency),
        "grade": enum_label(Grade), "validity": enum_label(Validity), "channel": enum_label(Channel),
        "received_at": local_time, "acknowledged_at": local_time, "resolved_at": local_time,
        "closed_at": local_time, "plan_deadline": local_time,
        **{name: person_name for name in ("assignee", "respondent", "plan_owner", "created_by")},
        **{name: blank for name in ("respondent_department", "plan_measures", "resolution", "void_reason")},
    }
    page_size = 25
    add_form, add_columns = IntakeForm, INTAKE_COLUMNS
    edit_form, edit_columns = EditForm, EDIT_COLUMNS

    # ---- intake and edit go through the workflow ------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Register a complaint."""
        actor = current_actor()
        form = IntakeForm()
        form.fill_choices(db.session, actor.office_ids)
        if request.method == "POST" and form.validate():
            try:
                complaint = workflow.open_case(db.session, actor, form.intake())
            except workflow.WorkflowError as e:
                _flash_error(e, form)
            else:
                flash(_("Complaint %(case)s registered.", case=complaint.case_number), "success")
                return redirect(url_for(".show", pk=complaint.id))
        widgets = self._get_add_widget(form=form)
        return self.render_template(self.add_template, title=self.add_title, widgets=widgets)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Edit a case's details; refused if someone changed the case meanwhile."""
        actor = current_actor()
        complaint = _load_or_404(actor, pk)
        if request.method == "POST":
            form = EditForm()
            form.fill_choices(db.session, actor.office_ids)
            if form.validate():
                try:
                    workflow.update_details(db.session, actor, complaint.id, form.details(),
                                            expected_version=form.version.data)
                except workflow.WorkflowError as e:
                    # The user's input stays in the form; nothing is saved.
                    _flash_error(e, form)
                else:
                    flash(_("Complaint %(case)s saved.", case=complaint.case_number), "success")
                    return redirect(url_for(".show", pk=complaint.id))
        else:
            form = EditForm(obj=complaint)
            form.fill_choices(db.session, actor.office_ids)
            form.version.data = complaint.version
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=[])

    # ---- detail page and workflow actions -------------------------------------------

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """A case with its timeline and the actions the user may take now."""
        return self._render_show(pk)

    @expose("/act/<pk>", methods=["POST"])
    @has_access
    def act(self, pk):
        """Run one workflow action from the detail page."""
        name = request.form.get("action", "")
        spec = workflow.ACTIONS.get(name)
        params = coerce_action_params(spec.params if spec else (), request.form)
        try:
            workflow.perform(db.session, current_actor(), pk, name,
                             expected_version=request.form.get("version"), **params)
        except workflow.NotFound:
            abort(404)
        except workflow.WorkflowError as e:
            flash(e.message, "danger")
            return self._render_show(pk, prefill=request.form, open_action=name), e.http_status
        flash(_("%(action)s: done.", action=spec.label), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/upload/<pk>", methods=["POST"])
    @has_access
    def upload(self, pk):
        """Attach an evidence file (photo, video or PDF)."""
        try:
            attachments.attach(db.session, current_actor(), pk, request.files.get("file"))
        except workflow.NotFound:
            abort(404)
        except workflow.WorkflowError as e:
            flash(e.message, "danger")
        else:
            flash(_("Evidence attached."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/download/<pk>/<int:attachment_id>")
    @has_access
    def download(self, pk, attachment_id):
        """Send an evidence file to a user who may see its case."""
        try:
            found = attachments.open_for(db.session, current_actor(), pk, attachment_id)
        except workflow.NotFound:
            abort(404)
        return send_file(found.path, mimetype=found.attachment.content_type,
                         download_name=found.attachment.original_name, as_attachment=True)

    @action("acknowledge", _l("Confirm receipt"), _l("Confirm receipt of the selected complaints?"),
            "fa-check", single=False)
    def bulk_acknowledge(self, items):
        """Confirm receipt of several new complaints at once."""
        done, refused = 0, []
        for item in items:
            try:
                workflow.perform(db.session, current_actor(), item.id, "acknowledge")
                done += 1
            except workflow.WorkflowError as e:
                refused.append(f"{item.case_number}: {e.message}")
        if done:
            flash(_("Receipt confirmed for %(n)d complaints.", n=done), "success")
        for message in refused:
            flash(message, "danger")
        return redirect(self.get_redirect())

    # FAB's action endpoints load rows by id without the view's base filters: load them
    # through the office scope instead, so a forged id reaches nothing.
    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        _load_or_404(current_actor(), pk)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        actor = current_actor()
        for pk in request.form.getlist("rowid"):
            _load_or_404(actor, pk)
        return super().action_post()

    def _render_show(self, pk, prefill=None, open_action=None):
        actor = current_actor()
        complaint = _load_or_404(actor, pk)
        widgets = self._get_show_widget(complaint.id, complaint)
        return self.render_template(
            self.show_template, pk=complaint.id, title=self.show_title, widgets=widgets,
            complaint=complaint, events=workflow.timeline(db.session, complaint), now=clock.now(),
            actions=[(a, workflow.ACTIONS[a.value]) for a in workflow.available_actions(actor, complaint)],
            may_edit=actor.may("write") and complaint.status not in workflow.FINAL,
            may_attach=actor.may("attach") and complaint.status not in workflow.FINAL,
            assignees=workflow.staff_choices(db.session, complaint, tier=complaint.tier),
            staff=workflow.staff_choices(db.session, complaint),
            prefill=prefill or {}, open_action=open_action, local_time=local_time,
        )


class MyQueueView(ComplaintView):
    """Cases assigned to me or waiting at my tier, in my offices."""

    route_base = "/queue"
    list_title = _l("My queue")
    base_filters = [["id", OfficeScopeFilter, None], ["id", MyQueueFilter, None]]
    # The longest-waiting case first.
    base_order = ("received_at", "asc")


class OfficeView(ModelView):
    """Management offices and their staff (administrators)."""

    route_base = "/offices"
    datamodel = SQLAInterface(Office)
    class_permission_name = RESOURCE_OFFICE
    list_title = _l("Offices")
    show_title = add_title = edit_title = _l("Office")
    list_columns = ["code", "name", "households"]
    add_columns = edit_columns = show_columns = ["code", "name", "households", "staff"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "households": _l("Households"), "staff": _l("Staff")}


class CategoryView(ModelView):
    """Complaint categories and repair sub-types (administrators)."""

    route_base = "/categories"
    datamodel = SQLAInterface(Category)
    class_permission_name = RESOURCE_CATEGORY
    list_title = _l("Categories")
    show_title = add_title = edit_title = _l("Category")
    base_order = ("code", "asc")
    list_columns = ["code", "name", "parent", "active"]
    add_columns = edit_columns = show_columns = ["code", "name", "parent", "active", "note"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "parent": _l("Parent category"),
                     "active": _l("Active"), "note": _l("Note")}
    add_form_extra_fields = edit_form_extra_fields = {"active": _checkbox(_l("Active"))}


class NotificationView(ModelView):
    """My notifications: reminders, missed deadlines, escalations to my tier."""

    route_base = "/notifications"
    datamodel = SQLAInterface(Notification)
    class_permission_name = RESOURCE_NOTIFICATION
    method_permission_name = {"list": "read", "show": "read", "mark_read": "read", "mark_all_read": "read"}
    base_permissions = ["can_read"]
    base_filters = [["id", OwnNotificationFilter, None]]
    base_order = ("created_at", "desc")
    list_title = _l("Notifications")
    list_columns = ["created_at", "kind", "deadline_kind", "complaint", "read_at"]
    search_columns = ["kind", "read_at"]
    label_columns = {"created_at": _l("Time"), "kind": _l("Notification"), "deadline_kind": _l("Deadline"),
                     "complaint": _l("Complaint"), "read_at": _l("Read at")}
    formatters_columns = {
        "created_at": local_time, "read_at": local_time, "kind": enum_label(NotificationKind),
        "deadline_kind": enum_label(DeadlineKind),
        "complaint": lambda c: Markup('<a href="{}">{}</a>').format(url_for("ComplaintView.show", pk=c.id), c),
    }

    @action("mark_read", _l("Mark as read"), None, "fa-check")
    def mark_read(self, items):
        """Mark the chosen notifications read."""
        dashboard.mark_read(db.session, current_actor(), [i.id for i in items])
        return redirect(self.get_redirect())

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        """Mark every notification of mine read."""
        dashboard.mark_read(db.session, current_actor(), None)
        return redirect(url_for(".list"))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        # FAB loads action rows by id without base filters: only my own notifications.
        if not dashboard.owns_notifications(db.session, current_actor(), request.form.getlist("rowid")):
            abort(404)
        return super().action_post()


class DeadlinePolicyView(ModelView):
    """Deadline policies: a limit per kind, for a category (or all) × urgency or grade (or any),
    company-wide or overriding it for one office (administrators)."""

    route_base = "/deadline-policies"
    datamodel = SQLAInterface(DeadlinePolicy)
    class_permission_name = RESOURCE_DEADLINE_POLICY
    list_title = _l("Deadline policies")
    show_title = add_title = edit_title = _l("Deadline policy")
    base_order = ("kind", "asc")
    list_columns = ["kind", "office", "category", "urgency", "grade", "amount", "unit", "escalates", "active"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["kind", "office", "category", "active"]
    label_columns = {"kind": _l("Deadline"), "office": _l("Office (empty: all)"),
                     "category": _l("Category (empty: all)"), "urgency": _l("Urgency (empty: any)"),
                     "grade": _l("Grade (empty: any)"), "amount": _l("Limit"), "unit": _l("Unit"),
                     "escalates": _l("Escalates when missed"), "active": _l("Active")}
    formatters_columns = {"kind": enum_label(DeadlineKind), "unit": enum_label(DeadlineUnit),
                          "urgency": enum_label(Urgency), "grade": enum_label(Grade),
                          "office": blank, "category": blank}
    add_form_extra_fields = edit_form_extra_fields = {
        "escalates": _checkbox(_l("Escalates when missed")), "active": _checkbox(_l("Active")),
        "kind": enum_select(DeadlineKind, _l("Deadline")), "unit": enum_select(DeadlineUnit, _l("Unit")),
        "urgency": enum_select(Urgency, _l("Urgency (empty: any)"), optional=True),
        "grade": enum_select(Grade, _l("Grade (empty: any)"), optional=True),
    }
    search_form_extra_fields = {"kind": _enum_filter(DeadlineKind)}


class CalendarDayView(ModelView):
    """Days off the weekly pattern: holidays on weekdays, make-up working days (administrators)."""

    route_base = "/calendar-days"
    datamodel = SQLAInterface(CalendarDay)
    class_permission_name = RESOURCE_CALENDAR
    list_title = _l("Working-day calendar")
    show_title = add_title = edit_title = _l("Calendar day")
    base_order = ("day", "desc")
    list_columns = add_columns = edit_columns = show_columns = ["day", "is_working", "name"]
    search_columns = ["day", "is_working", "name"]
    label_columns = {"day": _l("Date"), "is_working": _l("Working day"), "name": _l("Name")}
    add_form_extra_fields = edit_form_extra_fields = {"is_working": _checkbox(_l("Working day"))}


class CalendarYearView(ModelView):
    """Which years' holiday arrangements are entered and confirmed (administrators)."""

    route_base = "/calendar-years"
    datamodel = SQLAInterface(CalendarYear)
    class_permission_name = RESOURCE_CALENDAR
    list_title = _l("Calendar years")
    show_title = add_title = edit_title = _l("Calendar year")
    base_order = ("year", "desc")
    list_columns = add_columns = edit_columns = show_columns = ["year", "confirmed", "note"]
    label_columns = {"year": _l("Year"), "confirmed": _l("Arrangement confirmed"), "note": _l("Note")}
    add_form_extra_fields = edit_form_extra_fields = {"confirmed": _checkbox(_l("Arrangement confirmed"))}


def _load_or_404(actor, pk):
    try:
        return workflow.load(db.session, actor, pk)
    except workflow.NotFound:
        abort(404)


def _flash_error(error, form):
    flash(error.message, "danger")
    for name, message in error.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [message]


def register_views(appbuilder):
    """Add every screen and its menu entry."""
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
    appbuilder.add_view(NotificationView, "Notifications", label=_l("Notifications"), icon="fa-bell",
                        category="Complaints")
    appbuilder.add_link("Overdue cases", label=_l("Overdue cases"), href="/complaints/list/?_flt_0_overdue_since=1",
                        icon="fa-exclamation-triangle", category="Complaints")
