"""Demo enterprises for ``load-demo``: parks, enterprises, applications, rosters, reports.

Deterministic with the seed; identifiers are generated (valid check digits, not real
organisations). Rows go in with ``bulk_create`` and one audit entry each through
``audit.record_many``; a second run finds the enterprises by credit code and adds nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from stdnum.cn import uscc

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(rng: random.Random | None = None, region: str = "510411") -> str:
    """A well-formed 统一社会信用代码 (工商登记 · 企业) with a valid check digit."""
    rng = rng or random.Random()
    body = "91" + region + "".join(rng.choice(_ORG_ALPHABET[:10]) for _ in range(9))
    return body + uscc.calc_check_digit(body)


REFERENCE_DAY = datetime.date(2020, 2, 20)

# 金华车辆有限公司 and its liaison officers are from seed 003; the rest are made up.
ENTERPRISE_NAMES = (
    ("金华车辆有限公司", "manufacturing"),
    ("仁和钒钛新材料有限公司", "manufacturing"),
    ("攀西果蔬冷链物流有限公司", "logistics"),
    ("老街社区便民超市", "retail"),
    ("仁和建工集团有限公司", "construction"),
    ("阳光农业专业合作社", "agriculture"),
    ("攀枝花顺达运输有限公司", "logistics"),
    ("仁和区惠民药房", "retail"),
    ("康泰家政服务有限公司", "services"),
    ("川滇食品加工厂", "manufacturing"),
    ("仁和宾馆", "catering"),
    ("金沙机械制造有限公司", "manufacturing"),
)
PARK_NAME = "仁和钒钛产业园"
DEMO_EMPLOYEES_PER_ENTERPRISE = 12


def ensure_enterprises(
    areas: dict[str, Any], events: list, *, seed: int, reason: str
) -> dict[str, int]:
    """Enterprises of the demo street with their resumption, rosters and reports.

    Half resumed (with daily reports, a few days missing), some pending or returned; the demo
    ``liaison`` account is stationed at the first three. Rosters mix residents of the street
    (so return states differ) with people not (yet) registered. Returns created counts.
    """
    from fangkong.accounts.models import User
    from fangkong.core import audit
    from fangkong.core.models.audit import AuditAction
    from fangkong.enterprises.choices import ApplicationState, ResumptionState
    from fangkong.enterprises.models import (
        DailyReport,
        Employee,
        Enterprise,
        IndustrialPark,
        LiaisonAssignment,
        ResumptionApplication,
    )
    from fangkong.registry.models import Resident

    from .accounts import STREET

    def created(rows):
        for row in rows:
            events.append(
                audit.event_for(row, AuditAction.CREATE, changes=audit.snapshot(row), reason=reason)
            )
        return rows

    rng = random.Random(f"{seed}/enterprises")
    street = areas[STREET]
    communities = sorted(
        (a for a in areas.values() if a.parent_id == street.pk), key=lambda a: a.code
    )
    grids = {
        c.pk: sorted((a for a in areas.values() if a.parent_id == c.pk), key=lambda a: a.code)
        for c in communities
    }
    codes = [make_credit_code(rng, region=street.code[:6]) for _ in ENTERPRISE_NAMES]
    if Enterprise.objects.filter(credit_code__in=codes).exists():
        return {"enterprises": 0}
    park = IndustrialPark.objects.filter(area=street, name=PARK_NAME).first()
    counts = {"industrial_parks": 0}
    if park is None:
        park = IndustrialPark.objects.create(area=street, name=PARK_NAME)
        created([park])
        counts["industrial_parks"] = 1
    users = {u.username: u for u in User.objects.filter(username__in=("community", "liaison"))}
    office, liaison = users.get("community"), users.get("liaison")
    day0 = REFERENCE_DAY
    enterprises = []
    for i, ((name, sector), code) in enumerate(zip(ENTERPRISE_NAMES, codes, strict=True)):
        community = communities[i % len(communities)]
        area = (grids[community.pk] or [community])[i % max(1, len(grids[community.pk]))]
        state = (
            ResumptionState.RESUMED
            if i % 2 == 0
            else [ResumptionState.PENDING, ResumptionState.RETURNED, ResumptionState.NOT_APPLIED][
                (i // 2) % 3
            ]
        )
        enterprises.append(
            Enterprise(
                area=area,
                park=park if sector == "manufacturing" else None,
                name=name,
                credit_code=code,
                sector=sector,
                headcount=rng.randint(15, 400),
                contact_name=["刘红梅", "颜圣萍", "王建国", "李秀英", "张伟"][i % 5],
                contact_phone=f"139{rng.randint(0, 99_999_999):08d}",
                address=f"{community.name}{rng.randint(1, 200)}号",
                resumption_state=state,
                resumed_on=day0 if state == ResumptionState.RESUMED else None,
            )
        )
    created(Enterprise.objects.bulk_create(enterprises))
    counts["enterprises"] = len(enterprises)
    enterprises = list(Enterprise.objects.filter(credit_code__in=codes).order_by("pk"))
    if office is None:
        return counts
    apps = []
    for ent in enterprises:
        if ent.resumption_state == ResumptionState.NOT_APPLIED:
            continue
        app_state = {
            ResumptionState.RESUMED: ApplicationState.APPROVED,
            ResumptionState.PENDING: ApplicationState.SUBMITTED,
            ResumptionState.RETURNED: ApplicationState.RETURNED,
        }[ent.resumption_state]
        submitted = _moment(day0 - datetime.timedelta(days=3))
        reviewed = app_state != ApplicationState.SUBMITTED
        apps.append(
            ResumptionApplication(
                enterprise=ent,
                employees_expected=max(1, ent.headcount * 3 // 4),
                prevention_plan="进厂测温登记、佩戴口罩、错峰就餐、每日两次消毒通风",
                masks=ent.headcount * 20,
                thermometers=max(2, ent.headcount // 20),
                disinfectant_kg=max(5, ent.headcount // 4),
                has_isolation_room=app_state != ApplicationState.RETURNED,
                state=app_state,
                submitted_by=office,
                submitted_at=submitted,
                reviewed_by=office if reviewed else None,
                reviewed_at=submitted + datetime.timedelta(days=2) if reviewed else None,
                conditions="每日报送企业日报" if app_state == ApplicationState.APPROVED else "",
                review_note="未设置隔离观察室" if app_state == ApplicationState.RETURNED else "",
            )
        )
    created(ResumptionApplication.objects.bulk_create(apps))
    counts["resumption_applications"] = len(apps)
    if liaison is not None:
        stationed = [
            LiaisonAssignment(
                enterprise=e, liaison=liaison, start_date=day0 - datetime.timedelta(days=5)
            )
            for e in enterprises[:3]
        ]
        created(LiaisonAssignment.objects.bulk_create(stationed))
        counts["liaison_assignments"] = len(stationed)
    # Employees live anywhere in the city: the first residents of the registry.
    residents = list(Resident.objects.order_by("pk").values_list("name", "id_number")[:200])
    rng.shuffle(residents)
    staff = []
    for n, ent in enumerate(enterprises):
        for k in range(DEMO_EMPLOYEES_PER_ENTERPRISE):
            if residents and k % 3 != 2:
                name, number = residents.pop()
            else:
                from .generators import make_id_number, make_name

                name = make_name(rng.choice("MF"), rng)
                number = make_id_number(rng=rng)
            staff.append(
                Employee(
                    enterprise=ent,
                    name=name,
                    id_number=number,
                    department=["生产部", "行政部", "物流部", "销售部"][k % 4],
                    returning_from=["湖北省武汉市", "四川省成都市", "云南省昆明市", ""][
                        (n + k) % 4
                    ],
                )
            )
    created(Employee.objects.bulk_create(staff))
    counts["employees"] = len(staff)
    reports = []
    for ent in enterprises:
        if ent.resumption_state != ResumptionState.RESUMED:
            continue
        for d in range(5):
            if rng.random() < 0.2:  # a few missing days for the reminder list
                continue
            people = rng.randint(ent.headcount // 3, ent.headcount)
            reports.append(
                DailyReport(
                    enterprise=ent,
                    date=day0 + datetime.timedelta(days=d),
                    people_on_site=people,
                    temperature_checks=people * 2,
                    abnormal_temperatures=1 if rng.random() < 0.1 else 0,
                    disinfection_done=rng.random() > 0.05,
                    reported_by=office,
                )
            )
    created(DailyReport.objects.bulk_create(reports))
    counts["daily_reports"] = len(reports)
    return counts


def _moment(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
