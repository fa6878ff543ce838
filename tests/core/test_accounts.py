"""Accounts and administration as staff meet them: everyone opens their profile and changes their
own password from the menu (under the password policy); the administrators' screens show values
in words, roles by their translated names, new rows active by default, and every framework text
in the user's language; the site has its icon."""
import re

import pytest
import sqlalchemy as sa
from flask import current_app

from app.complaints.models import Category
from app.core.extensions import db

from ..conftest import StaffClient, password_of

STAFF_ROLES = ["cs", "sup", "gm", "admin"]


@pytest.mark.parametrize("who", STAFF_ROLES)
def test_every_staff_member_opens_their_profile_from_the_menu(who, client_for, world):
    client = client_for(who)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/users/userinfo/" id="menu-profile"', home)
    assert re.search(r'href="/resetmypassword/form" id="menu-password"', home) and "修改密码" in home
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200
    page = profile.get_data(as_text=True)
    assert who in page and "重设密码" in page  # the profile's own way to the password form
    assert client.get("/resetmypassword/form").status_code == 200


def test_the_profile_shows_roles_offices_and_flags_in_words(cs_client):
    page = cs_client.get("/users/userinfo/").get_data(as_text=True)
    assert "客服" in page and "北京朝阳花园管理处" in page and "是" in page
    for raw in ("Customer Service", "<Office", "True", "None"):
        assert raw not in page, raw


def test_staff_change_their_own_password_under_the_policy(web_app, world):
    client = StaffClient(web_app.test_client(), "cs2")
    form = client.get("/resetmypassword/form").get_data(as_text=True)
    assert "密码至少 10 位" in form and "修改密码" in form  # the form says which policy it checks
    assert form.index('name="password"') < form.index('name="conf_password"')
    weak = client.post("/resetmypassword/form", data={"password": "abc", "conf_password": "abc"})
    assert weak.status_code == 200 and 'class="alert alert-danger"> 密码至少 10 位' in " ".join(
        weak.get_data(as_text=True).split())
    sm = current_app.appbuilder.sm
    try:
        changed = client.post("/resetmypassword/form", data={"password": "Kefu-2027spring",
                                                              "conf_password": "Kefu-2027spring"})
        assert changed.status_code == 302
        db.session.expire_all()
        assert sm.auth_user_db("cs2", "Kefu-2027spring") is not None
        assert sm.auth_user_db("cs2", password_of("cs2")) is None
    finally:
        sm.reset_password(world.user_id("cs2"), password_of("cs2"))


def test_a_staff_member_cannot_reach_someone_elses_profile_or_the_user_list(cs_client, world):
    assert cs_client.get(f"/users/show/{world.user_id('admin')}").status_code == 403
    assert cs_client.get("/users/list/").status_code == 403
    assert cs_client.get(f"/resetpassword/form?pk={world.user_id('admin')}").status_code == 403


def list_table(page):
    start = page.index('<table class="table table-bordered table-hover">')
    return page[start:page.index("</table>", start)]


def test_admin_lists_show_values_in_words(admin_client, world):
    table = list_table(admin_client.get("/users/list/").get_data(as_text=True))
    assert "北京朝阳花园管理处" in table and "<Office" not in table and "&lt;Office" not in table
    assert "是" in table and "True" not in table and "[]" not in table
    assert "客服" in table and "主管" in table and "Customer Service" not in table
    table = list_table(admin_client.get("/categories/list/").get_data(as_text=True))
    assert "None" not in table and "True" not in table and "是" in table
    table = list_table(admin_client.get("/deadline-policies/list/").get_data(as_text=True))
    assert "False" not in table and "None" not in table and "否" in table
    show = admin_client.get(f"/users/show/{world.user_id('cs')}").get_data(as_text=True)
    assert "北京朝阳花园管理处" in show and "客服" in show and "&lt;Office" not in show


def test_role_names_are_translated_in_forms_and_lists(admin_client):
    form = admin_client.get("/users/add").get_data(as_text=True)
    roles = form[form.index('name="roles"'):]
    roles = roles[:roles.index("</select>")]
    assert "客服" in roles and "总经理" in roles and "Customer Service" not in roles
    assert "总经理" in admin_client.get("/roles/list/").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/categories/add", "/deadline-policies/add", "/offices/add"])
def test_a_new_row_is_active_by_default(admin_client, url):
    form = admin_client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="active"|<input[^>]*id="active"[^>]*checked', form), url


def test_a_category_saved_from_the_default_form_is_active(admin_client):
    form = admin_client.get("/categories/add").get_data(as_text=True)
    assert 'name="active"' in form
    response = admin_client.post("/categories/add", data={"code": "GREEN", "name": "绿化养护", "active": "y"})
    assert response.status_code == 302
    category = db.session.scalars(sa.select(Category).where(Category.code == "GREEN")).one()
    try:
        assert category.active is True
    finally:
        db.session.delete(category)
        db.session.commit()


def test_framework_texts_of_the_admin_screens_are_in_the_users_language(admin_client):
    page = admin_client.get("/categories/list/").get_data(as_text=True)
    # The delete confirmation, its dialog's buttons, the row buttons' titles.
    assert "确定要删除这一条吗" in page and "Are you sure" not in page
    dialog = page[page.index('id="modal-confirm"'):][:1200]
    assert "取消" in dialog and "确定" in dialog and ">Cancel<" not in dialog and ">OK<" not in dialog
    assert re.search(r'title="删除"|data-original-title="删除"|删除', page)
    users = admin_client.get("/users/list/").get_data(as_text=True)
    for english in ("Groups", "List Groups", "Add Group"):
        assert f">{english}<" not in users, english
    add = admin_client.get("/users/add").get_data(as_text=True)
    assert "用户组" in add and "用户的登录密码" in add


def test_the_site_has_its_icon(anonymous_client, cs_client):
    icon = anonymous_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert '<link rel="icon" href="/static/favicon.ico"' in cs_client.get("/").get_data(as_text=True)
    assert anonymous_client.get("/static/favicon.ico").data == icon.data
