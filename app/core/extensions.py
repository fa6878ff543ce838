"""Shared extension objects, created unbound and initialised in create_app()."""
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's security tables and ours share one metadata, so one migration history covers both.
# (AppBuilder keeps per-app state, so create_app() makes one per app: current_app.appbuilder.)
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
