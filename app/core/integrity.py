"""Rows that others refer to are kept: offices, categories and staff that cases, their history
or settings name are deactivated, never deleted.

The schema states which references keep a row (foreign keys declared ON DELETE RESTRICT), and
the database refuses such a delete on SQLite and PostgreSQL alike; `refuse_delete_in_use` reads
the same declarations to refuse it first, with a message that says what to do instead."""
import sqlalchemy as sa
from flask_appbuilder import Model
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from .errors import InUse


def restricting_references(table: sa.Table) -> list[sa.ForeignKey]:
    """The foreign keys, anywhere in the schema, that keep a row of `table` from being deleted."""
    return [fk for other in Model.metadata.sorted_tables for fk in other.foreign_keys
            if fk.column.table is table and (fk.ondelete or "").upper() == "RESTRICT"]


def is_in_use(session: Session, row) -> bool:
    """Whether any other row refers to `row` through a restricting foreign key."""
    state = sa.inspect(row)
    mapper = state.mapper
    for fk in restricting_references(mapper.local_table):
        value = getattr(row, mapper.get_property_by_column(fk.column).key)
        stmt = sa.select(sa.literal(1)).select_from(fk.parent.table).where(fk.parent == value)
        if fk.parent.table is mapper.local_table:  # a row naming itself does not keep itself
            stmt = stmt.where(fk.column != value)
        if session.execute(stmt.limit(1)).first() is not None:
            return True
    return False


def refuse_delete_in_use(session: Session, row) -> None:
    """Raise InUse if `row` is still referred to; deactivating it is what to do instead."""
    if is_in_use(session, row):
        raise InUse(_("%(item)s is still used by cases, their history or settings, so it cannot be deleted: "
                      "deactivate it instead.", item=row))
