"""Complaint screens: the dashboard, my queue, the list, intake, the detail page with its
timeline and actions; categories and deadline policies for administrators."""
from flask import abort, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import IndexView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.widgets import ShowWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField

from app.core import clock
from app.core.enums import Tier
from app.core.extensions import db
from app.core.filters import Interface
from app.core.formatting import blank, enum_label, local_time, person_name, tier_label
from app.core.forms import checkbox, enum_filter, enum_select
from app.core.lists import ModelView
from app.core.params import coerce_action_params, parse_id
from app.core.permissions import (
    RESOURCE_CALENDAR,
    RESOURCE_CATEGORY,
    RESOURCE_DEADLINE_POLICY,
)
from app.core.security import current_actor
from app.core.views import RefuseDeleteInUse
from app.deadlines.enums import DeadlineKind, DeadlineUnit
from app.deadlines.formatting import deadline_badge
from app.notifications.reading import read_about

from . import attachments, dashboard, finding, workflow
from .enums import Channel, Grade, Status, Urgency, Validity
from .filters import (
    COMPLAINANT_FILTER_COLUMNS,
    DEADLINE_ORDER,
    QUEUE_ORDER,
    QUICK_SEARCH_COLUMN,
    ComplaintInterface,
    ComplaintScope,
    MyQueueFilter,
    OfficeScopeFilter,
)
from .formatting import FIELD_LABELS, case_link, describe_filters, dissatisfaction
from .forms import EDIT_COLUMNS, INTAKE_COLUMNS, EditForm, IntakeForm
from .models import Category, Complaint, DeadlinePolicy


class HomeView(IndexView):
    """The dashboard: tiles that open their lists, "register complaint", my most urgent cases,
    and, for those who keep the working-day calendar, its warnings."""

    index_template = "complaints/dashboard.html"

    @expose("/")
    def index(self):
        actor = current_actor()
        if actor.user_id is None:
            return redirect(url_for("AuthDBView.login"))
        keeps_calendar = self.appbuilder.sm.has_access("can_edit", RESOURCE_CALENDAR)
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, tiles=dashboard.TILES,
            counts=dashboard.counts(db.session, actor), may_register=actor.may("write"),
            urgent=dashboard.urgent_cases(db.session, actor),
            calendar_warnings=dashboard.calendar_warnings(db.session) if keeps_calendar else [])


