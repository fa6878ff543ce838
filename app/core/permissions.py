"""Role and permission names, and the default grants of each role, in one place."""
from flask_babel import lazy_gettext as _l

# Every complaint screen and the complaint API share this permission resource.
RESOURCE_COMPLAINT = "Complaint"
RESOURCE_OFFICE = "Office"
RESOURCE_CATEGORY = "Category"
RESOURCE_DEADLINE_POLICY = "Deadline policy"
RESOURCE_CALENDAR = "Working-day calendar"
RESOURCE_NOTIFICATION = "Notification"
# Reports: the dashboard, the monthly report and staff accountability (read), exports of
# its own (export), and unmasked complainant phones in exports (see_personal_data).
RESOURCE_REPORT = "Report"
RESOURCE_EXPORT_RECORD = "Export record"
PERMISSION_EXPORT = "export"
PERMISSION_SEE_PERSONAL_DATA = "see_personal_data"
REPORT_BASE_PERMISSIONS = ["can_read", "can_" + PERMISSION_EXPORT, "can_" + PERMISSION_SEE_PERSONAL_DATA]

ROLE_CUSTOMER_SERVICE = "Customer Service"
ROLE_SUPERVISOR = "Supervisor"
ROLE_GENERAL_MANAGER = "General Manager"
ROLE_ADMIN = "Admin"

ROLE_LABELS = {
    ROLE_CUSTOMER_SERVICE: _l("Customer Service"),
    ROLE_SUPERVISOR: _l("Supervisor"),
    ROLE_GENERAL_MANAGER: _l("General Manager"),
    ROLE_ADMIN: _l("Admin"),
    "Public": _l("Public"),
}

# The highest tier a role handles (domain.md: Who works in it).
ROLE_TIERS = {
    ROLE_CUSTOMER_SERVICE: 1,
    ROLE_SUPERVISOR: 2,
    ROLE_GENERAL_MANAGER: 3,
    ROLE_ADMIN: 3,
}
# The general manager sees every office (domain.md: Who works in it).
ALL_OFFICE_ROLES = {ROLE_GENERAL_MANAGER, ROLE_ADMIN}

# FAB method → permission, shared by the complaint screens and the API.
METHOD_PERMISSIONS = {
    "list": "read",
    "show": "read",
    "get": "read",
    "get_list": "read",
    "info": "read",
    "events": "read",
    "timeline": "read",
    "download": "read",
    "add": "write",
    "post": "write",
    "edit": "write",
    "put": "write",
    "act": "read",  # the workflow checks the action's own permission
    "quick_search": "read",
    "caller_history": "read",
    "by_number": "read",
    "upload": "attach",
    "bulk_acknowledge": "acknowledge",
}

# Workflow actions, each its own permission on the Complaint resource.
CS_ACTIONS = [
    "acknowledge", "assign", "start_investigation", "propose_plan", "record_progress",
    "record_feedback", "resolve", "record_confirmation", "escalate", "appeal", "record_on_site",
    "record_return_visit", "record_repeat_call", "correct_complainant",
]
SUPERVISOR_ACTIONS = CS_ACTIONS + ["approve_plan", "send_back_plan", "mark_validity", "close", "void",
                                   "pause_clock", "resume_clock"]
# The permissions every complaint screen and the API declare on the Complaint resource.
COMPLAINT_BASE_PERMISSIONS = ["can_" + n for n in ["read", "write", "attach"] + SUPERVISOR_ACTIONS]

_MENUS = ["Complaints", "My queue", "All complaints", "Register complaint", "Overdue cases", "Notifications"]
# FAB's user screen (security.OfficeUserModelView) and its own-password form: every staff
# member opens their profile and changes their own password.
RESOURCE_USER = "OfficeUserModelView"
_SELF_SERVICE = [
    ("can_userinfo", RESOURCE_USER),
    ("resetmypassword", RESOURCE_USER),  # FAB names action permissions without can_
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_read", RESOURCE_NOTIFICATION),
] + [("menu_access", m) for m in _MENUS]
# The REST API's description: the OpenAPI document (FAB's OpenApi view) and the Swagger UI,
# for every role that may call the API.
_API_DOCS = [
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
]


def _complaint(names):
    return [("can_" + n, RESOURCE_COMPLAINT) for n in ["read", "write", "attach"] + names]


# Supervisors and the general manager read the reports and export (domain.md: Statistics);
# nobody sees unmasked phones in exports unless an administrator grants it (domain.md: Intake).
_REPORTS = [("can_read", RESOURCE_REPORT), ("can_" + PERMISSION_EXPORT, RESOURCE_REPORT)] + [
    ("menu_access", m) for m in ["Reports", "Statistics dashboard", "Monthly report", "Staff accountability"]]

DEFAULT_ROLE_PERMISSIONS = {
    ROLE_CUSTOMER_SERVICE: _complaint(CS_ACTIONS) + _SELF_SERVICE + _API_DOCS,
    ROLE_SUPERVISOR: _complaint(SUPERVISOR_ACTIONS) + _SELF_SERVICE + _REPORTS + _API_DOCS,
    ROLE_GENERAL_MANAGER: _complaint(SUPERVISOR_ACTIONS) + _SELF_SERVICE + _REPORTS + _API_DOCS,
}
