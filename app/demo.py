"""A realistic Chinese demo world: two offices, staff per role, residents and about 200
complaints in every state, each driven through the real workflow so its history is real."""
import random
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .complaints import workflow
from .complaints.enums import Channel, Grade, Status, Urgency
from .complaints.models import Category, Complaint, ComplaintDeadline
from .core import clock
from .core.extensions import db
from .core.models import Office
from .core.permissions import (
    ROLE_ADMIN,
    ROLE_CUSTOMER_SERVICE,
    ROLE_GENERAL_MANAGER,
    ROLE_SUPERVISOR,
)
from .core.security import complaint_permissions
from .deadlines.sweep import sweep
from .notifications.enums import NotificationKind
from .notifications.models import Notification

OFFICES = [("BJ01", "北京朝阳花园管理处", 1200), ("SH01", "上海浦东锦绣苑管理处", 860)]


@dataclass
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    offices: tuple

    @property
    def password(self) -> str:
        # Demo only: fixed, printed passwords that meet the password policy.
        return f"{self.username}-2026demo"


USERS = [
    DemoUser("admin", "管理员", "系统", ROLE_ADMIN, ()),
    DemoUser("gm", "建国", "王", ROLE_GENERAL_MANAGER, ()),
    DemoUser("bj_sup", "丽华", "李", ROLE_SUPERVISOR, ("BJ01",)),
    DemoUser("bj_cs1", "小燕", "张", ROLE_CUSTOMER_SERVICE, ("BJ01",)),
    DemoUser("bj_cs2", "晓明", "刘", ROLE_CUSTOMER_SERVICE, ("BJ01",)),
    DemoUser("sh_sup", "志强", "陈", ROLE_SUPERVISOR, ("SH01",)),
    DemoUser("sh_cs1", "婷婷", "杨", ROLE_CUSTOMER_SERVICE, ("SH01",)),
    DemoUser("sh_cs2", "伟", "黄", ROLE_CUSTOMER_SERVICE, ("SH01",)),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂兰", "建华", "国强", "淑珍", "志明", "海燕", "文杰", "玉梅", "德福", "春生", "丽娟", "明辉", "红霞"]
DESCRIPTIONS = {
    "SERVICE": ["前台人员接电话态度生硬,问题未记录。", "管家承诺回电但三天没有回复。", "收费处多收了一个月物业费,要求核实退还。"],
    "REPAIR_OWN": ["厨房水龙头漏水,请安排维修并告知费用。", "卫生间马桶堵塞,需要上门疏通。"],
    "REPAIR_COMMON": ["5栋电梯经常停在8楼不动,老人出行困难。", "地下车库B2区照明灯坏了一排,晚上很暗。", "楼道声控灯不亮已经一周。"],
    "REPAIR_QUALITY": ["新房客厅墙面开裂,雨后有渗水。", "阳台窗户密封不严,下雨进水。"],
    "SANITATION": ["垃圾站周边异味严重,夏天招苍蝇。", "小区绿化带里有宠物粪便无人清理。"],
    "SAFETY": ["单元门门禁损坏,陌生人随意进出。", "消防通道被杂物堵塞。"],
    "NEIGHBOUR": ["楼上住户深夜装修噪音大,协商无果。", "邻居在公共走廊堆放杂物。"],
    "ORDER": ["外来车辆占用业主固定车位。", "有人在小区内乱停电动车并私拉电线充电。"],
}
# Share of cases that end in each state, roughly as an office sees them.
TARGETS = [
    (Status.RECEIVED, 14), (Status.ACKNOWLEDGED, 14), (Status.INVESTIGATING, 16), (Status.PLAN_PROPOSED, 12),
    (Status.PLAN_APPROVED, 10), (Status.IN_PROGRESS, 18), (Status.RESOLVED, 20), (Status.CONFIRMED, 18),
    (Status.CLOSED, 60), (Status.VOIDED, 8),
]


def load_demo(count: int = 200, seed: int = 2026) -> dict:
    """Create the demo world unless it is there; returns what was made."""
    if db.session.scalar(sa.select(sa.func.count(Office.id)).where(Office.code.in_([o[0] for o in OFFICES]))):
        return {"created": False}
    rng = random.Random(seed)
    sm = current_app.appbuilder.sm
    offices = {}
    for code, name, households in OFFICES:
        offices[code] = Office(code=code, name=name, households=households)
        db.session.add(offices[code])
    db.session.flush()
    users = {}
    for u in USERS:
        user = sm.find_user(username=u.username) or sm.add_user(
            u.username, u.first_name, u.last_name, f"{u.username}@example.com", sm.find_role(u.role),
            password=u.password)
        user = db.session.merge(user)
        for code in u.offices:
            offices[code].staff.append(user)
        users[u.username] = user
    db.session.commit()
    actors = {name: workflow.actor_for_user(db.session, user, complaint_permissions(user))
              for name, user in users.items()}
    categories = {c.code: c for c in db.session.scalars(sa.select(Category))}

    made = 0
    start = clock.now() - timedelta(days=90)
    # Every state at least once, then states in proportion to their weights.
    weighted = [s for s, weight in TARGETS for _ in range(weight)]
    targets = [s for s, _ in TARGETS] + [rng.choice(weighted) for _ in range(max(0, count - len(TARGETS)))]
    for i in range(count):
        code = "BJ01" if i % 5 < 3 else "SH01"
        prefix = code[:2].lower()
        cs, sup = actors[f"{prefix}_cs{1 + i % 2}"], actors[f"{prefix}_sup"]
        category_code = rng.choice(list(DESCRIPTIONS))
        received = start + timedelta(minutes=rng.randint(0, 88 * 24 * 60))
        complaint = workflow.open_case(db.session, cs, {
            "office_id": offices[code].id, "category_id": categories[category_code].id,
            "urgency": Urgency.EMERGENCY if rng.random() < 0.1 else Urgency.GENERAL,
            "channel": rng.choice(list(Channel)),
            "grade": rng.choice([Grade.MINOR, Grade.MINOR, Grade.MINOR, Grade.IMPORTANT, None]),
            "description": rng.choice(DESCRIPTIONS[category_code]),
            "complainant_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "complainant_room": f"{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}",
            "complainant_phone": f"13{rng.randint(100000000, 999999999)}",
            "received_at": received,
            # Service complaints often name a staff member (reports: staff accountability).
            "respondent_id": users[f"{prefix}_cs{1 + rng.randint(0, 1)}"].id
            if category_code == "SERVICE" and rng.random() < 0.8 else None,
        }, now=received)
        _drive(complaint, targets[i], cs, sup, actors["gm"], users, received, rng)
        made += 1
    _catch_up_and_read(clock.now())
    return {"created": True, "complaints": made}


# What staff have not read yet when the demo starts: what happened in these last days.
UNREAD_DAYS = 2


def _catch_up_and_read(now):
    """The deadline sweep has been running all along: catch up once, as the scheduler does after
    downtime, and let staff have read what reached them before the last UNREAD_DAYS days, so
    that nobody starts with hundreds of unread notifications."""
    sweep(db.session, now)
    cutoff = sa.literal(now - timedelta(days=UNREAD_DAYS), Notification.created_at.type)
    n, d = Notification, ComplaintDeadline
    # A deadline due long ago, or restarted since at a new tier (it was missed long ago too).
    long_due = sa.exists().where(d.complaint_id == n.complaint_id, d.kind == n.deadline_kind,
                                 sa.or_(d.due_at < cutoff, d.starts_at >= n.created_at))
    # The catch-up's escalations answer deadlines missed long ago.
    earlier = sa.or_(sa.and_(n.kind == NotificationKind.EMERGENCY, n.created_at < cutoff),
                     n.kind == NotificationKind.ESCALATED,
                     sa.and_(n.kind.in_([NotificationKind.OVERDUE, NotificationKind.REMINDER]), long_due))
    db.session.execute(sa.update(n).where(n.read_at.is_(None), earlier).values(read_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _drive(complaint: Complaint, target: Status, cs, sup, gm, users, t, rng):
    """Walk one case through the workflow to `target`, a few hours per step."""

    def step(actor, action, **params):
        nonlocal t
        t = t + timedelta(hours=rng.randint(1, 20))
        workflow.perform(db.session, actor, complaint.id, action, now=t, **params)

    handler = {1: cs, 2: sup, 3: gm}
    if target == Status.RECEIVED:
        return
    if target == Status.VOIDED:
        step(sup if complaint.tier <= 2 else gm, "void", reason="重复登记,与前一单为同一事项。")
        return
    if target in (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED) and rng.random() < 0.25 and complaint.tier == 1:
        step(cs, "resolve", result="现场解释并当场处理完毕。")  # on the spot
    else:
        step(cs, "acknowledge", note="已电话告知业主受理,预计三个工作日内答复。")
        if target == Status.ACKNOWLEDGED:
            return
        if complaint.tier == 1 and rng.random() < 0.3:
            step(cs, "escalate", reason="涉及多个部门,客服层面无法协调。")
        who = handler[complaint.tier]
        step(who, "start_investigation", note="已到现场查看并听取双方陈述。")
        if target == Status.INVESTIGATING:
            return
        owner = users["bj_sup" if complaint.office.code == "BJ01" else "sh_sup"]
        step(who, "propose_plan", measures="安排工程部维修并每日跟进。", deadline=t + timedelta(days=5),
             owner_id=owner.id)
        if target == Status.PLAN_PROPOSED:
            return
        step(sup if complaint.tier <= 2 else gm, "approve_plan")
        if target == Status.PLAN_APPROVED:
            return
        step(who, "record_progress", note="维修材料已到,明日施工。")
        step(cs, "record_feedback", note="已向业主反馈处理进度。")
        if target == Status.IN_PROGRESS:
            return
        step(who, "resolve", result="已维修完毕,业主现场查看。")
    if target == Status.RESOLVED:
        return
    step(cs, "record_confirmation", satisfied=True, note="业主表示满意。")
    if target == Status.CONFIRMED:
        return
    step(sup if complaint.tier <= 2 else gm, "mark_validity", validity="VALID" if rng.random() < 0.4 else "INVALID")
    step(sup if complaint.tier <= 2 else gm, "close")
