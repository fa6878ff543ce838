"""Referential integrity, the same on SQLite and PostgreSQL: a reference to a missing row is
refused by the database, and an office, category or user that cases refer to is deactivated,
never deleted (the screens say so; the database refuses it too)."""
import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from app.complaints.models import Category, Complaint
from app.core.extensions import db
from app.core.models import Office
from app.core.permissions import ROLE_ADMIN

IN_USE = "仍被案件、案件记录或设置引用,不能删除:请改为停用"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_database_refuses_a_reference_to_a_row_that_does_not_exist(app):
    with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(sa.text(
            "INSERT INTO complainant (office_id, name, room, phone) VALUES (999999, '王五', '', '')"))


@pytest.mark.parametrize("table, row", [
    ("office", lambda world: world.offices["BJ01"].id),
    ("category", lambda world: world.categories["REPAIR_COMMON"].id),
    ("ab_user", lambda world: world.user_id("cs")),
])
def test_the_database_refuses_deleting_an_office_category_or_user_that_cases_refer_to(new_case, world, table, row):
    new_case(by="cs")
    row_id = row(world)
    with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(sa.text(f"DELETE FROM {table} WHERE id = :id"), {"id": row_id})
    assert db.session.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": row_id}) == 1


def test_the_database_refuses_deleting_a_category_that_has_sub_types(world):
    parent = db.session.get(Category, world.categories["REPAIR_COMMON"].parent_id)
    with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(sa.text("DELETE FROM category WHERE id = :id"), {"id": parent.id})


def test_the_schema_restricts_deleting_what_case_records_and_settings_refer_to(app):
    inspector = sa.inspect(db.engine)
    keys = {(table, fk["constrained_columns"][0]): (fk["referred_table"], (fk["options"].get("ondelete") or "").upper())
            for table in inspector.get_table_names() for fk in inspector.get_foreign_keys(table)}
    restricted = {
        ("complaint", "office_id"): "office", ("complaint", "category_id"): "category",
        ("complaint", "assignee_id"): "ab_user", ("complaint", "respondent_id"): "ab_user",
        ("complaint", "plan_owner_id"): "ab_user", ("complaint", "created_by_id"): "ab_user",
        ("complainant", "office_id"): "office", ("complaint_event", "actor_id"): "ab_user",
        ("attachment", "uploaded_by_id"): "ab_user", ("deadline_policy", "office_id"): "office",
        ("deadline_policy", "category_id"): "category", ("notification", "user_id"): "ab_user",
        ("case_counter", "office_id"): "office", ("category", "parent_id"): "category",
    }
    assert {key: keys[key] for key in restricted} == {key: (referred, "RESTRICT") for key, referred in restricted.items()}
    # Membership of an office is not history: it goes with the office or the user.
    assert keys[("office_staff", "office_id")][1] == keys[("office_staff", "user_id")][1] == "CASCADE"


def _delete(client, screen, pk):
    return client.post(f"/{screen}/delete/{pk}", follow_redirects=True).get_data(as_text=True)


def test_deleting_an_office_that_cases_refer_to_is_refused_on_its_screen(admin_client, new_case, world):
    new_case(office="SH01", by="sh_cs")
    page = _delete(admin_client, "offices", world.offices["SH01"].id)
    assert IN_USE in page and world.offices["SH01"].name in page
    assert db.session.get(Office, world.offices["SH01"].id) is not None
    assert count(Complaint) == 1


def test_deleting_a_category_that_cases_refer_to_is_refused_on_its_screen(admin_client, new_case, world):
    new_case(category_id=world.categories["SERVICE"].id)
    page = _delete(admin_client, "categories", world.categories["SERVICE"].id)
    assert IN_USE in page
    assert db.session.get(Category, world.categories["SERVICE"].id) is not None


def test_deleting_a_parent_category_is_refused_and_its_sub_types_keep_it(admin_client, world):
    child = world.categories["REPAIR_COMMON"]
    page = _delete(admin_client, "categories", child.parent_id)
    assert IN_USE in page
    db.session.expire_all()
    assert db.session.get(Category, child.id).parent_id == child.parent_id


def test_deleting_a_user_that_cases_refer_to_is_refused_on_the_user_screen(admin_client, new_case, world):
    new_case(by="cs2")
    page = _delete(admin_client, "users", world.user_id("cs2"))
    assert IN_USE in page
    assert db.session.get(User, world.user_id("cs2")) is not None
    assert count(Complaint) == 1


def test_an_office_category_or_user_nobody_refers_to_can_still_be_deleted(admin_client, app):
    sm = app.appbuilder.sm
    office = Office(code="TMP1", name="临时管理处", households=0)
    category = Category(code="TMP_CAT", name="临时类别", active=True)
    db.session.add_all([office, category])
    db.session.commit()
    user = sm.add_user("temp_staff", "临时", "员工", "temp_staff@example.com", sm.find_role(ROLE_ADMIN),
                       password="temp-Pass2026")
    for screen, model, pk in [("offices", Office, office.id), ("categories", Category, category.id),
                              ("users", User, user.id)]:
        page = _delete(admin_client, screen, pk)
        assert IN_USE not in page
        db.session.expire_all()
        assert db.session.get(model, pk) is None, screen


def test_an_inactive_office_is_not_offered_at_intake(cs_client, world):
    office = db.session.get(Office, world.offices["BJ01"].id)
    office.active = False
    db.session.commit()
    try:
        page = cs_client.get("/complaints/add").get_data(as_text=True)
        assert office.name not in page
    finally:
        office.active = True
        db.session.commit()
