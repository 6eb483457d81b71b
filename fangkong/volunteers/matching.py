"""Proposing volunteers for a need: required skills, availability, distance through the area
tree, and fairness of load, each scored and explained in words.

Score (0–100) = skills (40 × share of required skills held; 40 when none are required)
+ time (30 × share of the need's weekday/time-of-day slots the volunteer is available in)
+ distance (same grid 20, community 15, street 10, district 5, farther 0)
+ fairness (10 − recent service hours ÷ 2, not below 0; hours of the last 30 days).
Ties go to fewer recent hours, then the earlier registration. Only approved (储备/在岗),
healthy volunteers are proposed who are free at the need's time, not already on it, and —
when the need names skills — hold at least one of them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import PATH_SEP, Area
from fangkong.formats import joined

from .choices import AssignmentState, HealthState, PoolState, Skill
from .models import Assignment, Need, Shift, Volunteer
from .rules import decode, need_slots

SKILL_POINTS = 40
TIME_POINTS = 30
DISTANCE_POINTS = {
    AreaLevel.GRID: 20,
    AreaLevel.COMMUNITY: 15,
    AreaLevel.STREET: 10,
    AreaLevel.DISTRICT: 5,
}
FAIRNESS_POINTS = 10
FAIRNESS_DAYS = 30
HOURS_PER_FAIRNESS_POINT = 2
BUSY_STATES = (AssignmentState.OFFERED, AssignmentState.ACCEPTED)


@dataclass
class Proposal:
    volunteer: Volunteer
    score: Decimal
    skills_matched: list[str]
    skills_required: list[str]
    slots_free: int
    slots_total: int
    distance_level: int | None
    recent_hours: Decimal

    @property
    def explanation(self) -> str:
        names = dict(Skill.choices)
        if self.skills_required:
            matched = joined(str(names[s]) for s in self.skills_matched)
            skills = _("技能：具备所需 %(n)s/%(m)s 项（%(names)s）") % {
                "n": len(self.skills_matched),
                "m": len(self.skills_required),
                "names": matched,
            }
        else:
            skills = _("技能：岗位无特殊要求")
        time = _("时间：%(n)s/%(m)s 个时段有空") % {"n": self.slots_free, "m": self.slots_total}
        distance = DISTANCE_WORDS.get(self.distance_level, _("距离：不在同一区县"))
        hours = _("近30天服务 %(h)s 小时") % {"h": self.recent_hours}
        return _("%(skills)s；%(time)s；%(distance)s；%(hours)s；总分 %(score)s") % {
            "skills": skills,
            "time": time,
            "distance": str(distance),
            "hours": hours,
            "score": self.score,
        }


DISTANCE_WORDS = {
    AreaLevel.GRID: gettext_lazy("距离：同一网格"),
    AreaLevel.COMMUNITY: gettext_lazy("距离：同一社区"),
    AreaLevel.STREET: gettext_lazy("距离：同一街道"),
    AreaLevel.DISTRICT: gettext_lazy("距离：同一区县"),
}


def _d(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def common_level(path_a: str, path_b: str, levels: dict[str, int]) -> int | None:
    """Level of the lowest common ancestor of two areas (by materialised path)."""
    a, b = path_a.strip(PATH_SEP).split(PATH_SEP), path_b.strip(PATH_SEP).split(PATH_SEP)
    code = None
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        code = x
    return levels.get(code) if code else None


def recent_hours(volunteer_ids, *, now: datetime.datetime) -> dict[int, Decimal]:
    since = now - datetime.timedelta(days=FAIRNESS_DAYS)
    rows = (
        Shift.objects.filter(
            assignment__volunteer_id__in=volunteer_ids,
            started_at__gte=since,
            minutes__isnull=False,
        )
        .values("assignment__volunteer_id")
        .annotate(total=Sum("minutes"))
    )
    return {r["assignment__volunteer_id"]: _d(r["total"] / 60) for r in rows}


def busy_volunteers(need: Need) -> set[int]:
    """Volunteers already on this need, or holding a live task that overlaps its time."""
    overlapping = Q(need__starts_at__lt=need.ends_at, need__ends_at__gt=need.starts_at)
    qs = Assignment.objects.filter(Q(need=need) | (overlapping & Q(state__in=BUSY_STATES)))
    return set(qs.values_list("volunteer_id", flat=True))


def eligible(candidates: QuerySet[Volunteer], need: Need) -> QuerySet[Volunteer]:
    qs = candidates.filter(
        state__in=(PoolState.RESERVE, PoolState.ACTIVE), health=HealthState.HEALTHY
    ).exclude(pk__in=busy_volunteers(need))
    required = decode(need.required_skills)
    if required:
        any_skill = Q()
        for s in required:
            any_skill |= Q(skills__contains=f",{s},")
        qs = qs.filter(any_skill)
    return qs.select_related("area")


def propose(
    need: Need,
    candidates: QuerySet[Volunteer],
    *,
    now: datetime.datetime | None = None,
    exclude: set[int] | frozenset[int] = frozenset(),
    limit: int | None = None,
) -> list[Proposal]:
    """Ranked proposals for ``need`` among ``candidates`` (already scoped to the actor)."""
    now = now or timezone.now()
    volunteers = [v for v in eligible(candidates, need) if v.pk not in exclude]
    hours = recent_hours([v.pk for v in volunteers], now=now)
    ancestors = need.area.path.strip(PATH_SEP).split(PATH_SEP)
    levels = dict(Area.objects.filter(code__in=ancestors).values_list("code", "level"))
    required = decode(need.required_skills)
    slots = need_slots(need.starts_at, need.ends_at)
    proposals = []
    for v in volunteers:
        have = set(decode(v.skills))
        matched = [s for s in required if s in have]
        days, times = set(decode(v.available_days)), set(decode(v.available_times))
        free = sum(1 for day, tod in slots if day in days and tod in times)
        level = common_level(v.area.path, need.area.path, levels)
        h = hours.get(v.pk, Decimal("0.0"))
        score = (
            (SKILL_POINTS * len(matched) / len(required) if required else SKILL_POINTS)
            + (TIME_POINTS * free / len(slots) if slots else 0)
            + DISTANCE_POINTS.get(level, 0)
            + max(0.0, FAIRNESS_POINTS - float(h) / HOURS_PER_FAIRNESS_POINT)
        )
        proposals.append(Proposal(v, _d(score), matched, required, free, len(slots), level, h))
    proposals.sort(key=lambda p: (-p.score, p.recent_hours, p.volunteer.pk))
    return proposals[:limit] if limit is not None else proposals
