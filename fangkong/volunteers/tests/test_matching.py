"""Matching on constructed scenarios: exact rankings, scores and explanations."""

import datetime
from decimal import Decimal

import pytest

from fangkong.areas.choices import AreaLevel
from fangkong.core.testing import factories
from fangkong.volunteers import matching, services
from fangkong.volunteers.choices import HealthState, PoolState
from fangkong.volunteers.models import Volunteer

from .conftest import at, give_account, make_need, make_volunteer

pytestmark = pytest.mark.django_db

BOTH = "医疗护理、驾驶"


def _serve(actor, volunteer, *, hours: int, days_ago: int, now):
    """A finished shift of ``hours`` on a past need, through the real services."""
    start = now - datetime.timedelta(days=days_ago)
    need = make_need(
        actor,
        volunteer.area,
        "往期任务",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
    )
    user = volunteer.user or give_account(actor, volunteer)
    (assignment,) = services.dispatch(actor=actor, need=need, volunteers=[volunteer])
    services.respond_assignment(actor=user, assignment=assignment, accept=True)
    shift = services.check_in(actor=actor, assignment=assignment, at=start)
    services.check_out(actor=actor, shift=shift, at=start + datetime.timedelta(hours=hours))


@pytest.fixture
def scenario(areas, users, street2):
    cmd = users["command"]
    monday_am = {"available_days": "周一", "available_times": "上午"}
    v = {}
    v["a"] = make_volunteer(cmd, areas["grid_a"], "甲", skills=BOTH, **monday_am)
    v["b"] = make_volunteer(cmd, areas["community"], "乙", skills=BOTH, **monday_am)
    v["b2"] = make_volunteer(cmd, areas["community"], "乙二", skills=BOTH, **monday_am)
    v["c"] = make_volunteer(cmd, areas["grid_b"], "丙", skills=BOTH, **monday_am)
    neighbour = factories.area("510411001002", "迷阳社区", AreaLevel.COMMUNITY, areas["street"])
    v["n"] = make_volunteer(cmd, neighbour, "丑", skills=BOTH, **monday_am)
    v["d"] = make_volunteer(cmd, street2["community"], "丁", skills=BOTH, **monday_am)
    v["e"] = make_volunteer(cmd, areas["miyi_community"], "戊", skills=BOTH, **monday_am)
    v["k"] = make_volunteer(cmd, areas["grid_a"], "癸", skills="驾驶", **monday_am)
    v["f"] = make_volunteer(
        cmd, areas["grid_a"], "己", skills=BOTH, available_days="周二", available_times="上午"
    )
    # Never proposed: no required skill, not approved, not healthy, suspended.
    make_volunteer(cmd, areas["grid_a"], "庚", skills="宣传", **monday_am)
    make_volunteer(cmd, areas["grid_a"], "辛", skills=BOTH, state=PoolState.PENDING, **monday_am)
    make_volunteer(
        cmd, areas["grid_a"], "壬", skills=BOTH, health=HealthState.OBSERVATION, **monday_am
    )
    make_volunteer(cmd, areas["grid_a"], "子", skills=BOTH, state=PoolState.SUSPENDED, **monday_am)
    need = make_need(cmd, areas["grid_a"], required_skills=BOTH)
    now = at(1, 8)
    _serve(cmd, v["c"], hours=4, days_ago=10, now=now)
    return v, need, now


def test_ranking_by_skills_time_distance_and_fairness(scenario, users):
    _v, need, now = scenario
    ranked = matching.propose(need, Volunteer.objects.visible_to(users["command"]), now=now)
    assert [(p.volunteer.name, p.score) for p in ranked] == [
        ("甲", Decimal("100.0")),  # same grid, both skills, free, no recent hours
        ("乙", Decimal("95.0")),  # same community
        ("乙二", Decimal("95.0")),  # tie: registered later
        ("丙", Decimal("93.0")),  # same community but served 4 h in the last 30 days
        ("丑", Decimal("90.0")),  # another community of the same street
        ("丁", Decimal("85.0")),  # another street of the same district
        ("戊", Decimal("80.0")),  # another district
        ("癸", Decimal("80.0")),  # same grid, one skill of two; tie with 戊 by registration
        ("己", Decimal("70.0")),  # same grid, not free on Monday morning
    ]


