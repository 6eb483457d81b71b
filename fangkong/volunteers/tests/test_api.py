"""/api/v1/volunteers/… : scoping per role (a volunteer sees only their own), masked personal
fields, writes through services with 400/403/404/409, proposals, dispatch, answers, shifts."""

import datetime
import random

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import AssignmentState
from fangkong.volunteers.models import Assignment, Shift, Volunteer

from .conftest import at, give_account, make_need, make_volunteer, running_now

pytestmark = pytest.mark.django_db
FREE = {"available_days": "每天", "available_times": "全天"}
rng = random.Random(12)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def pool(areas, users):
    cmd = users["command"]
    return {
        "a": make_volunteer(cmd, areas["grid_a"], "张三", skills="医疗护理", **FREE),
        "b": make_volunteer(cmd, areas["grid_b"], "李四", **FREE),
        "c": make_volunteer(cmd, areas["grid_c"], "王五", **FREE),
    }


def names(response) -> list[str]:
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("grid_a", ["张三"]),
        ("community", ["张三", "李四"]),
        ("command", ["张三", "李四", "王五"]),
        ("leader", ["张三", "李四", "王五"]),
    ],
)
def test_volunteer_list_is_scoped(users, pool, user, expected):
    assert names(api(users[user]).get("/api/v1/volunteers/")) == expected


