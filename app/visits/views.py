"""Visit screens: the Customer Service visit queue (due first, overdue flagged), all visits, a
visit's page with its record, attempts, sign-off (签名确认, a Flask-AppBuilder action), approval
as unreachable, corrections, rectification notices and complaints raised from it; routine
visits; rectification notices. Every rule is the visits rules module's."""
import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.validators import NumberRange

from app.complaints import workflow
from app.complaints.models import Category, Complaint
from app.core import clock
from app.core.datamodel import ModelInterface
from app.core.errors import NotFound, WorkflowError
from app.core.extensions import db
from app.core.formatting import blank, enum_label, local_time, person_name
from app.core.forms import checkbox, enum_filter, enum_select
from app.core.models import Office
from app.core.permissions import (
    RESOURCE_VISIT,
    RESOURCE_VISIT_SETTING,
    VISIT_BASE_PERMISSIONS,
    VISIT_METHOD_PERMISSIONS,
)
from app.core.security import current_actor
from app.deadlines.formatting import deadline_badge

from . import rules, sampling
from .enums import (
    Confirmation,
    RectificationStatus,
    SamplingRole,
    Satisfaction,
    VisitKind,
    VisitMethod,
    VisitStatus,
)
from .filters import (
    NoticeOfficeFilter,
    VisitInterface,
    VisitQueueFilter,
    VisitScope,
    current_visit_actor,
)
from .models import RectificationNotice, Visit, VisitingStaff, VisitSetting

LABELS = {
    "due_state": _l("Due"), "kind": _l("Visit"), "subject": _l("About"), "office": _l("Office"),
    "status": _l("Status"), "method": _l("Method"), "satisfaction": _l("Satisfaction"), "visitor": _l("Visitor"),
    "visited_at": _l("Visited at"), "attempts": _l("Failed attempts"), "assignee": _l("To be made by"),
    "planned_at": _l("Planned at"), "due_at": _l("Due at"), "overdue_at": _l("Overdue"),
    "person_reached": _l("Person reached"), "rooms": _l("Rooms or people visited"),
    "resident_view": _l("What the resident said"), "work_checked": _l("Work checked on site"),
    "fee_charged": _l("Fee charged (yuan)"), "fee_correct": _l("Fee as agreed"), "problem_found": _l("Problem found"),
    "confirmation": _l("Confirmed by"), "signer_name": _l("Name of the person visited"),
    "completed_at": _l("Signed off at"), "unreachable_reason": _l("Why unreachable"), "approved_by": _l("Approved by"),
    "sampling_role": _l("Sampled by"), "sample_period": _l("Sample period"),
    "complaint": _l("Complaint"), "responsible": _l("Responsible"), "problem": _l("Problem"),
    "issued_at": _l("Issued at"), "issued_by": _l("Issued by"), "work_done": _l("What was done"),
    "completed_by": _l("Completed by"), "visit": _l("Found at visit"),
}


def _subject_link(subject) -> Markup:
    if isinstance(subject, Complaint):
        return Markup('<a href="{}">{}</a>').format(url_for("ComplaintView.show", pk=subject.id), subject)
    if isinstance(subject, RectificationNotice):
        return Markup('<a href="{}">{} {}</a>').format(url_for("RectificationNoticeView.show", pk=subject.id),
                                                        _("Rectification notice"), subject)
    return Markup("{}").format(subject or "")


def _yes_no(value) -> str:
    return "" if value is None else _("Yes") if value else _("No")


def _money(value) -> str:
    return "" if value is None else f"¥{value:.2f}"


