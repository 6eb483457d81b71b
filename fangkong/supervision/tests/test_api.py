"""The supervision API: scoped lists, the state machine through HTTP, 400/403/404/409."""

import datetime

import pytest

from fangkong.supervision.models import Problem

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_problem_list_is_scoped_and_flags_overdue(client, problem, users, areas):
    client.force_login(users["street"])
    body = client.get("/api/v1/problems/").json()
    assert [r["id"] for r in body["results"]] == [problem.pk]
    assert body["results"][0]["overdue"] is True  # the deadline (2020) has passed
    client.force_login(users["grid_c"])  # grid workers hold no supervision permission
    assert client.get("/api/v1/problems/").status_code == 403


def test_steps_through_the_api(client, problem, users, inspector):
    url = f"/api/v1/problems/{problem.pk}"
    client.force_login(users["community"])
    r = client.post(f"{url}/close/", {"version": 1}, content_type="application/json")
    assert r.status_code == 403
    r = client.post(f"{url}/rectify/", {"version": 1}, content_type="application/json")
    assert r.status_code == 400 and r.json()["note"] == ["请填写整改情况"]
    r = client.post(
        f"{url}/rectify/", {"version": 1, "note": "已整改"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    client.force_login(inspector)
    r = client.post(f"{url}/close/", {"version": 1}, content_type="application/json")
    assert r.status_code == 409
    r = client.post(f"{url}/close/", {"version": 2}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = client.post(f"{url}/close/", {"version": 3}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["state"] == ["问题当前状态为“已销号”，不能执行“核查销号”"]
    events = client.get(f"{url}/events/").json()
    assert [e["action"] for e in events] == ["create", "rectify", "close"]


def test_out_of_scope_problem_is_404(client, problem, areas):
    from fangkong.core.testing import factories

    other = factories.make_user("community", areas["miyi_community"])
    client.force_login(other)
    assert client.get(f"/api/v1/problems/{problem.pk}/").status_code == 404


def test_visit_with_findings_through_the_api(client, group, inspector, areas):
    client.force_login(inspector)
    r = client.post(
        "/api/v1/inspection-visits/",
        {
            "group": group.pk,
            "area": areas["community"].pk,
            "mode": "unannounced",
            "target_kind": "venue",
            "target_name": "农贸市场",
            "visited_on": TODAY.isoformat(),
            "findings": [
                {
                    "title": "未扫码测温",
                    "severity": "medium",
                    "deadline": (TODAY + datetime.timedelta(days=1)).isoformat(),
                }
            ],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["problem_count"] == 1
    assert Problem.objects.get().title == "未扫码测温"


def test_group_coverage_seen_by_inspector(client, group, inspector):
    client.force_login(inspector)
    body = client.get("/api/v1/inspection-groups/").json()
    assert [(g["name"], g["leader"]) for g in body["results"]] == [("第一督导组", inspector.pk)]
