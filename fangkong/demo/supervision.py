"""Demo supervision and tips: the 4 inspection groups of seed 004 over 仁和区's streets,
a checklist, visits (明查 and 暗访) with findings in every state, a daily summary and a few
public tips. Written through the services (so audited like real work), dated relative to
today, deterministic with the seed; a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.status.clock import local_date
from fangkong.supervision import services as sup
from fangkong.supervision.models import InspectionGroup
from fangkong.tips import services as tips

DISTRICT = "510411"  # 仁和区, where the seed reports' inspections took place
CHECKLIST = [
    "卡点24小时有人值守，进出人员测温登记",
    "外来及返乡人员已摸排登记、落实居家观察",
    "公共场所扫码测温、佩戴口罩",
    "防疫物资储备充足",
    "宣传标语、告知书张贴到位",
]
FINDINGS = [
    ("卡点夜间无人值守", "high"),
    ("返乡人员登记信息不全", "medium"),
    ("农贸市场未落实扫码测温", "medium"),
    ("小区出入口未张贴告知书", "low"),
    ("消毒记录未按日填写", "low"),
    ("隔离人员家门未张贴告知", "medium"),
]
TIPS = [
    ("returnee", "隔壁单元有从外地回来的一家三口，没有登记"),
    ("gathering", "小区广场每晚有二十多人聚集打牌"),
    ("price", "某超市口罩每个卖二十元"),
    ("no_mask", "菜市场摊主普遍不戴口罩"),
]


def load_supervision_demo(*, seed: int, command, inspector) -> dict[str, int]:
    """Create the demo rows if the demo groups are missing; returns what was created."""
    if command is None or inspector is None:
        return {}
    if InspectionGroup.objects.filter(name__startswith="第一督导组").exists():
        return {}
    rng = random.Random(seed)
    district = Area.objects.filter(code=DISTRICT).first()
    if district is None:
        return {}
    streets = list(Area.objects.filter(parent=district, level=AreaLevel.STREET).order_by("code"))
    today = local_date(timezone.now())
    checklist = sup.create_checklist(
        actor=command,
        data={"name": "社区（村）疫情防控督导检查清单", "area": command.area, "items": CHECKLIST},
    )
    items = list(checklist.items.all())
    groups, visits, problems = [], 0, 0
    for i, name in enumerate(["第一督导组", "第二督导组", "第三督导组", "第四督导组"]):
        assigned = streets[i::4][:3] or streets[:1]
        groups.append(
            sup.create_group(
                actor=command,
                data={
                    "name": name,
                    "area": command.area,
                    "leader": inspector,
                    "assigned_areas": assigned,
                    "focus": "明察暗访社区防控、卡点值守和复工复产",
                },
            )
        )
    for group in groups:
        for street in group.assigned_areas.all():
            communities = list(street.children.order_by("code")[:2])
            for community in communities:
                day = today - datetime.timedelta(days=rng.randint(1, 10))
                title, severity = rng.choice(FINDINGS)
                visit = sup.record_visit(
                    actor=inspector,
                    group=group,
                    area=community,
                    visited_on=day,
                    mode=rng.choice(["announced", "unannounced"]),
                    checklist=checklist,
                    answers={it.pk: (rng.choice(["ok", "ok", "problem"]), "") for it in items},
                    summary="现场查看卡点、走访住户，查阅台账。",
                    findings=[
                        {
                            "title": title,
                            "severity": severity,
                            "deadline": day + datetime.timedelta(days=rng.randint(2, 7)),
                        }
                    ],
                )
                visits += 1
                for problem in visit.problems.all():
                    problems += 1
                    step = rng.random()
                    if step < 0.3:
                        continue
                    sup.rectify_problem(actor=command, problem=problem, note="已整改，补齐值守人员")
                    if step > 0.6:
                        sup.close_problem(actor=inspector, problem=problem)
    sup.escalate_overdue_problems(today=today)
    sup.generate_summary(actor=None, area=command.area, date=today)
    verified = None
    for category, text in TIPS:
        tip = tips.submit_tip(
            category=category,
            description=text,
            area=rng.choice(streets),
            place="（演示）",
            anonymous=category != "price",
            contact_name="演示举报人" if category == "price" else "",
            contact_phone="13800000000" if category == "price" else "",
            client_address=f"demo-{category}",
        )
        if category == "price":
            tips.assign_tip(actor=command, tip=tip, area=tip.area, note="请市场监管核查")
            verified = tips.verify_tip(
                actor=command, tip=tip, founded=True, outcome="已责令整改并立案处罚"
            )
    if verified is not None:
        tips.record_reward(actor=command, tip=verified, amount=Decimal("200"), note="举报属实")
    return {"inspection_groups": len(groups), "visits": visits, "problems": problems}
