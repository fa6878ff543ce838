"""The offices screen (administrators), and what every administrators' screen of rows that
cases refer to shares: deleting one in use is refused."""
from flask_babel import lazy_gettext as _l

from .extensions import db
from .filters import Interface
from .forms import checkbox
from .integrity import refuse_delete_in_use
from .lists import ModelView
from .models import Office
from .permissions import RESOURCE_OFFICE


class RefuseDeleteInUse:
    """A ModelView mixin: deleting a row still in use is refused with a message offering
    deactivation (FAB shows what pre_delete raises and deletes nothing)."""

    def pre_delete(self, item):
        refuse_delete_in_use(db.session, item)
        super().pre_delete(item)


class OfficeView(RefuseDeleteInUse, ModelView):
    """Management offices and their staff (administrators)."""

    route_base = "/offices"
    datamodel = Interface(Office)
    class_permission_name = RESOURCE_OFFICE
    list_title = _l("Offices")
    show_title = add_title = edit_title = _l("Office")
    list_columns = ["code", "name", "households", "active"]
    add_columns = edit_columns = show_columns = ["code", "name", "households", "active", "staff"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "households": _l("Households"), "active": _l("Active"),
                     "staff": _l("Staff")}
    add_form_extra_fields = edit_form_extra_fields = {"active": checkbox(_l("Active"), default=True)}