class VisitView(VisitScope, ModelView):
    """All visits of the user's offices: case return visits, rectification visits, routine."""

    route_base = "/visits"
    datamodel = VisitInterface(Visit)
    base_order = ("planned_at", "desc")
    list_title = _l("All visits")
    list_template = "visits/list.html"
    show_title = _l("Visit")
    show_template = "visits/show.html"
    # What a visitor needs first on a phone: when, about what, where it stands.
    list_columns = ["due_state", "subject", "status", "kind", "office", "method", "satisfaction", "visitor",
                    "visited_at", "attempts"]
    show_columns = ["kind", "subject", "office", "status", "assignee", "planned_at", "due_at", "attempts",
                    "method", "visitor", "visited_at", "person_reached", "rooms", "resident_view", "satisfaction",
                    "work_checked", "fee_charged", "fee_correct", "problem_found", "confirmation", "signer_name",
                    "completed_at", "unreachable_reason", "approved_by", "sampling_role", "sample_period"]
    search_columns = ["status", "kind", "office", "satisfaction", "method", "overdue_at", "due_at", "visited_at"]
    search_form_extra_fields = {
        "status": enum_filter(VisitStatus), "kind": enum_filter(VisitKind), "satisfaction": enum_filter(Satisfaction),
        "method": enum_filter(VisitMethod), "overdue_at": SelectField(choices=[("1", "✓")]),
    }
    order_columns = ["planned_at", "due_at", "visited_at", "status"]
    label_columns = LABELS
    formatters_columns = {
        "due_state": deadline_badge, "subject": _subject_link,
        "kind": enum_label(VisitKind), "status": enum_label(VisitStatus), "method": enum_label(VisitMethod),
        "satisfaction": enum_label(Satisfaction), "confirmation": enum_label(Confirmation),
        **{name: local_time for name in ("planned_at", "due_at", "visited_at", "completed_at")},
        **{name: person_name for name in ("visitor", "assignee", "approved_by")},
        **{name: blank for name in ("person_reached", "rooms", "resident_view", "work_checked", "problem_found",
                                    "signer_name", "unreachable_reason", "sample_period", "sampling_role")},
        "fee_charged": _money, "fee_correct": _yes_no,
    }
    page_size = 25

    # ---- a visit's page and what can be done there ----------------------------------

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """A visit with its record, history, notices and what the user may do now."""
        return self._render_show(pk)

    @expose("/record/<pk>", methods=["POST"])
    @has_access
    def record(self, pk):
        """Record what the visit found (method, visitor, time, person reached, what was said,
        satisfaction; for repairs the work checked on site and the fee)."""
        return self._run(pk, lambda actor: rules.record_visit(
            db.session, actor, pk, request.form, expected_version=request.form.get("version")),
            _("Visit recorded."))

    @expose("/attempt/<pk>", methods=["POST"])
    @has_access
    def attempt(self, pk):
        """Record an attempt that reached nobody."""
        return self._run(pk, lambda actor: rules.record_attempt(
            db.session, actor, pk, request.form.get("method"), request.form.get("note"),
            expected_version=request.form.get("version")), _("Attempt recorded."))

    @expose("/unreachable/<pk>", methods=["POST"])
    @has_access
    def approve_unreachable(self, pk):
        """Approve closing the visit as unreachable, after three failed attempts."""
        return self._run(pk, lambda actor: rules.approve_unreachable(
            db.session, actor, pk, request.form.get("reason"), expected_version=request.form.get("version")),
            _("Visit closed as unreachable."))

    @expose("/correct/<pk>", methods=["POST"])
    @has_access
    def correct(self, pk):
        """Add a correction to a signed-off visit (the visit itself stays as signed)."""
        return self._run(pk, lambda actor: rules.correct(db.session, actor, pk, request.form.get("note")),
                         _("Correction recorded."))

    @expose("/rectify/<pk>", methods=["POST"])
    @has_access
    def issue_rectification(self, pk):
        """Issue a rectification notice for a problem found at the visit."""
        return self._run(pk, lambda actor: rules.issue_rectification(
            db.session, actor, pk, request.form.get("responsible_id"), request.form.get("problem")),
            _("Rectification notice issued."))

    @expose("/raise-complaint/<pk>", methods=["POST"])
    @has_access
    def raise_complaint(self, pk):
        """Register what a resident raised at the visit as a complaint, linked to the visit."""
        intake = {name: request.form.get(name) for name in ("category_id", "description", "complainant_name",
                                                            "complainant_room", "complainant_phone")}
        return self._run(pk, lambda actor: rules.raise_complaint(db.session, actor, pk, intake),
                         _("Complaint registered."))

    @expose("/signature/<pk>")
    @has_access
    def signature(self, pk):
        """The signature image of a signed-off visit."""
        try:
            visit = rules.load(db.session, current_actor(), pk)
        except NotFound:
            abort(404)
        if visit.signature_png is None:
            abort(404)
        response = make_response(visit.signature_png)
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "private, max-age=86400"
        return response

    @expose("/routine", methods=["GET", "POST"])
    @has_access
    def routine(self):
        """Record a routine visit without a complaint: the office head's door-to-door visit, an
        area visit, a building representatives' meeting (楼长会)."""
        actor = current_visit_actor()
        offices = [o for o in db.session.scalars(sa.select(Office).where(Office.active.is_(True))
                                                 .order_by(Office.code)) if actor.sees_office(o.id)]
        page = {"offices": offices, "methods": list(VisitMethod), "prefill": {}, "errors": {}}
        if request.method == "POST":
            try:
                visit = rules.record_routine_visit(db.session, actor, request.form.get("office_id"), request.form)
            except WorkflowError as e:
                flash(e.message, "danger")
                page.update(prefill=request.form, errors=e.fields)
                return self.render_template("visits/routine.html", **page), e.http_status
            flash(_("Routine visit recorded."), "success")
            return redirect(url_for("VisitView.show", pk=visit.id))
        return self.render_template("visits/routine.html", **page)

    @action("sign_off", _l("Sign-off"), None, "fa-pencil", multiple=True, single=True)
    def sign_off(self, items):
        """The visited person's sign-off (签名确认) of one recorded visit: their signature on
        the visitor's phone or tablet, or their spoken or written confirmation with their name."""
        items = items if isinstance(items, list) else [items]
        if len(items) != 1:
            flash(_("Choose one visit: each visited person signs their own."), "warning")
            return redirect(self.get_redirect())
        visit = items[0]
        if "signer_name" not in request.form:
            return self._render_sign(visit)
        try:
            rules.sign_off(db.session, current_visit_actor(), visit.id, request.form.get("signer_name"),
                           request.form.get("signature"), request.form.get("note"),
                           expected_version=request.form.get("version"))
        except NotFound:
            abort(404)
        except WorkflowError as e:
            flash(e.message, "danger")
            return self._render_sign(visit, request.form), e.http_status
        flash(_("Signed off."), "success")
        return redirect(url_for(".show", pk=visit.id))

    # ---- helpers --------------------------------------------------------------------

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """FAB's detail table with only the fields the visit has; the sign-off is offered in the
        page's own actions while the visit awaits it, never on a visit that is final."""
        values = self.datamodel.get_values_item(item, self.show_columns)
        filled = [(c, v) for c, v in zip(self.show_columns, values, strict=True) if v not in (None, "")]
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk, label_columns=self.label_columns, include_columns=[c for c, _v in filled],
            value_columns=[v for _c, v in filled], formatters_columns=self.formatters_columns, actions={},
            fieldsets=None, modelview_name=type(self).__name__)
        return widgets

    def _run(self, pk, change, done):
        try:
            change(current_visit_actor())
        except NotFound:
            abort(404)
        except WorkflowError as e:
            flash(e.message, "danger")
            return self._render_show(pk, prefill=request.form, open_form=request.endpoint.rpartition(".")[2]), \
                e.http_status
        flash(done, "success")
        return redirect(url_for(".show", pk=pk))

    def _render_sign(self, visit, prefill=None):
        offers = rules.available(current_visit_actor(), visit)
        if "sign_off" not in offers:
            flash(_("Only a recorded visit awaiting sign-off can be signed off.") if visit.status in rules.OPEN_VISIT
                  else _("A %(status)s visit cannot be signed again; add a correction instead.",
                         status=visit.status.label), "warning")
            return redirect(url_for(".show", pk=visit.id))
        return self.render_template("visits/sign.html", visit=visit, prefill=prefill or {},
                                    needs_signature=visit.method.confirmation == Confirmation.SIGNATURE,
                                    action_url=url_for(f"{type(self).__name__}.action", name="sign_off", pk=visit.id))

    def _render_show(self, pk, prefill=None, open_form=None):
        actor = current_visit_actor()
        try:
            visit = rules.load(db.session, actor, pk)
        except NotFound:
            abort(404)
        widgets = self._get_show_widget(visit.id, visit)
        categories = db.session.scalars(sa.select(Category).where(Category.active.is_(True))
                                        .order_by(Category.code)).all()
        return self.render_template(
            self.show_template, pk=visit.id, title=self.show_title, widgets=widgets, visit=visit,
            offers=rules.available(actor, visit), staff=workflow.staff_choices(db.session, visit),
            notices=rules.notices_of(db.session, visit), repair=rules.is_repair(visit), categories=categories,
            methods=list(VisitMethod), levels=list(Satisfaction), prefill=prefill or {}, open_form=open_form,
            local_time=local_time, now=clock.now(), attempts_needed=rules.UNREACHABLE_AFTER_ATTEMPTS,
            sign_url=url_for(f"{type(self).__name__}.action", name="sign_off", pk=visit.id),
        )


