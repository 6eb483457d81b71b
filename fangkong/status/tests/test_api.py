"""/api/v1/statuses/ (read only) and /api/v1/status-overrides/ (request, approve, reject)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.health.models import Assignment
from fangkong.status.models import StatusOverride
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident, today
from fangkong.tracing.models import Case

STATUSES = "/api/v1/statuses/"
OVERRIDES = "/api/v1/status-overrides/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def people(areas):
    a1 = make_resident(areas["grid_a"], name="欧阳明月")
    b1 = make_resident(areas["grid_b"], name="王五")
    c1 = make_resident(areas["grid_c"], name="赵六")
    Assignment.objects.create(
        resident=a1,
        kind="health_monitoring",
        start_date=today(),
        end_date=today() + datetime.timedelta(days=7),
    )
    Case.objects.create(resident=b1, code="C-12", kind="confirmed", confirmed_at=timezone.now())
    recompute_status([a1.pk, b1.pk, c1.pk], cause="测试")
    return {"a1": a1, "b1": b1, "c1": c1}


def test_statuses_are_scoped_masked_and_filterable(users, areas, people):
    r = api(users["grid_a"]).get(STATUSES)
    assert r.status_code == 200
    assert [(s["resident_name"], s["colour"]) for s in r.json()["results"]] == [
        ("欧**月", "yellow")
    ]
    assert "欧阳明月" not in r.content.decode()
    r = api(users["command"]).get(STATUSES, {"colour": "red", "area": areas["renhe"].pk})
    assert [s["resident"] for s in r.json()["results"]] == [people["b1"].pk]
    assert r.json()["results"][0]["reasons"] == ["红码：确诊病例 C-12，治疗/隔离管理中"]
    r = api(users["command"]).get(STATUSES, {"q": "zl"})
    assert [s["resident"] for s in r.json()["results"]] == [people["c1"].pk]


def test_status_of_another_grid_is_not_found_and_statuses_are_read_only(users, people):
    client = api(users["grid_a"])
    assert client.get(f"{STATUSES}{people['b1'].pk}/").status_code == 404
    assert client.get(f"{STATUSES}{people['a1'].pk}/").status_code == 200
    assert client.post(STATUSES, {"colour": "red"}).status_code == 405
    assert client.patch(f"{STATUSES}{people['a1'].pk}/", {"colour": "red"}).status_code == 405


def test_statuses_list_query_count(users, people, django_assert_num_queries):
    client = api(users["command"])
    client.get(STATUSES)
    # session, user, user's area, count, rows (a role's permissions need no query)
    with django_assert_num_queries(5):
        r = client.get(STATUSES)
    assert r.json()["count"] == 3


def test_override_request_then_approve_by_a_higher_rank(
    users, people, django_capture_on_commit_callbacks
):
    expires = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    r = api(users["grid_a"]).post(
        OVERRIDES,
        {"resident": people["a1"].pk, "colour": "green", "reason": "误判", "expires_at": expires},
    )
    assert r.status_code == 201
    body = r.json()
    assert (body["state"], body["resident_name"]) == ("pending", "欧**月")
    # a grid worker cannot approve (no permission: refused before the row is looked up)
    assert api(users["grid_b"]).post(f"{OVERRIDES}{body['id']}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = api(users["community"]).post(f"{OVERRIDES}{body['id']}/approve/")
    assert r.status_code == 200
    assert r.json()["state"] == "approved"
    r = api(users["grid_a"]).get(f"{STATUSES}{people['a1'].pk}/")
    assert (r.json()["colour"], r.json()["overridden"]) == ("green", True)


def test_override_for_a_resident_out_of_scope_is_refused(users, people):
    expires = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    r = api(users["grid_a"]).post(
        OVERRIDES,
        {"resident": people["b1"].pk, "colour": "green", "reason": "误判", "expires_at": expires},
    )
    assert r.status_code == 400
    assert StatusOverride.objects.count() == 0


def test_reject_needs_a_note(users, people):
    expires = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    created = api(users["grid_a"]).post(
        OVERRIDES,
        {"resident": people["a1"].pk, "colour": "red", "reason": "协查", "expires_at": expires},
    )
    pk = created.json()["id"]
    assert api(users["community"]).post(f"{OVERRIDES}{pk}/reject/", {}).status_code == 400
    r = api(users["community"]).post(f"{OVERRIDES}{pk}/reject/", {"note": "依据不足"})
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["rejection_note"]) == ("rejected", "依据不足")
