"""Repair sampling (seed 004 篇4): the office ≥ 5 %, the engineering head ≥ 10 % and each
repairer responsible ≥ 20 % of their own resolved repairs, drawn fairly and reproducibly, never
the same case twice for one role, with each person's progress against their share."""
from collections import Counter

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.core.errors import Forbidden, InvalidInput
from app.core.extensions import db
from app.visits import rules, sampling
from app.visits.enums import SamplingRole, VisitStatus
from app.visits.models import Visit, VisitingStaff, VisitSetting

from .conftest import PHONE_RECORD, local

NOVEMBER = "2026-11"


@pytest.fixture
def repairs(new_case, world, frozen_clock):
    """40 Beijing repairs resolved in November (20 held by each of two repairers), plus cases the
    sample must leave alone: service complaints, another office's repairs, an earlier month's."""
    people = {"OFFICE": ["cs", "cs2"], "ENGINEERING_HEAD": ["sup"], "REPAIRER": ["cs", "cs2"]}
    for role, names in people.items():
        for name in names:
            db.session.add(VisitingStaff(office_id=world.offices["BJ01"].id, user_id=world.user_id(name),
                                         role=SamplingRole[role]))
    db.session.commit()

    def resolve(case, by, holder=None):
        if holder:
            workflow.perform(db.session, world.actor(by), case.id, "assign", assignee_id=world.user_id(holder))
        workflow.perform(db.session, world.actor(by), case.id, "resolve", result="已修复")

    frozen_clock(local(2026, 10, 30, 10, 0))
    resolve(new_case(), "cs", "cs")  # resolved in October: not November's
    frozen_clock(local(2026, 11, 10, 10, 0))
    made = {"cs": [], "cs2": []}
    for i in range(40):
        holder = "cs" if i % 2 else "cs2"
        case = new_case()
        resolve(case, "cs", holder)
        made[holder].append(case.id)
    for _ in range(5):
        resolve(new_case(category_id=world.categories["SERVICE"].id), "cs")
    for _ in range(3):
        resolve(new_case(by="sh_cs", office="SH01"), "sh_cs")
    frozen_clock(local(2026, 12, 2, 9, 0))
    return made


def sampled(role=None):
    db.session.expire_all()
    stmt = sa.select(Visit).where(Visit.sampling_role.is_not(None))
    if role:
        stmt = stmt.where(Visit.sampling_role == role)
    return db.session.scalars(stmt).all()


def test_each_role_draws_its_share_of_the_months_repairs(repairs, world, visit_actor):
    drawn = sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, NOVEMBER)
    assert {d.role: d.drawn for d in drawn} == {SamplingRole.OFFICE: 2, SamplingRole.ENGINEERING_HEAD: 4,
                                                SamplingRole.REPAIRER: 8}
    november = set(repairs["cs"] + repairs["cs2"])
    assert {v.complaint_id for v in sampled()} <= november  # no service case, no Shanghai, no October
    office = sampled(SamplingRole.OFFICE)
    assert sorted(v.assignee.username for v in office) == ["cs", "cs2"]  # the office's share, in turn
    assert {v.assignee.username for v in sampled(SamplingRole.ENGINEERING_HEAD)} == {"sup"}
    for repairer in ("cs", "cs2"):
        own = [v for v in sampled(SamplingRole.REPAIRER) if v.assignee.username == repairer]
        assert len(own) == 4 and {v.complaint_id for v in own} <= set(repairs[repairer])  # 20 % of their 20
    assert all(v.status == VisitStatus.PLANNED and v.sample_period == NOVEMBER for v in sampled())
    assert all(v.due_at == local(2026, 12, 10) for v in sampled())  # a repair's visit: within 7 days


def test_the_draw_is_reproducible_and_drawing_again_adds_nothing(repairs, world, visit_actor):
    sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, NOVEMBER)
    engineering = {v.complaint_id for v in sampled(SamplingRole.ENGINEERING_HEAD)}
    pool = repairs["cs"] + repairs["cs2"]
    assert engineering == set(sampling.choose(pool, 4, f"BJ01/{NOVEMBER}/ENGINEERING_HEAD"))
    again = sampling.draw(db.session, visit_actor("gm"), world.offices["BJ01"].id, NOVEMBER)
    assert sum(d.drawn for d in again) == 0 and len(sampled()) == 14


