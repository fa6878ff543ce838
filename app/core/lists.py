"""What every list screen shares, so that a page costs the same with a million rows as with ten
thousand: counts that stop at a limit, pages that end there, and a search form whose related
choices (categories, offices, staff) are read only when a filter on them is shown."""
import flask_appbuilder as fab
import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify
from flask_appbuilder import expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.widgets import SearchWidget
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.widgets import html_params

from .params import parse_id


def count_limit() -> int:
    """How far lists and dashboard figures count exactly (LIST_COUNT_LIMIT)."""
    return current_app.config["LIST_COUNT_LIMIT"]


def past_limit_message(limit: int) -> str:
    """What a list answers when asked for a page starting at or past `limit` (screen and API)."""
    return _("Only the first %(limit)s rows of this list can be paged through. Narrow the filter "
             "(for example by the time received) to reach the others.", limit=format_number(limit))


class ListCount(int):
    """A count read up to a limit: the exact number below it; at the limit, the limit, shown
    as "10,000+". Pages are reckoned from its value, so paging stops at the limit too."""

    def __new__(cls, counted: int, limit: int):
        count = super().__new__(cls, min(counted, limit))
        count.capped = counted > limit
        return count

    def __str__(self):
        return f"{format_number(int(self))}+" if self.capped else format_number(int(self))

    __html__ = __str__


def bounded_count(session, statement, limit: int | None = None) -> ListCount:
    """How many rows `statement` yields, reading at most limit + 1 of them: an index serves the
    count whatever the size of the table. `statement` is an ORM query of one entity (counted by
    its primary key) or a select of one narrow column, such as an id."""
    limit = count_limit() if limit is None else limit
    if hasattr(statement, "with_entities"):
        statement = statement.statement
    # A constant per row: any index holding the filtered columns can answer without the rows.
    rows = statement.with_only_columns(sa.literal(1), maintain_column_froms=True).order_by(None)
    counted = sa.select(sa.func.count()).select_from(rows.limit(limit + 1).subquery())
    return ListCount(session.scalar(counted), limit)


def query_page(datamodel, filters, order_column, order_direction, page, page_size, limit):
    """One page of a FAB datamodel's rows in order (ties broken by the primary key) and their
    count, exact up to `limit` (ListCount); a page starting at or past `limit` reads no rows."""
    session, query = datamodel.session, datamodel.session.query(datamodel.obj)
    count = bounded_count(session, datamodel._apply_inner_all(query, filters, aliases_mapping={}), limit)
    if (page or 0) * page_size >= limit:
        return count, []
    # The page's keys first, in order: skipping the rows of earlier pages reads index entries
    # only; then the page's rows with what they show (joined), in the same order.
    pk = getattr(datamodel.obj, datamodel.get_pk_name())
    keys = [key for (key,) in datamodel._apply_inner_all(query, filters, order_column, order_direction, page,
                                                          page_size, aliases_mapping={}).with_entities(pk)]
    if not keys:
        return count, []
    rows = datamodel.apply_order_by(query.filter(pk.in_(keys)), order_column, order_direction, add_pk=True)
    return count, rows.all()


class LazyChoiceSelect:
    """A related-row filter's select box holding only the rows already chosen; the browser loads
    the other choices (app/static/js/lazy_choices.js) when the user adds that filter."""

    def __init__(self, url: str, chosen):
        self.url, self.chosen = url, chosen

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs["class"] = f"{kwargs.get('class', '')} my_select2 lazy-choices form-control".strip()
        options = "".join(f'<option value="{escape(pk)}">{escape(label)}</option>' for pk, label in self.chosen)
        return Markup(f'<select {html_params(data_choices_url=self.url, **kwargs)}>'
                      f'<option value=""></option>{options}</select>')


class LazyChoicesSearchWidget(SearchWidget):
    """FAB's search form without reading every category, office and user on each page: a
    related-row filter renders only the rows its active filters name."""

    template = "appbuilder/lazy_search.html"

    def __call__(self, **kwargs):
        form = self.template_args["form"]
        active = self.filters.get_filters_values_tojson()
        for column in self.template_args["include_cols"]:
            field = form[column]
            if isinstance(field, QuerySelectField):
                chosen = [str(value) for name, _f, values in active if name == column
                          for value in (values if isinstance(values, list) else [values])]
                url = f"{self.template_args['route_base']}/filter-choices/{column}"
                field.widget = LazyChoiceSelect(url, self._labels(field, chosen))
        return super().__call__(**kwargs)

    def _labels(self, field, pks):
        """(pk, label) of the rows the active filters name, read only when there are some."""
        related = self.filters.datamodel.get_related_interface(field.name)
        read = getattr(related, "read_pk", parse_id)  # FAB's own interface: ids are whole numbers
        ids = [pk for pk in (read(v) for v in pks) if pk is not None]
        if not ids:
            return []
        key = getattr(related.obj, related.get_pk_name())
        rows = related.session.scalars(sa.select(related.obj).where(key.in_(ids))).all()
        return [(str(field.get_pk_func(row)), field.get_label(row)) for row in rows]


class ScaledList:
    """A ModelView mixin: lists counted up to LIST_COUNT_LIMIT ("10,000+"), pages past it
    refused with a request to narrow the filter, and related choices in the search form loaded
    on demand from /<view>/filter-choices/<column> (same rows FAB would list)."""

    search_widget = LazyChoicesSearchWidget

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        # FAB's own _get_list_widget, with the bounded query.
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        limit = count_limit()
        count, rows = query_page(self.datamodel, filters.get_joined_filters(self._base_filters), order_column,
                                 order_direction, page, page_size, limit)
        if count.capped and (page or 0) * page_size >= limit:
            flash(past_limit_message(limit), "warning")
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=self.list_columns,
            value_columns=self.datamodel.get_values(rows, self.list_columns), order_columns=self.order_columns,
            formatters_columns=self.formatters_columns, page=page, page_size=page_size, count=count,
            pks=[self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(rows)],
            actions=actions, filters=filters, modelview_name=self.__class__.__name__, **kwargs)
        return widgets

    @expose("/filter-choices/<column>")
    def filter_choices(self, column):
        """The choices of a related-row filter, as [{id, text}], for whoever may open the list."""
        permission = "can_" + self.get_method_permission("list")
        if not (permission in self.base_permissions
                and self.appbuilder.sm.has_access(permission, self.class_permission_name)):
            abort(403 if current_user.is_authenticated else 401)
        form = self.search_form.refresh()
        field = form[column] if column in self.search_columns and column in form else None
        if not isinstance(field, QuerySelectField):
            abort(404)
        return jsonify([{"id": pk, "text": str(field.get_label(row))} for pk, row in field._get_object_list()])


class ModelView(ScaledList, fab.ModelView):
    """Flask-AppBuilder's ModelView with the lists of this module: every list screen of the app
    derives from it."""
