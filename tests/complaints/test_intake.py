"""Intake, as a phone call goes: nothing chosen for the call-taker, a clear message for what is
missing, the time received back-dated to the minute, the caller's open cases, a repeat call
recorded on its case instead of a duplicate, and the complainant's details corrected later."""
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import EventKind, Status
from app.complaints.models import Complainant, Complaint, ComplaintEvent
from app.core.extensions import db

from .test_workflow import bring_to


def intake(world, **overrides):
    data = {
        "category_id": str(world.categories["REPAIR_COMMON"].id), "urgency": "EMERGENCY",
        "office_id": str(world.offices["BJ01"].id), "complainant_name": "李桂兰",
        "complainant_room": "3栋2单元501", "complainant_phone": "13911112222",
        "description": "电梯困人,老人被困", "channel": "PHONE",
    }
    data.update(overrides)
    return data


def case_count():
    return db.session.scalar(sa.select(sa.func.count(Complaint.id)))


def events(case, kind):
    db.session.expire_all()
    return db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                              ComplaintEvent.kind == kind)).all()


# ---- the form -----------------------------------------------------------------------------

def test_the_intake_form_chooses_no_category_and_no_urgency_for_the_call_taker(cs_client):
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    category = re.search(r'<select[^>]*id="category_id".*?</select>', page, re.DOTALL).group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)<", category) == [""]  # only the empty choice
    assert 'data-placeholder="请选择类别"' in category
    radios = re.findall(r'<input[^>]*name="urgency"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    # Urgency comes right after the category, before everything else.
    assert page.index('id="category_id"') < page.index('name="urgency"') < page.index('id="office_id"')


def test_a_call_with_no_category_or_urgency_chosen_is_refused_in_chinese_and_keeps_what_was_typed(cs_client, world):
    response = cs_client.post("/complaints/add", data=intake(world, category_id="", urgency=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请选择投诉类别。" in page and "请选择“一般”或“紧急”。" in page
    assert "李桂兰" in page and "13911112222" in page and "电梯困人,老人被困" in page
    assert case_count() == 0


def test_select2_selects_leave_the_missing_choice_to_the_forms_message(cs_client):
    # Select2 hides the real select: a `required` attribute would make the browser refuse the
    # form without saying where.
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    for select in re.findall(r"<select[^>]*>", page):
        assert "my_select2" in select and "required" not in select


def test_phone_inputs_bring_up_the_number_pad(cs_client, new_case):
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="complainant_phone"[^>]*type="tel"|<input[^>]*type="tel"[^>]*id="complainant_phone"',
                     page)
    case = new_case()
    detail = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert re.search(r'<input type="tel"[^>]*name="complainant_phone"', detail)


# ---- the time received -----------------------------------------------------------------------

def test_the_time_received_shows_its_format_and_a_picker_to_the_minute_up_to_now(cs_client, frozen_clock):
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="received_at"[^>]*>', page).group(0)
    assert "data-minute-picker" in field
    assert 'data-max="2026-11-20 10:00"' in field  # now, in Beijing
    assert "本地时间,例如 2026-11-20 14:30;留空即为现在。" in page


@pytest.mark.parametrize("typed", ["2026-11-20 08:15", "2026/11/20 8:15", "2026年11月20日 08:15",
                                   "２０２６－１１－２０ ０８：１５"])
def test_a_call_back_dated_to_the_minute_is_received_at_that_local_time(cs_client, world, frozen_clock, typed):
    response = cs_client.post("/complaints/add", data=intake(world, received_at=typed))
    assert response.status_code == 302
    case = db.session.scalars(sa.select(Complaint)).one()
    assert case.received_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)
    assert case.case_number.startswith("BJ01-20261120-")


def test_an_unreadable_time_received_is_refused_with_the_format_and_stays_as_typed(cs_client, world, frozen_clock):
    response = cs_client.post("/complaints/add", data=intake(world, received_at="昨天下午三点"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and case_count() == 0
    assert "请按 2026-11-20 14:30 的格式填写" in page
    assert re.search(r'<input[^>]*id="received_at"[^>]*value="昨天下午三点"', page)


def test_a_time_received_in_the_future_is_refused(cs_client, world, frozen_clock):
    response = cs_client.post("/complaints/add", data=intake(world, received_at="2026-11-20 10:30"))
    assert response.status_code == 200 and case_count() == 0
    assert "受理时间不能晚于当前时间。" in response.get_data(as_text=True)


# ---- the user's language in the pickers and Select2 -------------------------------------------

@pytest.mark.parametrize("locale, language, flatpickr", [("zh", "zh-CN", "zh.js"), ("zh_HK", "zh-TW", "zh-tw.js")])
def test_select2_and_the_pickers_speak_the_users_language(cs_client, locale, language, flatpickr):
    cs_client.get(f"/lang/{locale}")
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    wanted = [f"/static/vendor/select2-i18n/{language}.js",
              f"/static/vendor/bootstrap-datepicker-locales/bootstrap-datepicker.{language}.min.js",
              f"/static/vendor/flatpickr/l10n/{flatpickr}", "/static/js/forms.js"]
    for src in wanted:
        assert src in scripts
        assert cs_client.get(src).status_code == 200
    # After FAB's Select2 and date picker, which they extend.
    assert scripts.index("/static/js/forms.js") > scripts.index("/static/appbuilder/js/select2/select2.min.js")
    assert f'data-language="{language}"' in page


def test_english_needs_no_translation_files(cs_client):
    cs_client.get("/lang/en")
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    assert "select2-i18n" not in page and 'data-language="en"' in page
    cs_client.get("/lang/zh")


def test_the_vendored_translations_match_the_select2_fab_ships():
    from pathlib import Path

    import flask_appbuilder

    fab = Path(flask_appbuilder.__file__).parent / "static/appbuilder/js/select2/select2.min.js"
    ours = Path(__file__).parents[2] / "app/static/vendor/select2-i18n/zh-CN.js"
    version = re.search(r"Select2 (\d+\.\d+\.\d+)", fab.read_text()).group(1)
    assert f"Select2 {version}" in ours.read_text()
    assert "未找到结果" in ours.read_text()


# ---- caller history ---------------------------------------------------------------------------

def test_the_callers_open_cases_are_found_by_phone_or_room_in_the_users_offices(cs_client, new_case, world):
    mine = new_case(complainant_phone="13800001234", complainant_room="5栋1单元801")
    closed = new_case(complainant_phone="13800001234")
    workflow.perform(db.session, world.actor("sup"), closed.id, "void", reason="重复登记")
    new_case(by="sh_cs", office="SH01", complainant_phone="13800001234")  # another office's

    def found(**args):
        return [c["case_number"] for c in cs_client.get("/complaints/caller-history", query_string=args).json["cases"]]

    assert found(phone="13800001234") == [mine.case_number]
    assert found(phone="138 0000 1234") == [mine.case_number]
    assert found(room="5栋1单元801", office_id=world.offices["BJ01"].id) == [mine.case_number]
    assert found(phone="1380") == []  # a few digits name no one yet
    assert found(room="5栋1单元801", office_id=world.offices["SH01"].id) == [mine.case_number]  # not their office
    answer = cs_client.get("/complaints/caller-history", query_string={"phone": "13800001234"}).json["cases"][0]
    assert answer["url"] == f"/complaints/show/{mine.id}" and answer["status"] == "已登记"


def test_another_offices_staff_never_see_a_callers_cases(other_office_client, new_case):
    new_case(complainant_phone="13800001234")
    answer = other_office_client.get("/complaints/caller-history?phone=13800001234&room=5栋1单元801")
    assert answer.status_code == 200 and answer.json == {"cases": []}


def test_the_intake_form_carries_the_caller_history_panel(cs_client):
    page = cs_client.get("/complaints/add").get_data(as_text=True)
    assert 'id="caller-history"' in page and 'data-url="/complaints/caller-history"' in page
    assert "/static/js/intake.js" in page and "记为此案件的重复来电" in page


# ---- a repeat call ----------------------------------------------------------------------------

def test_a_repeat_call_is_recorded_on_the_open_case_instead_of_a_duplicate(cs_client, new_case, world):
    case = new_case()
    version = case.version
    response = cs_client.post("/complaints/add", data=intake(world, repeat_of=str(case.id), category_id="",
                                                              urgency="", complainant_name="王秀英",
                                                              description="业主再次来电,电梯仍未修好"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaints/show/{case.id}")
    assert case_count() == 1
    recorded = events(case, EventKind.REPEAT_CALL)
    assert [e.note for e in recorded] == ["业主再次来电,电梯仍未修好"]
    assert recorded[0].actor_id == world.user_id("cs")
    assert db.session.get(Complaint, case.id).version == version + 1
    page = cs_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已在案件" in page and 'data-kind="repeat_call"' in page


def test_a_repeat_call_from_someone_else_names_the_caller(cs_client, new_case, world):
    case = new_case()
    cs_client.post("/complaints/add", data=intake(world, repeat_of=str(case.id), complainant_name="王秀英的儿子",
                                                  description="替母亲催问电梯维修"))
    assert [e.note for e in events(case, EventKind.REPEAT_CALL)] == ["来电人:王秀英的儿子。替母亲催问电梯维修"]


def test_a_repeat_call_says_what_is_missing_and_records_nothing(cs_client, new_case, world):
    case = new_case()
    response = cs_client.post("/complaints/add", data=intake(world, repeat_of=str(case.id), description=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "请写下来电人说的内容。" in page and "李桂兰" in page
    assert events(case, EventKind.REPEAT_CALL) == [] and case_count() == 1


def test_a_repeat_call_on_another_offices_or_a_closed_case_is_refused(cs_client, new_case, world):
    theirs = new_case(by="sh_cs", office="SH01")
    done = bring_to(new_case(), Status.CLOSED, world)
    for case in (theirs, done):
        response = cs_client.post("/complaints/add", data=intake(world, repeat_of=str(case.id)))
        assert response.status_code == 200
        assert events(case, EventKind.REPEAT_CALL) == []
    assert case_count() == 2


def test_a_repeat_call_can_be_recorded_from_the_case_too(cs_client, new_case):
    case = new_case()
    cs_client.act(case, "record_repeat_call", note="业主来电询问进度")
    assert [e.note for e in events(case, EventKind.REPEAT_CALL)] == ["业主来电询问进度"]


# ---- correcting the complainant's details ----------------------------------------------------------

def test_the_complainants_details_are_corrected_with_the_old_values_in_the_history(cs_client, new_case):
    case = new_case(complainant_name="王秀英", complainant_phone="13800000001", complainant_room="5栋1单元801")
    response = cs_client.act(case, "correct_complainant", complainant_name="王秀云",
                             complainant_phone="13800000002", complainant_room="5栋1单元801")
    assert response.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(Complaint, case.id)
    assert (corrected.complainant.name, corrected.complainant.phone, corrected.complainant.room) == \
        ("王秀云", "13800000002", "5栋1单元801")
    assert corrected.complainant.phone_last4 == "0002"
    [event] = events(case, EventKind.COMPLAINANT_CORRECTED)
    assert event.note == "投诉人: 王秀英 → 王秀云; 联系电话: 13800000001 → 13800000002"
    page = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert "王秀英 → 王秀云" in page


def test_correcting_one_case_leaves_the_residents_other_cases_as_they_were(cs_client, new_case):
    first, second = new_case(), new_case()
    assert first.complainant_id == second.complainant_id
    cs_client.act(first, "correct_complainant", complainant_name="王秀云", complainant_phone="13800000001",
                  complainant_room="5栋1单元801")
    db.session.expire_all()
    assert db.session.get(Complaint, second.id).complainant.name == "王秀英"
    assert db.session.get(Complaint, first.id).complainant.name == "王秀云"


@pytest.mark.parametrize("fields, field, message", [
    ({}, "complainant_name", "投诉人信息没有改动"),
    ({"complainant_name": " "}, "complainant_name", "请填写投诉人"),
    ({"complainant_phone": "一三八"}, "complainant_phone", "只能包含数字、空格和 + - ( )。"),
    ({"complainant_room": "房" * 31}, "complainant_room", "房号太长"),
])
def test_a_correction_that_changes_nothing_or_is_not_valid_is_refused(cs_client, new_case, fields, field, message):
    case = new_case()
    current = {"complainant_name": "王秀英", "complainant_phone": "13800000001", "complainant_room": "5栋1单元801"}
    response = cs_client.act(case, "correct_complainant", **{**current, **fields})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert events(case, EventKind.COMPLAINANT_CORRECTED) == []
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).complainant.name == "王秀英"


def test_the_api_corrects_one_detail_and_refuses_bad_ones(api, new_case):
    case = new_case()
    bot = api("cs")
    answer = bot.post(f"/api/v1/complaints/{case.id}/actions/correct_complainant", {"complainant_room": "5栋1单元802"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).complainant.room == "5栋1单元802"
    refused = bot.post(f"/api/v1/complaints/{case.id}/actions/correct_complainant", {"complainant_name": "王" * 51})
    assert refused.status_code == 422 and "complainant_name" in refused.json["fields"]


def test_the_last_four_digits_follow_the_phone(new_case):
    case = new_case(complainant_phone="(010) 8888-0123")
    assert case.complainant.phone_last4 == "0123"
    case.complainant.phone = "13912345678"
    assert case.complainant.phone_last4 == "5678"
    assert Complainant(office_id=1, name="x", phone="12").phone_last4 == ""
    db.session.rollback()