def test_volunteer_fields_are_masked_and_lists_decoded(users, pool, django_assert_max_num_queries):
    client = api(users["command"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/volunteers/", {"q": "zs"})
    (row,) = response.json()["results"]
    a = pool["a"]
    assert row["phone"] == a.phone[:3] + "****" + a.phone[-4:]
    assert row["id_number"] == a.id_number[:6] + "********" + a.id_number[-4:]
    assert (row["skills"], row["available_times"], row["total_hours"]) == (
        ["medical"],
        ["night", "am", "pm", "ev"],
        0.0,
    )


def test_create_validates_in_chinese_and_refuses_other_areas(users, areas):
    client = api(users["community"])
    bad = client.post(
        "/api/v1/volunteers/",
        {"area": areas["grid_a"].pk, "name": "赵六", "id_number": "123", "phone": "13800001234"},
        format="json",
    )
    assert bad.status_code == 400 and "id_number" in bad.json()
    other = client.post(
        "/api/v1/volunteers/",
        {
            "area": areas["grid_c"].pk,
            "name": "赵六",
            "id_number": factories.make_id_number(rng=rng),
            "phone": "13800001234",
        },
        format="json",
    )
    assert other.status_code == 403
    assert Volunteer.objects.count() == 0


def test_update_with_stale_version_is_409(users, pool):
    client = api(users["community"])
    url = f"/api/v1/volunteers/{pool['a'].pk}/"
    assert (
        client.patch(url, {"organisation": "市民政局", "version": 1}, format="json").status_code
        == 200
    )
    assert (
        client.patch(url, {"organisation": "市教育局", "version": 1}, format="json").status_code
        == 409
    )
    pool["a"].refresh_from_db()
    assert pool["a"].organisation == "市民政局"


def test_detail_across_scope_is_404(users, pool):
    assert api(users["grid_a"]).get(f"/api/v1/volunteers/{pool['b'].pk}/").status_code == 404


def test_proposals_and_dispatch(users, areas, pool):
    need = make_need(users["community"], areas["grid_a"], headcount=2)
    client = api(users["community"])
    rows = client.get(f"/api/v1/volunteer-needs/{need.pk}/proposals/").json()
    assert [(r["name"], r["score"]) for r in rows] == [("张三", "100.0"), ("李四", "95.0")]
    assert rows[0]["explanation"].startswith("技能：岗位无特殊要求")
    response = client.post(
        f"/api/v1/volunteer-needs/{need.pk}/dispatch/",
        {"volunteers": [pool["a"].pk, pool["c"].pk]},
        format="json",
    )
    assert response.status_code == 400  # 王五 is outside the community
    assert Assignment.objects.count() == 0
    response = client.post(
        f"/api/v1/volunteer-needs/{need.pk}/dispatch/",
        {"volunteers": [pool["a"].pk]},
        format="json",
    )
    assert response.status_code == 201 and response.json()[0]["state"] == "offered"
    grid = api(users["grid_a"]).post(
        f"/api/v1/volunteer-needs/{need.pk}/dispatch/",
        {"volunteers": [pool["b"].pk]},
        format="json",
    )
    assert grid.status_code == 403


def test_volunteer_sees_and_answers_only_their_own_tasks(users, areas, pool):
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    need = make_need(cmd, areas["grid_a"], **running_now())
    (mine,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
    (theirs,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["b"]])
    client = api(user)
    listed = client.get("/api/v1/volunteer-tasks/").json()["results"]
    assert [r["id"] for r in listed] == [mine.pk]
    assert [r["name"] for r in client.get("/api/v1/volunteers/").json()["results"]] == ["张三"]
    assert (
        client.post(f"/api/v1/volunteer-tasks/{theirs.pk}/respond/", {"accept": True}).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/volunteer-tasks/{mine.pk}/respond/", {"accept": False}).status_code
        == 400
    )
    ok = client.post(f"/api/v1/volunteer-tasks/{mine.pk}/respond/", {"accept": True}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == AssignmentState.ACCEPTED
    started = client.post(f"/api/v1/volunteer-tasks/{mine.pk}/check-in/")
    assert started.status_code == 201
    shift = Shift.objects.get()
    Shift.objects.filter(pk=shift.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    done = client.post(f"/api/v1/volunteer-shifts/{shift.pk}/check-out/")
    assert done.status_code == 200 and done.json()["minutes"] in (59, 60)
    assert [s["id"] for s in client.get("/api/v1/volunteer-shifts/").json()["results"]] == [
        shift.pk
    ]
    # Staff cannot answer for the volunteer.
    staff = api(cmd).post(f"/api/v1/volunteer-tasks/{theirs.pk}/respond/", {"accept": True})
    assert staff.status_code == 403


def test_volunteer_role_cannot_write_staff_endpoints(users, areas, pool):
    user = give_account(users["community"], pool["a"])
    client = api(user)
    assert client.post("/api/v1/volunteer-needs/", {}, format="json").status_code == 403
    assert client.get("/api/v1/volunteer-needs/").status_code == 403
    assert client.get("/api/v1/volunteer-teams/").status_code == 403


def test_team_api_creates_through_the_service(users, areas, pool):
    client = api(users["community"])
    response = client.post(
        "/api/v1/volunteer-teams/",
        {
            "area": areas["community"].pk,
            "name": "临时党支部一",
            "kind": "party_branch",
            "leader": pool["a"].pk,
            "members": [pool["b"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["members"]) == sorted([pool["a"].pk, pool["b"].pk])
    assert response.json()["member_count"] == 2
    outside = client.post(
        "/api/v1/volunteer-teams/",
        {"area": areas["community"].pk, "name": "x", "kind": "commando", "members": [pool["c"].pk]},
        format="json",
    )
    assert outside.status_code == 400


def test_need_times_are_validated(users, areas):
    response = api(users["community"]).post(
        "/api/v1/volunteer-needs/",
        {
            "area": areas["grid_a"].pk,
            "kind": "checkpoint",
            "title": "东门",
            "starts_at": at(1, 12).isoformat(),
            "ends_at": at(1, 9).isoformat(),
            "headcount": 2,
        },
        format="json",
    )
    assert response.status_code == 400 and "ends_at" in response.json()


@pytest.mark.parametrize("bad", [2**70, 0, -3])
def test_dispatch_of_an_id_no_database_holds_is_a_field_error(users, areas, pool, bad):
    """A huge id made the database driver fail (500); it names no volunteer."""
    need = make_need(users["community"], areas["grid_a"])
    response = api(users["community"]).post(
        f"/api/v1/volunteer-needs/{need.pk}/dispatch/",
        {"volunteers": [pool["a"].pk, bad]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"volunteers": {"1": ["不存在该编号"]}}
    assert Assignment.objects.count() == 0
