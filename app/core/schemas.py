"""JSON request bodies, in one place for every API: a marshmallow Schema whose messages are in
the user's language, the bounded fields bodies are made of (ids, whole numbers, times, text,
choices, flags), and `load`, which refuses a body with a message per field (422).

The bounds are core.params's: an id fits the integer column, a time lies in the years
MIN_YEAR..MAX_YEAR, so nothing a body carries can overflow the database later."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, ValidationError, fields, validate
from marshmallow import Schema as _Schema

from .errors import InvalidInput
from .params import MAX_ID, MAX_YEAR, MIN_YEAR, parse_datetime

REQUIRED = _l("This field is required.")


class _Translated:
    """Field messages in the user's language; marshmallow's own are English."""

    default_error_messages = {"required": REQUIRED, "null": REQUIRED,
                              "validator_failed": _l("This value is not valid.")}

    def make_error(self, key, **kwargs):
        # Lazy messages are translated (and their placeholders filled) when the error is made.
        return ValidationError(str(self.error_messages[key]).format(**kwargs))


class WholeNumber(_Translated, fields.Integer):
    """A JSON integer (never a string or a fraction) within `minimum`..`maximum`."""

    default_error_messages = {"invalid": _l("Give a whole number.")}

    def __init__(self, minimum, maximum, **kwargs):
        super().__init__(strict=True, validate=validate.Range(
            minimum, maximum, error=_l("Give a whole number from {min} to {max}.")), **kwargs)


class Id(WholeNumber):
    """A row id: 1..MAX_ID, what the integer id columns hold."""

    def __init__(self, **kwargs):
        super().__init__(1, MAX_ID, **kwargs)


class Moment(_Translated, fields.DateTime):
    """A date and time read by core.params.parse_datetime: ISO 8601, with its UTC offset (a time
    without one is the company's local time), in the years MIN_YEAR..MAX_YEAR."""

    default_error_messages = {
        "invalid": _l("Give a date and time in the years {min} to {max}, e.g. 2026-11-20T14:30:00+08:00."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise self.make_error("invalid", min=MIN_YEAR, max=MAX_YEAR)
        return moment


class Text(_Translated, fields.String):
    """A JSON string of at most `max_length` characters (at least one when `required`)."""

    default_error_messages = {"invalid": _l("Give text.")}

    def __init__(self, max_length, required=False, validate_also=(), **kwargs):
        length = validate.Length(min=1 if required else None, max=max_length,
                                 error=_l("Give 1 to {max} characters.") if required
                                 else _l("Give at most {max} characters."))
        super().__init__(required=required, validate=[length, *validate_also], **kwargs)


class Money(_Translated, fields.Decimal):
    """A sum in yuan: a JSON number from 0 to 99,999,999.99 with at most two decimals (never a
    string, NaN or infinity), read as a Decimal."""

    default_error_messages = {"invalid": _l("Give a sum in yuan, e.g. 35.50."),
                              "special": _l("Give a sum in yuan, e.g. 35.50.")}

    def __init__(self, **kwargs):
        super().__init__(places=None, allow_nan=False, validate=[
            validate.Range(0, Decimal("99999999.99"), error=_l("Give a sum from {min} to {max}.")), self._cents],
            metadata={"type": "number", "minimum": 0, "maximum": 99999999.99}, **kwargs)

    def _cents(self, value):
        if value != value.quantize(Decimal("0.01")):
            raise self.make_error("invalid")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(str(value), attr, data, **kwargs)


class Choice(_Translated, fields.Enum):
    """One of an enum's members, by name."""

    default_error_messages = {"unknown": _l("Choose one of: {choices}.")}


class Flag(_Translated, fields.Boolean):
    """JSON true or false (not "yes", 1 or "on")."""

    default_error_messages = {"invalid": _l("Give true or false.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class Schema(_Schema):
    """A request body: a JSON object with the declared fields and no others."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("This field is not accepted here."), "type": _l("Send a JSON object.")}


def load(schema: Schema, data) -> dict:
    """The body `data` read by `schema`, or InvalidInput (422) with a message per field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput(_("Some input is not valid; see the message by each field."),
                           field_messages(error.messages)) from None


def field_messages(messages) -> dict:
    """marshmallow's {field: [message, …]} as {field: "message …"}."""
    if not isinstance(messages, dict):
        return {"_schema": _flat(messages)}
    return {str(name): _flat(value) for name, value in messages.items()}


def _flat(value) -> str:
    if isinstance(value, dict):
        return " ".join(f"{name}: {_flat(item)}" for name, item in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(_flat(item) for item in value)
    return str(value)