class VisitQueueView(VisitView):
    """The visit queue of Customer Service (电话回访员): visits still to be made or signed off,
    the soonest due first, overdue ones flagged."""

    route_base = "/visit-queue"
    list_title = _l("Visit queue")
    base_filters = VisitScope.base_filters + [["id", VisitQueueFilter, None]]
    base_order = ("due_at", "asc")


class RectificationNoticeView(VisitScope, ModelView):
    """Rectification notices (整改通知) of the user's offices: open ones first, by due time."""

    route_base = "/rectifications"
    datamodel = ModelInterface(RectificationNotice)
    base_filters = [["id", NoticeOfficeFilter, None]]
    base_order = ("due_at", "asc")
    list_title = _l("Rectification notices")
    show_title = _l("Rectification notice")
    show_template = "visits/notice.html"
    list_columns = ["due_state", "problem", "office", "responsible", "status", "issued_at", "completed_at"]
    show_columns = ["problem", "office", "complaint", "visit", "responsible", "status", "issued_by", "issued_at",
                    "due_at", "work_done", "completed_by", "completed_at"]
    search_columns = ["status", "office", "responsible", "issued_at"]
    search_form_extra_fields = {"status": enum_filter(RectificationStatus)}
    order_columns = ["due_at", "issued_at", "status"]
    label_columns = {**LABELS, "due_at": _l("Rectify by"), "completed_at": _l("Completed at"),
                     "due_state": _l("Rectify by")}
    formatters_columns = {
        "due_state": deadline_badge, "status": enum_label(RectificationStatus),
        "complaint": lambda c: _subject_link(c) if c else "",
        "visit": lambda v: Markup('<a href="{}">{}</a>').format(url_for("VisitView.show", pk=v.id), v),
        **{name: local_time for name in ("issued_at", "due_at", "completed_at")},
        **{name: person_name for name in ("responsible", "issued_by", "completed_by")},
        "work_done": blank,
    }

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """A notice with its visits and, while open, the form to record what was done."""
        return self._render_show(pk)

    @expose("/complete/<pk>", methods=["POST"])
    @has_access
    def complete(self, pk):
        """Record what was done; the rectification is then visited."""
        try:
            rules.complete_rectification(db.session, current_visit_actor(), pk, request.form.get("work_done"),
                                         expected_version=request.form.get("version"))
        except NotFound:
            abort(404)
        except WorkflowError as e:
            flash(e.message, "danger")
            return self._render_show(pk, prefill=request.form), e.http_status
        flash(_("Rectification recorded; its visit is planned."), "success")
        return redirect(url_for(".show", pk=pk))

    def _render_show(self, pk, prefill=None):
        actor = current_visit_actor()
        try:
            notice = rules.load_notice(db.session, actor, pk)
        except NotFound:
            abort(404)
        visits = db.session.scalars(sa.select(Visit).where(Visit.rectification_id == notice.id)
                                    .order_by(Visit.id)).all()
        may_complete = (notice.status == RectificationStatus.OPEN and actor.may(rules.VISIT + "rectify")
                        and (notice.responsible_id == actor.user_id or actor.may(rules.VISIT + "approve_unreachable")))
        return self.render_template(self.show_template, pk=notice.id, title=self.show_title,
                                    widgets=self._get_show_widget(notice.id, notice), notice=notice, visits=visits,
                                    may_complete=may_complete, prefill=prefill or {}, local_time=local_time)