def test_a_case_is_never_drawn_twice_for_one_role(repairs, world, visit_actor):
    sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, NOVEMBER)
    first = {v.complaint_id for v in sampled(SamplingRole.OFFICE)}
    db.session.add(VisitSetting(office_id=world.offices["BJ01"].id, office_share=100))
    db.session.commit()
    sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, NOVEMBER)
    office = [v.complaint_id for v in sampled(SamplingRole.OFFICE)]
    assert len(office) == 40 == len(set(office)) and first <= set(office)
    # The database holds to it too, whatever path a row comes by.
    duplicate = sampled(SamplingRole.OFFICE)[0]
    db.session.add(Visit(office_id=duplicate.office_id, kind=duplicate.kind, complaint_id=duplicate.complaint_id,
                         sampling_role=SamplingRole.OFFICE, sample_period="2026-12", status=VisitStatus.PLANNED,
                         planned_at=duplicate.planned_at, attempts=0))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_every_repair_is_equally_likely_to_be_drawn():
    pool = list(range(1, 41))
    counts = Counter(case for n in range(2000) for case in sampling.choose(pool, 4, f"BJ01/2026-{n}/OFFICE"))
    assert set(counts) == set(pool)
    # 2000 draws of 4 in 40: 200 each on average; a fair draw keeps every case well within ±30 %.
    assert all(140 <= count <= 260 for count in counts.values()), counts
    assert sampling.choose(pool, 4, "x") == sampling.choose(list(reversed(pool)), 4, "x")


def test_each_persons_progress_counts_their_visits_against_their_share(repairs, world, visit_actor):
    sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, NOVEMBER)
    mine = next(v for v in sampled(SamplingRole.REPAIRER) if v.assignee.username == "cs")
    rules.record_visit(db.session, visit_actor("cs"), mine.id, PHONE_RECORD)
    rules.sign_off(db.session, visit_actor("cs"), mine.id, "王秀英")
    rows = {(r.role, r.user.username): r for r in sampling.progress(db.session, world.offices["BJ01"].id,
                                                                   sampling.Period.parse(NOVEMBER))}
    repairer = rows[(SamplingRole.REPAIRER, "cs")]
    assert (repairer.share, repairer.pool, repairer.required, repairer.assigned, repairer.done) == (20, 20, 4, 4, 1)
    assert repairer.rate == 0.25
    engineering = rows[(SamplingRole.ENGINEERING_HEAD, "sup")]
    assert (engineering.share, engineering.pool, engineering.required, engineering.assigned) == (10, 40, 4, 4)
    assert [(r.required, r.assigned) for k, r in rows.items() if k[0] == SamplingRole.OFFICE] == [(1, 1), (1, 1)]


def test_only_supervisors_draw_and_a_bad_period_is_refused(repairs, world, visit_actor, cs_client,
                                                           supervisor_client, other_office_client):
    with pytest.raises(Forbidden):
        sampling.draw(db.session, visit_actor("cs"), world.offices["BJ01"].id, NOVEMBER)
    for bad in ("2026-13", "November", "", None, "1999-01"):
        with pytest.raises(InvalidInput):
            sampling.draw(db.session, visit_actor("sup"), world.offices["BJ01"].id, bad)
    with pytest.raises(InvalidInput):  # another office's
        sampling.draw(db.session, visit_actor("sh_sup"), world.offices["BJ01"].id, NOVEMBER)
    form = {"office_id": world.offices["BJ01"].id, "period": NOVEMBER}
    assert cs_client.post("/repair-sampling/draw", data=form).status_code == 403
    assert supervisor_client.post("/repair-sampling/draw", data=form).status_code == 302
    html = cs_client.get(f"/repair-sampling/?office_id={world.offices['BJ01'].id}&period={NOVEMBER}"
                         ).get_data(as_text=True)
    assert "维修回访抽样" in html and html.count('class="sampling-row"') == 5 and 'id="draw-sample"' not in html
    assert other_office_client.get("/repair-sampling/?period=2026-13").status_code == 422
