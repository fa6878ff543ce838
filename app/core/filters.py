"""The datamodel of every screen and of the API: Flask-AppBuilder's SQLAlchemy interface, reading
each primary key and each list filter's value with the one parser (core.params).

FAB passes ids and filter values from the URL to the database as they come: an id past the
`integer` range, a word where a number or a date belongs, a name no enum has. PostgreSQL answers
those with an error (and SQLite with an OverflowError), so every lookup here parses first: an
unreadable id names no row (the caller answers 404), an unreadable filter value is refused with
InvalidFilter (400, our page or JSON)."""
import sqlalchemy as sa
from flask_appbuilder.models import filters as fab_filters
from flask_appbuilder.models.sqla import filters as sqla_filters
from flask_appbuilder.models.sqla.filters import (
    SQLAFilterConverter,
    get_field_setup_query,
    set_value_to_type,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from . import clock
from .errors import InvalidFilter
from .params import (
    MAX_YEAR,
    MIN_YEAR,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_enum,
    parse_id,
    parse_int,
)
from .types import UTCDateTime


def _shown(value) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _refuse(value, message=None):
    raise InvalidFilter(message or _("The list cannot be filtered by “%(value)s”: the field takes no such value.",
                                     value=_shown(value)))


def filter_value(datamodel, column_name, value):
    """`value` as the column's type (an enum member, a whole number that fits, True or False, a
    date, a local or UTC time), or InvalidFilter."""
    column = datamodel.list_columns.get(column_name)
    if isinstance(value, (list, tuple, dict)) or column is None:
        _refuse(value)
    if datamodel.is_enum(column_name):
        enum_cls = column.type.enum_class
        member = parse_enum(enum_cls, value) if enum_cls else (value if value in column.type.enums else None)
        return member if member is not None else _refuse(value)
    if datamodel.is_integer(column_name):
        number = parse_int(value)
        return number if number is not None else _refuse(value)
    if datamodel.is_boolean(column_name):
        flag = parse_bool(value)
        return flag if flag is not None else _refuse(value)
    if datamodel.is_datetime(column_name):
        moment = parse_datetime(value)
        if moment is None:
            _refuse(value, _("“%(value)s” is not a date and time between the years %(first)d and %(last)d.",
                             value=_shown(value), first=MIN_YEAR, last=MAX_YEAR))
        # FAB's own columns hold naive local times; ours (UTCDateTime) take aware ones.
        return moment if isinstance(column.type, UTCDateTime) else clock.local(moment).replace(tzinfo=None)
    if datamodel.is_date(column_name):
        day = parse_date(value)
        return day if day is not None else _refuse(value, _("“%(value)s” is not a date.", value=_shown(value)))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _refuse(value)
    if datamodel.is_string(column_name) or datamodel.is_text(column_name):
        return str(value)  # text filters build patterns from it ("starts with" adds a %)
    return set_value_to_type(datamodel, column_name, value)


class FilterEqual(sqla_filters.FilterEqual):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field == filter_value(self.datamodel, self.column_name, value))


class FilterNotEqual(sqla_filters.FilterNotEqual):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field != filter_value(self.datamodel, self.column_name, value))


class FilterGreater(sqla_filters.FilterGreater):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field > filter_value(self.datamodel, self.column_name, value))


class FilterSmaller(sqla_filters.FilterSmaller):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field < filter_value(self.datamodel, self.column_name, value))


def _each(value):
    return value if isinstance(value, list) else [value]


class FilterIn(sqla_filters.FilterIn):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field.in_([filter_value(self.datamodel, self.column_name, v) for v in _each(value)]))


class FilterNotIn(sqla_filters.FilterNotIn):
    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(~field.in_([filter_value(self.datamodel, self.column_name, v) for v in _each(value)]))


def _related(filter_, value):
    """The related row named by `value`, None when no row has that id, or InvalidFilter."""
    if isinstance(value, (list, tuple, dict)) or \
            filter_.datamodel.get_related_interface(filter_.column_name).read_pk(value) is None:
        _refuse(value)
    return filter_.datamodel.get_related_obj(filter_.column_name, value)


