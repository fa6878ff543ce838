"""Flask-AppBuilder's own texts that its Chinese catalogue lacks (its buttons' titles, the delete
confirmation, the security screens' labels and messages). Listed here so that `make messages`
extracts them into our catalogue, which Flask-Babel reads after FAB's: every framework text of
the screens is then in the user's language. Nothing imports this module."""
from flask_babel import lazy_gettext as _l

FAB_TEXTS = (
    # The list's and the detail page's row buttons, and the delete confirmation.
    _l("Add"), _l("Edit"), _l("Show"), _l("Delete"), _l("Are you sure you want to delete this item?"),
    _l("No row selected"),
    # List filters.
    _l("Contains (insensitive)"), _l("Start with"), _l("In"), _l("Not In"),
    # Forms and refusals.
    _l("Not a valid choice"), _l("Database Error"), _l("Either select a role or a group"),
    # The user, role and group screens.
    _l("Groups"), _l("List Groups"), _l("Show Group"), _l("Add Group"), _l("Edit Group"),
    _l("Edit User Information"), _l("User information changed"), _l("The user's password for authentication"),
    _l("It's not a good policy to remove a user, just make it inactive"),
    _l("User(s) exists in the role, cannot delete"), _l("User(s) exists in the group, cannot delete"),
)