def test_each_proposal_is_explained_in_words(scenario, users):
    _v, need, now = scenario
    ranked = matching.propose(need, Volunteer.objects.visible_to(users["command"]), now=now)
    by_name = {p.volunteer.name: p.explanation for p in ranked}
    assert by_name["甲"] == (
        "技能：具备所需 2/2 项（医疗护理、驾驶）；时间：1/1 个时段有空；距离：同一网格；"
        "近30天服务 0.0 小时；总分 100.0"
    )
    assert by_name["丙"] == (
        "技能：具备所需 2/2 项（医疗护理、驾驶）；时间：1/1 个时段有空；距离：同一社区；"
        "近30天服务 4.0 小时；总分 93.0"
    )
    assert by_name["癸"] == (
        "技能：具备所需 1/2 项（驾驶）；时间：1/1 个时段有空；距离：同一网格；"
        "近30天服务 0.0 小时；总分 80.0"
    )
    assert by_name["戊"].startswith("技能：具备所需 2/2 项")
    assert "距离：不在同一区县" in by_name["戊"]


def test_hours_older_than_30_days_do_not_count_against_fairness(areas, users):
    cmd = users["command"]
    old = make_volunteer(cmd, areas["grid_a"], "老", available_days="周一", available_times="上午")
    new = make_volunteer(cmd, areas["grid_a"], "新", available_days="周一", available_times="上午")
    now = at(1, 8)
    _serve(cmd, old, hours=6, days_ago=40, now=now)
    _serve(cmd, new, hours=2, days_ago=3, now=now)
    need = make_need(cmd, areas["grid_a"])
    ranked = matching.propose(need, Volunteer.objects.all(), now=now)
    assert [(p.volunteer.name, p.score) for p in ranked] == [
        ("老", Decimal("100.0")),
        ("新", Decimal("99.0")),
    ]


def test_a_volunteer_busy_at_that_time_or_already_on_the_need_is_not_proposed(areas, users):
    cmd = users["command"]
    free = dict(available_days="每天", available_times="全天")
    busy = make_volunteer(cmd, areas["grid_a"], "忙", **free)
    make_volunteer(cmd, areas["grid_a"], "闲", **free)
    other = make_need(cmd, areas["grid_b"], "入户排查", starts_at=at(1, 10), ends_at=at(1, 12))
    services.dispatch(actor=cmd, need=other, volunteers=[busy])
    need = make_need(cmd, areas["grid_a"])  # 9–11 on the same Monday
    assert [p.volunteer.name for p in matching.propose(need, Volunteer.objects.all())] == ["闲"]
    assert [p.volunteer.name for p in matching.propose(other, Volunteer.objects.all())] == ["闲"]


def test_time_share_counts_each_slot_the_need_touches(areas, users):
    cmd = users["command"]
    # Monday 10:00 – Tuesday 08:00 touches Mon am, pm, ev and Tue night, am: 5 slots.
    make_volunteer(
        cmd, areas["grid_a"], "夜", available_days="周一、周二", available_times="夜间、晚上"
    )
    need = make_need(cmd, areas["grid_a"], starts_at=at(1, 10), ends_at=at(2, 8))
    (p,) = matching.propose(need, Volunteer.objects.all(), now=at(1, 8))
    assert (p.slots_free, p.slots_total) == (2, 5)
    assert p.score == Decimal("82.0")  # 40 + 30×2/5 + 20 + 10


def test_candidates_are_limited_to_the_dispatchers_area(areas, users):
    cmd = users["command"]
    make_volunteer(cmd, areas["grid_a"], "本地", available_days="每天", available_times="全天")
    make_volunteer(cmd, areas["grid_c"], "外地", available_days="每天", available_times="全天")
    need = make_need(cmd, areas["grid_a"])
    names = [
        p.volunteer.name
        for p in matching.propose(need, Volunteer.objects.visible_to(users["community"]))
    ]
    assert names == ["本地"]