class VisitSettingView(ModelView):
    """Each office's visit settings: whether closing a case waits for its signed visit (or an
    approved "unreachable"), and the shares of resolved repairs each role samples for a visit
    (administrators)."""

    route_base = "/visit-settings"
    datamodel = ModelInterface(VisitSetting)
    class_permission_name = RESOURCE_VISIT_SETTING
    list_title = _l("Visit settings")
    show_title = add_title = edit_title = _l("Visit settings")
    list_columns = ["office", "closing_waits_for_visit", "office_share", "engineering_share", "repairer_share"]
    add_columns = edit_columns = show_columns = list_columns
    label_columns = {"office": _l("Office"),
                     "closing_waits_for_visit": _l("Closing waits for a signed visit or an approved unreachable"),
                     "office_share": _l("Office samples (%% of resolved repairs, at least %(n)d)",
                                        n=SamplingRole.OFFICE.minimum_share),
                     "engineering_share": _l("Engineering head samples (%%, at least %(n)d)",
                                             n=SamplingRole.ENGINEERING_HEAD.minimum_share),
                     "repairer_share": _l("Repairer samples of own repairs (%%, at least %(n)d)",
                                          n=SamplingRole.REPAIRER.minimum_share)}
    add_form_extra_fields = edit_form_extra_fields = {
        "closing_waits_for_visit": checkbox(_l("Closing waits for a signed visit or an approved unreachable")),
    }
    validators_columns = {
        "office_share": [NumberRange(SamplingRole.OFFICE.minimum_share, 100)],
        "engineering_share": [NumberRange(SamplingRole.ENGINEERING_HEAD.minimum_share, 100)],
        "repairer_share": [NumberRange(SamplingRole.REPAIRER.minimum_share, 100)],
    }


