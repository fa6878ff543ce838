"""One error answer per surface: JSON under /api/, a translated page of ours on the screens,
with a way back; a refused request writes nothing."""
import sqlalchemy as sa

from app.complaints.models import Complaint
from app.core.extensions import db


def complaints_stored():
    return db.session.scalar(sa.select(sa.func.count(Complaint.id)))


def test_an_unknown_screen_is_our_page_in_chinese_with_a_way_back(cs_client):
    response = cs_client.get("/no-such-screen")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'id="error-page"' in page and "找不到该页面或记录" in page and "返回首页" in page
    assert "Not Found" not in page  # not Werkzeug's English page


def test_an_unknown_api_address_answers_json(api):
    response = api("cs").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.json["message"] == "找不到该页面或记录"


def test_a_wrong_method_under_the_api_answers_json_with_allow(web_app):
    response = web_app.test_client().get("/api/v1/security/login")
    assert response.status_code == 405 and response.is_json
    assert "POST" in response.headers["Allow"]


def test_text_with_a_nul_byte_is_refused_on_every_surface_and_nothing_is_written(api, cs_client, world):
    body = {"office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id,
            "description": "电梯\x00困人", "complainant_name": "赵德福"}
    response = api("cs").post("/api/v1/complaints/", body)
    assert response.status_code == 422 and "控制字符" in response.json["message"]
    screen = cs_client.post("/complaints/add", data={
        "office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id, "urgency": "GENERAL",
        "channel": "PHONE", "description": "门禁\x07损坏", "complainant_name": "赵德福"})
    assert screen.status_code == 422 and "控制字符" in screen.get_data(as_text=True)
    assert cs_client.get("/complaints/list/?_flt_0_case_number=%00").status_code == 422
    assert complaints_stored() == 0


def test_line_breaks_and_tabs_are_ordinary_text(api, world):
    body = {"office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id,
            "description": "第一行\n第二行\t缩进", "complainant_name": "赵德福"}
    assert api("cs").post("/api/v1/complaints/", body).status_code == 201


def test_a_form_without_its_csrf_token_gets_a_translated_message(cs_client, world):
    response = cs_client.client.post("/complaints/add", data={"description": "x"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert complaints_stored() == 0
