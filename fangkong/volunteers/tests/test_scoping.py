"""Scoping of every volunteer list, and the filters the web list and the API share."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from fangkong.volunteers import services
from fangkong.volunteers.choices import TeamKind
from fangkong.volunteers.filtersets import NeedFilterSet, VolunteerFilterSet
from fangkong.volunteers.models import (
    Assignment,
    DispatchBatch,
    Need,
    PartyReport,
    Shift,
    Team,
    Volunteer,
)

from .conftest import give_account, make_need, make_volunteer, running_now

pytestmark = pytest.mark.django_db
FREE = {"available_days": "每天", "available_times": "全天"}


@pytest.fixture
def world(areas, users):
    """One of everything in grid_a (仁和) and in grid_c (米易)."""
    cmd = users["command"]
    rows = {}
    for key, grid, name in (("a", "grid_a", "张三"), ("c", "grid_c", "王五")):
        v = make_volunteer(cmd, areas[grid], name, is_party_member=True, skills="驾驶", **FREE)
        user = give_account(cmd, v)
        need = make_need(cmd, areas[grid], f"{name}的岗位", required_skills="驾驶", **running_now())
        batch = services.dispatch_batch(
            actor=cmd, name=f"{name}批次", needs=[(need, 1)], area=areas[grid]
        )
        a = Assignment.objects.get(batch=batch)
        services.respond_assignment(actor=user, assignment=a, accept=True)
        start = timezone.now() - datetime.timedelta(hours=2)
        shift = services.check_in(actor=user, assignment=a, at=start)
        services.check_out(actor=user, shift=shift, at=start + datetime.timedelta(hours=1))
        services.report_party_member(
            actor=cmd,
            volunteer=v,
            area=areas[grid].parent,
            reported_on=datetime.date(2020, 2, 10),
            work_unit="市民政局",
        )
        services.create_team(
            actor=cmd, area=areas[grid], name=f"{name}突击队", kind=TeamKind.COMMANDO, leader=v
        )
        rows[key] = {"volunteer": v, "user": user}
    return rows


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


MODELS = (Volunteer, Need, DispatchBatch, Assignment, Shift, PartyReport, Team)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("command", 2), ("street", 1), ("community", 1), ("grid_a", 1), ("grid_c", 1), ("leader", 2)],
)
def test_staff_see_their_area_subtree_in_every_list(world, users, who, expected):
    for model in MODELS:
        # A party member reports to the community, above a grid worker's grid.
        want = 0 if model is PartyReport and who.startswith("grid") else expected
        assert model.objects.visible_to(users[who]).count() == want, model.__name__


def test_a_volunteer_sees_only_their_own_rows(world, users):
    me = world["a"]["user"]
    assert list(Volunteer.objects.visible_to(me)) == [world["a"]["volunteer"]]
    for model in (Need, Assignment, Shift, PartyReport, Team):
        (row,) = model.objects.visible_to(me)
        assert "王五" not in str(row), model.__name__
    assert DispatchBatch.objects.visible_to(me).count() == 0
    # The volunteer role's own area would show the whole grid; it must not.
    other = make_volunteer(users["command"], me.area, "邻居", **FREE)
    assert other not in Volunteer.objects.visible_to(me)
    assert Volunteer.objects.visible_to(users["volunteer"]).count() == 0  # no linked record


def test_volunteer_filters_skill_party_and_search(world, users, areas):
    cmd = users["command"]
    make_volunteer(cmd, areas["grid_a"], "赵医生", skills="医疗护理", **FREE)
    qs = Volunteer.objects.visible_to(users["community"])

    def names(params):
        fs = VolunteerFilterSet(params, queryset=qs, request=_request(users["community"]))
        return sorted(fs.qs.values_list("name", flat=True))

    assert names({"skill": "medical"}) == ["赵医生"]
    assert names({"skill": "driving"}) == ["张三"]
    assert names({"is_party_member": "true"}) == ["张三"]
    assert names({"q": "zys"}) == ["赵医生"]
    assert names({"q": "趙"}) == ["赵医生"]
    phone = world["a"]["volunteer"].phone
    assert names({"q": phone[-4:]}) == ["张三"]
    assert names({"q": phone}) == ["张三"]
    assert names({"q": world["c"]["volunteer"].phone}) == []  # out of scope
    assert names({"area": areas["grid_b"].pk}) == []


def test_need_filter_by_skill_and_area(world, users, areas):
    make_need(users["command"], areas["grid_b"], "消杀岗", required_skills="消杀")
    qs = Need.objects.visible_to(users["command"])

    def titles(params):
        fs = NeedFilterSet(params, queryset=qs, request=_request(users["command"]))
        return sorted(fs.qs.values_list("title", flat=True))

    assert titles({"skill": "disinfection"}) == ["消杀岗"]
    assert titles({"area": areas["community"].pk}) == ["张三的岗位", "消杀岗"]
    assert titles({"q": "王五"}) == ["王五的岗位"]
