"""Column types shared by every domain's models."""
from datetime import datetime, timezone

import sqlalchemy as sa

from . import clock


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL.

    A naive value (a date typed into a list filter) is read as the company's local time."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return clock.from_local(value).astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def enum_column(cls, length=24):
    """A labelled enum stored by member name in a VARCHAR (the same on every database)."""
    return sa.Enum(cls, native_enum=False, length=length, validate_strings=True)
