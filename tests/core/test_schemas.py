"""JSON bodies are read in one place: strict JSON types, bounded ids and times, and a message
per field in the user's language (422), never an exception from deeper down."""
from datetime import datetime, timezone

import pytest

from app.complaints.enums import Urgency
from app.core.errors import InvalidInput
from app.core.schemas import Choice, Flag, Id, Moment, Schema, Text, load


class Body(Schema):
    id = Id(required=True)
    at = Moment()
    text = Text(5, required=True)
    flag = Flag()
    urgency = Choice(Urgency)


def refused(data) -> dict:
    with pytest.raises(InvalidInput) as error:
        load(Body(), data)
    return error.value.fields


def test_a_valid_body_is_read_into_python_values(app):
    with app.test_request_context():
        body = load(Body(), {"id": 7, "at": "2026-11-20T14:30:00+08:00", "text": "电梯", "flag": False,
                             "urgency": "EMERGENCY"})
    assert body == {"id": 7, "at": datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc), "text": "电梯",
                    "flag": False, "urgency": Urgency.EMERGENCY}


@pytest.mark.parametrize("data, field", [
    ({"text": "x"}, "id"), ({"id": "7", "text": "x"}, "id"), ({"id": 7.0, "text": "x"}, "id"),
    ({"id": True, "text": "x"}, "id"), ({"id": 0, "text": "x"}, "id"), ({"id": 2**64, "text": "x"}, "id"),
    ({"id": 1, "text": ""}, "text"), ({"id": 1, "text": "长度超过五个"}, "text"), ({"id": 1, "text": 5}, "text"),
    ({"id": 1, "text": "x", "flag": "yes"}, "flag"), ({"id": 1, "text": "x", "flag": 1}, "flag"),
    ({"id": 1, "text": "x", "urgency": "emergency"}, "urgency"),
    ({"id": 1, "text": "x", "at": "0001-01-01T00:00:00+08:00"}, "at"),
    ({"id": 1, "text": "x", "at": "9999-12-31T23:59:59-10:00"}, "at"), ({"id": 1, "text": "x", "at": 20261120}, "at"),
    ({"id": 1, "text": "x", "extra": 1}, "extra"),
])
def test_a_bad_value_gets_a_message_on_its_field(app, data, field):
    with app.test_request_context():
        assert field in refused(data)


def test_messages_are_in_the_users_language(app):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        fields = refused({"id": 2**64, "at": "0001-01-01T00:00:00Z"})
    assert fields["id"] == "请填写 1 至 2147483647 之间的整数。"
    assert fields["text"] == "此项必填。"
    assert fields["at"].startswith("请填写 2000 年至 2099 年之间的日期和时间")