def _foreign_key(filter_):
    """The one column a many-to-one relation is stored in, or None."""
    relation = filter_.model.__mapper__.relationships.get(filter_.column_name)
    if relation is None or relation.direction is not sa.orm.MANYTOONE or len(relation.local_columns) != 1:
        return None
    return next(iter(relation.local_columns))


def _related_id(filter_, value):
    """The id `value` names (the row need not be read), or InvalidFilter."""
    pk = None if isinstance(value, (list, tuple, dict)) else \
        filter_.datamodel.get_related_interface(filter_.column_name).read_pk(value)
    return pk if pk is not None else _refuse(value)


class FilterRelationOneToManyEqual(sqla_filters.FilterRelationOneToManyEqual):
    def apply(self, query, value):
        column = _foreign_key(self)
        if column is not None:  # compared by id: no statement to read the related row
            return query.filter(column == _related_id(self, value))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field == _related(self, value))


class FilterRelationOneToManyNotEqual(sqla_filters.FilterRelationOneToManyNotEqual):
    def apply(self, query, value):
        column = _foreign_key(self)
        if column is not None:
            return query.filter(sa.or_(column != _related_id(self, value), column.is_(None)))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field != _related(self, value))


class FilterRelationManyToManyEqual(sqla_filters.FilterRelationManyToManyEqual):
    def apply_item(self, query, field, value_item):
        _related(self, value_item)
        return super().apply_item(query, field, value_item)


_PARSED = {fab: ours for fab, ours in (
    (sqla_filters.FilterEqual, FilterEqual), (sqla_filters.FilterNotEqual, FilterNotEqual),
    (sqla_filters.FilterGreater, FilterGreater), (sqla_filters.FilterSmaller, FilterSmaller),
    (sqla_filters.FilterIn, FilterIn), (sqla_filters.FilterNotIn, FilterNotIn),
    (sqla_filters.FilterRelationOneToManyEqual, FilterRelationOneToManyEqual),
    (sqla_filters.FilterRelationOneToManyNotEqual, FilterRelationOneToManyNotEqual),
    (sqla_filters.FilterRelationManyToManyEqual, FilterRelationManyToManyEqual),
)}


class FilterConverter(SQLAFilterConverter):
    """FAB's filters for each column type, in FAB's order (so `_flt_<n>_` keeps its meaning),
    each reading its value with the one parser: enum names with parse_enum, numbers with
    parse_int, dates with parse_date and parse_datetime, related rows' ids like primary keys."""

    conversion_table = tuple((test, [_PARSED.get(cls, cls) for cls in classes])
                             for test, classes in SQLAFilterConverter.conversion_table)


class Filters(fab_filters.Filters):
    """FAB's filter set, refusing a `_flt_<n>_<column>` whose n names none of the column's filters
    (FAB would fail with an IndexError)."""

    def add_filter_index(self, column_name, filter_instance_index, value):
        available = self._all_filters.get(column_name)
        if available is not None and not 0 <= filter_instance_index < len(available):
            raise InvalidFilter(_("This list has no such filter."))
        super().add_filter_index(column_name, filter_instance_index, value)


class Interface(SQLAInterface):
    """FAB's SQLAlchemy interface, for every ModelView and API of the app (FAB's own security
    screens included: see core.security): primary keys and filter values go through core.params."""

    filter_converter_class = FilterConverter

    def read_pk(self, value):
        """The primary key named by `value` (a URL segment, a form field, an int), or None."""
        if self.is_pk_composite():
            return value
        column_type = self.obj.__mapper__.primary_key[0].type
        if isinstance(column_type, sa.Integer):
            return parse_id(value)
        if isinstance(column_type, sa.Date) and not isinstance(column_type, sa.DateTime):
            return parse_date(value)
        return value if isinstance(value, (str, int)) else None

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        pk = self.read_pk(id)
        if pk is None:
            return None
        return super().get(pk, filters, select_columns=select_columns, outer_default_load=outer_default_load)

    def get_related_obj(self, col_name, value):
        pk = self.get_related_interface(col_name).read_pk(value)
        return None if pk is None else super().get_related_obj(col_name, pk)

    def get_filters(self, search_columns=None, search_filters=None):
        return Filters(self.filter_converter_class, self, search_columns=search_columns or [],
                       search_filters=search_filters)