class VisitingStaffView(ModelView):
    """Who samples resolved repairs for a visit in each office, and in which role (office,
    engineering head, the repairer responsible; administrators)."""

    route_base = "/visiting-staff"
    datamodel = ModelInterface(VisitingStaff)
    class_permission_name = RESOURCE_VISIT_SETTING
    list_title = _l("Visiting staff")
    show_title = add_title = edit_title = _l("Visiting staff")
    list_columns = add_columns = edit_columns = show_columns = ["office", "user", "role"]
    search_columns = ["office", "user", "role"]
    label_columns = {"office": _l("Office"), "user": _l("Staff member"), "role": _l("Samples as")}
    formatters_columns = {"role": enum_label(SamplingRole), "user": person_name}
    add_form_extra_fields = edit_form_extra_fields = {"role": enum_select(SamplingRole, _l("Samples as"))}
    search_form_extra_fields = {"role": enum_filter(SamplingRole)}


class SamplingView(BaseView):
    """Repair sampling (维修回访抽样): each visiting person's sample of a month against their
    share, and drawing the month's samples (supervisors)."""

    route_base = "/repair-sampling"
    default_view = "progress"
    class_permission_name = RESOURCE_VISIT
    method_permission_name = VISIT_METHOD_PERMISSIONS
    base_permissions = VISIT_BASE_PERMISSIONS

    def _page(self, office_id, period_text, status=200):
        actor = current_visit_actor()
        offices = [o for o in db.session.scalars(sa.select(Office).order_by(Office.code)) if actor.sees_office(o.id)]
        office = next((o for o in offices if str(o.id) == str(office_id)), offices[0] if offices else None)
        try:
            period = sampling.Period.parse(period_text) if period_text else sampling.Period.of(clock.now())
        except WorkflowError as e:
            flash(e.message, "danger")
            period, status = sampling.Period.of(clock.now()), e.http_status
        rows = sampling.progress(db.session, office.id, period) if office else []
        return self.render_template("visits/sampling.html", offices=offices, office=office, period=period,
                                    rows=rows, shares=sampling.shares(db.session, office.id) if office else {},
                                    roles=SamplingRole, may_draw=actor.may(rules.VISIT + "draw_sample")), status

    @expose("/")
    @has_access
    def progress(self):
        """Each person's sample of the month against their share."""
        return self._page(request.args.get("office_id"), request.args.get("period"))

    @expose("/draw", methods=["POST"])
    @has_access
    def draw(self):
        """Draw the month's samples of every role and plan their visits."""
        office_id, period = request.form.get("office_id"), request.form.get("period")
        try:
            drawn = sampling.draw(db.session, current_visit_actor(), office_id, period)
        except WorkflowError as e:
            flash(e.message, "danger")
            return self._page(office_id, period, e.http_status)
        for item in drawn:
            if item.missing_staff:
                flash(_("No staff sample as %(role)s in this office (Configuration → Visiting staff).",
                        role=item.role.label), "warning")
        flash(_("%(n)d repairs drawn for a visit.", n=sum(item.drawn for item in drawn)), "success")
        return redirect(url_for(".progress", office_id=office_id, period=period))
