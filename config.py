"""Application configuration, read from the environment with safe defaults."""
import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'complaints.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False

APP_NAME = "物业投诉处理与回访"
APP_THEME = ""
# The company's time zone: timestamps are stored in UTC and shown in this zone.
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

# Schema comes only from migrations; roles and permissions only from `complaints init`.
FAB_UPDATE_PERMS = False
# FAB would otherwise create_all() on a fresh database, after which `db upgrade` fails.
FAB_CREATE_DB = False
FAB_ADD_SECURITY_API = False
# The OpenAPI document and Swagger UI are registered by create_app (app/core/api.py: FAB's
# document view, also describing what every route answers at the door).
FAB_ADD_OPENAPI_VIEWS = False
# The screens render their menu on the server; no client reads FAB's menu API.
FAB_ADD_MENU_API = False
FAB_SECURITY_MANAGER_CLASS = "app.core.security.ComplaintSecurityManager"
FAB_INDEX_VIEW = "app.complaints.views.HomeView"
FAB_BASE_TEMPLATE = "complaints/baselayout.html"
FAB_API_MAX_PAGE_SIZE = 100
# Exports one server process streams at a time (each holds a worker thread until its download
# ends); more are refused with a message, so the other users are always served.
EXPORTS_AT_ONCE = int(os.environ.get("EXPORTS_AT_ONCE", "2"))
# Largest page a list screen serves; bigger or malformed psize_* values are clamped.
LIST_MAX_PAGE_SIZE = 100
# Lists and dashboard figures count exactly up to this many rows, then show "10,000+" and page
# no further: what a page costs does not grow with the number of cases.
LIST_COUNT_LIMIT = int(os.environ.get("LIST_COUNT_LIMIT", 10_000))

AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
FAB_PASSWORD_COMPLEXITY_ENABLED = True

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # a form kept open through a long phone call stays valid
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind HTTPS in production, set SESSION_COOKIE_SECURE=1.
SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"

BABEL_DEFAULT_LOCALE = "zh"
# Dates are shown in the company's zone.
BABEL_DEFAULT_TIMEZONE = TIME_ZONE
# FAB's catalogues come first, then FAB's Traditional one under Babel's name for zh_HK
# (`make translations` puts it there), then ours.
BABEL_TRANSLATION_DIRECTORIES = ";".join(str(BASE_DIR / d) for d in ("build/fab-translations", "translations"))
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "zh_HK": {"flag": "hk", "name": "繁體中文"},
    "en": {"flag": "gb", "name": "English"},
}

# Evidence files: kept outside the web root, checked by content, capped in size.
ATTACHMENT_FOLDER = os.environ.get("ATTACHMENT_FOLDER", str(INSTANCE_DIR / "attachments"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024))
MAX_CONTENT_LENGTH = ATTACHMENT_MAX_BYTES + 1024 * 1024

# Deadlines: the sweep interval, reminder lead time, and the one-month rule (domain.md).
# The in-process scheduler is for the embedded default; production runs `complaints scheduler`.
SCHEDULER_IN_PROCESS = os.environ.get("SCHEDULER_IN_PROCESS", "0") == "1"
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", 60))
DEADLINE_REMINDER_MINUTES = int(os.environ.get("DEADLINE_REMINDER_MINUTES", 120))
MAJOR_AFTER_MONTHS = 1
# How often the scheduler refreshes SQLite's planner statistics (core/statistics.py).
STATISTICS_INTERVAL_HOURS = float(os.environ.get("STATISTICS_INTERVAL_HOURS", 6))
