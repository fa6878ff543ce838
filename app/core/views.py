"""The offices screen (administrators)."""
from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from .filters import Interface
from .models import Office
from .permissions import RESOURCE_OFFICE


class OfficeView(ModelView):
    """Management offices and their staff (administrators)."""

    route_base = "/offices"
    datamodel = Interface(Office)
    class_permission_name = RESOURCE_OFFICE
    list_title = _l("Offices")
    show_title = add_title = edit_title = _l("Office")
    list_columns = ["code", "name", "households"]
    add_columns = edit_columns = show_columns = ["code", "name", "households", "staff"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "households": _l("Households"), "staff": _l("Staff")}