class CaseFieldsWidget(ShowWidget):
    """The case's fields as FAB shows them, without FAB's back-link bar."""

    template = "complaints/show_widget.html"


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
    list_template = "complaints/list.html"

    list_columns = ["case_number", "deadline_state", "received_at", "office", "category", "urgency", "grade", "tier",
                    "status", "dissatisfied_visits", "assignee", "complainant"]
    show_columns = ["case_number", "description", "complainant", "complainant.phone", "category", "office", "channel",
                    "urgency", "grade", "validity", "tier", "status", "assignee", "respondent",
                    "respondent_department", "plan_measures", "plan_deadline", "plan_owner", "resolution",
                    "void_reason", "received_at", "acknowledged_at", "resolved_at", "closed_at", "created_by"]
    # Shown in the detail page's summary line rather than among its fields.
    summary_columns = ("case_number", "urgency", "tier", "status")
    plan_columns = ("plan_measures", "plan_deadline", "plan_owner")
    # "events" and "deadlines" carry the reports' filters (repeat complaints, returns,
    # deadlines met in time or decided), so a count on a report opens exactly its cases.
    search_columns = [QUICK_SEARCH_COLUMN, "case_number", "overdue_since", "status", "tier", "category", "office",
                      "urgency", "grade", "validity", "channel", "received_at", *COMPLAINANT_FILTER_COLUMNS,
                      "description", "assignee", "respondent", "events", "deadlines"]
    # Every filter a label of its own in the user's language (a field's label, else its name).
    search_form_extra_fields = {
        "status": enum_filter(Status, FIELD_LABELS["status"]), "urgency": enum_filter(Urgency, FIELD_LABELS["urgency"]),
        "grade": enum_filter(Grade, FIELD_LABELS["grade"]), "validity": enum_filter(Validity, FIELD_LABELS["validity"]),
        "channel": enum_filter(Channel, FIELD_LABELS["channel"]),
        "tier": SelectField(FIELD_LABELS["tier"], choices=[(t.value, t.label) for t in Tier]),
        "overdue_since": SelectField(FIELD_LABELS["overdue_since"], choices=[("1", "✓")]),
        QUICK_SEARCH_COLUMN: StringField(FIELD_LABELS[QUICK_SEARCH_COLUMN], widget=BS3TextFieldWidget()),
        **{name: StringField(FIELD_LABELS[name], widget=BS3TextFieldWidget()) for name in COMPLAINANT_FILTER_COLUMNS},
        "events": SelectField(FIELD_LABELS["events"], choices=[("1", "✓")]),
        "deadlines": enum_filter(DeadlineKind, FIELD_LABELS["deadlines"]),
    }
    order_columns = ["case_number", DEADLINE_ORDER, "received_at", "urgency", "tier", "status"]
    # The list shows the complainant by name only; phone stays on the detail page (confidential).
    label_columns = FIELD_LABELS
    formatters_columns = {
        "case_number": case_link, "deadline_state": deadline_badge, "dissatisfied_visits": dissatisfaction,
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

    add_template = "complaints/add.html"

    # ---- finding cases ----------------------------------------------------------------

    @expose("/list/")
    @has_access
    def list(self):
        """The list; a filtered one says so in its title and shows its filters."""
        self.update_redirect()
        widgets = self._list()
        active = describe_filters(self, self._filters)
        title = _("%(list)s (filtered)", list=self.list_title) if active else self.list_title
        return self.render_template(self.list_template, title=title, widgets=widgets, active_filters=active)

    @expose("/search")
    @has_access
    def quick_search(self):
        """The navbar's quick search: a case number opens its case; anything else lists the
        cases found by number, complainant name, phone (or its last four digits) or room."""
        text = finding.normalise(request.args.get("q"))
        if not text:
            return redirect(url_for(".list"))
        found = finding.find_by_number(db.session, current_actor(), text)
        if found is not None:
            return redirect(url_for(".show", pk=found.id))
        return redirect(url_for(".list", **{f"_flt_0_{QUICK_SEARCH_COLUMN}": text}))

    @expose("/number/<number>")
    @has_access
    def by_number(self, number):
        """A case by its number (the lists link case numbers here)."""
        found = finding.find_by_number(db.session, current_actor(), number)
        if found is None:
            abort(404)
        return redirect(url_for(".show", pk=found.id))

    @expose("/caller-history")
    @has_access
    def caller_history(self):
        """JSON for the intake form: the open cases of the resident with this phone or room."""
        cases = finding.caller_history(db.session, current_actor(), request.args.get("phone"),
                                      request.args.get("room"), parse_id(request.args.get("office_id")))
        return jsonify(cases=[{
            "id": c.id, "case_number": c.case_number, "url": url_for(".show", pk=c.id),
            "received_at": local_time(c.received_at), "category": str(c.category), "status": str(c.status.label),
            "urgency": c.urgency.name, "urgency_label": str(c.urgency.label), "complainant": c.complainant.name,
            "room": c.complainant.room, "description": _excerpt(c.description),
        } for c in cases])

    # ---- intake and edit go through the workflow ------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Register a complaint, or record the call on a case the caller already has open."""
        actor = current_actor()
        form = IntakeForm()
        form.fill_choices(db.session, actor.office_ids)
        if request.method == "POST" and request.form.get("repeat_of"):
            done = self._record_repeat_call(actor, form, request.form["repeat_of"])
            if done is not None:
                return done
        elif request.method == "POST" and form.validate():
            try:
                complaint = workflow.open_case(db.session, actor, form.intake())
            except workflow.WorkflowError as e:
                _flash_error(e, form)
            else:
                flash(_("Complaint %(case)s registered.", case=complaint.case_number), "success")
                return redirect(url_for(".show", pk=complaint.id))
        widgets = self._get_add_widget(form=form)
        return self.render_template(self.add_template, title=self.add_title, widgets=widgets)

    def _record_repeat_call(self, actor, form, complaint_id):
        """The call is about a case the caller has open: record it there (what was typed as the
        description is the call's note) instead of registering a duplicate."""
        note = (form.description.data or "").strip()
        caller = (form.complainant_name.data or "").strip()
        if not note:
            form.description.errors = [_("Write what the caller said.")]
            return None
        try:
            complaint = workflow.load(db.session, actor, complaint_id)
            if caller and caller != complaint.complainant.name:
                note = _("Caller: %(name)s. %(note)s", name=caller, note=note)
            # A call changes nothing another user could have changed: no version to compare.
            workflow.perform(db.session, actor, complaint.id, workflow.Action.RECORD_REPEAT_CALL,
                             expected_version=workflow.ANY_VERSION, note=note)
        except workflow.WorkflowError as e:
            _flash_error(e, form, {"note": "description"})
            return None
        flash(_("Repeat call recorded on %(case)s.", case=complaint.case_number), "success")
        return redirect(url_for(".show", pk=complaint.id))

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

    def _render_show(self, pk, prefill=None, open_action=None):
        actor = current_actor()
        # Opening a case is reading what was sent about it (one's own notifications about the
        # case named, read before the case is loaded: marking commits).
        read_about(parse_id(pk))
        complaint = _load_or_404(actor, pk, options=_SHOWN_PEOPLE)
        available = workflow.available_actions(actor, complaint)
        staff = workflow.staff_choices(db.session, complaint)
        return self.render_template(
            self.show_template, pk=complaint.id, title=f"{self.show_title} {complaint.case_number}",
            widgets={"show": self._filled_fields_widget(complaint)},
            complaint=complaint, events=workflow.timeline(db.session, complaint), now=clock.now(),
            actions=[(a, workflow.ACTIONS[a.value]) for a in available], actions_by_name=workflow.ACTIONS,
            next_action=workflow.usual_next_action(complaint, available),
            may_edit=actor.may("write") and complaint.status not in workflow.FINAL,
            may_attach=actor.may("attach") and complaint.status not in workflow.FINAL,
            assignees=workflow.at_tier(staff, complaint.tier), staff=staff, me=actor.user_id,
            prefill=prefill or {}, open_action=open_action, local_time=local_time,
        )

    def _filled_fields_widget(self, complaint):
        """FAB's show widget with only the fields that hold something, less those the page's
        summary line already shows."""
        values = self.datamodel.get_values_item(complaint, self.show_columns)
        # A plan awaiting approval is shown next to the approval instead.
        elsewhere = self.summary_columns + (self.plan_columns if complaint.status == Status.PLAN_PROPOSED else ())
        filled = [(c, v) for c, v in zip(self.show_columns, values)
                  if c not in elsewhere and v is not None and v != ""]
        return CaseFieldsWidget(
            pk=complaint.id, label_columns=self.label_columns, include_columns=[c for c, _v in filled],
            value_columns=[v for _c, v in filled], formatters_columns=self.formatters_columns, actions={},
            fieldsets=None, modelview_name=type(self).__name__)


class MyQueueView(ComplaintView):
    """Cases assigned to me or waiting at my tier, in my offices."""

    route_base = "/queue"
    list_title = _l("My queue")
    base_filters = [["id", OfficeScopeFilter, None], ["id", MyQueueFilter, None]]
    # Emergencies first, then the nearest deadline (filters.ComplaintInterface.apply_order_by).
    base_order = (QUEUE_ORDER, "asc")


class CategoryView(RefuseDeleteInUse, ModelView):
    """Complaint categories and repair sub-types (administrators)."""

    route_base = "/categories"
    datamodel = Interface(Category)
    class_permission_name = RESOURCE_CATEGORY
    list_title = _l("Categories")
    show_title = add_title = edit_title = _l("Category")
    base_order = ("code", "asc")
    list_columns = ["code", "name", "parent", "active"]
    add_columns = edit_columns = show_columns = ["code", "name", "parent", "active", "note"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "parent": _l("Parent category"),
                     "active": _l("Active"), "note": _l("Note")}
    add_form_extra_fields = edit_form_extra_fields = {"active": checkbox(_l("Active"), default=True)}


class DeadlinePolicyView(ModelView):
    """Deadline policies: a limit per kind, for a category (or all) × urgency or grade (or any),
    company-wide or overriding it for one office (administrators)."""

    route_base = "/deadline-policies"
    datamodel = Interface(DeadlinePolicy)
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
        "escalates": checkbox(_l("Escalates when missed")), "active": checkbox(_l("Active"), default=True),
        "kind": enum_select(DeadlineKind, _l("Deadline")), "unit": enum_select(DeadlineUnit, _l("Unit")),
        "urgency": enum_select(Urgency, _l("Urgency (empty: any)"), optional=True),
        "grade": enum_select(Grade, _l("Grade (empty: any)"), optional=True),
    }
    search_form_extra_fields = {"kind": enum_filter(DeadlineKind, _l("Deadline"))}


# The detail page shows these people: load them with the case.
_SHOWN_PEOPLE = (joinedload(Complaint.created_by), joinedload(Complaint.respondent), joinedload(Complaint.plan_owner))


def _load_or_404(actor, pk, options=()):
    try:
        return workflow.load(db.session, actor, pk, options=options)
    except workflow.NotFound:
        abort(404)


def _flash_error(error, form, field_names=None):
    """The workflow's refusal on the page and, by each field it names, on the form (`field_names`
    maps the workflow's names to the form's where they differ)."""
    flash(error.message, "danger")
    for name, message in error.fields.items():
        name = (field_names or {}).get(name, name)
        if name in form:
            form[name].errors = list(form[name].errors) + [message]


def _excerpt(text, length=60):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1] + "…"
