"""/api/v1/ working groups, shifts (+coverage), handovers (+acknowledge, close item), notices
(+acknowledgments, remind) and the inbox: scoped, written through the services."""

import pytest
from rest_framework.test import APIClient

from fangkong.core.models import AuditEntry
from fangkong.duty import services
from fangkong.duty.models import Handover, Notice, NoticeReceipt, Shift

from .conftest import DAY, at

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_shift_crud_scoped(areas, users, make_shift, django_assert_max_num_queries):
    client = api(users["community"])
    created = client.post(
        "/api/v1/shifts/",
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "duty_role": "leader",
            "start": "2020-02-14T08:00:00+08:00",
            "end": "2020-02-14T20:00:00+08:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["person_name"], body["duty_role"], body["version"]) == ("grid_a", "leader", 1)
    make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    with django_assert_max_num_queries(7):
        listing = client.get("/api/v1/shifts/")
    assert [r["id"] for r in listing.json()["results"]] == [body["id"]]
    other = Shift.objects.get(area=areas["miyi_community"])
    assert client.get(f"/api/v1/shifts/{other.pk}/").status_code == 404
    bad = client.post(
        "/api/v1/shifts/",
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "start": "2020-02-14T20:00:00+08:00",
            "end": "2020-02-14T08:00:00+08:00",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["end"] == ["结束时间必须晚于开始时间（跨夜班次请填写次日日期）"]
    stale = client.patch(
        f"/api/v1/shifts/{body['id']}/", {"note": "x", "version": 5}, format="json"
    )
    assert stale.status_code == 409
    forbidden = api(users["grid_a"]).post("/api/v1/shifts/", {}, format="json")
    assert forbidden.status_code == 403


def test_coverage_endpoint_gives_exact_gaps(areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    make_shift(areas["community"], users["grid_b"], at(20), at(6, day=1))
    response = api(users["street"]).get(
        "/api/v1/shifts/coverage/",
        {"area": areas["community"].pk, "day": DAY.isoformat(), "days": 2},
    )
    assert response.status_code == 200
    days = response.json()
    assert [(d["day"], d["gap_minutes"]) for d in days] == [
        ("2020-02-14", 480),
        ("2020-02-15", 18 * 60),
    ]
    assert days[0]["gaps"] == [
        {"start": "2020-02-14T00:00:00+08:00", "end": "2020-02-14T08:00:00+08:00"}
    ]
    assert days[1]["gaps"] == [
        {"start": "2020-02-15T06:00:00+08:00", "end": "2020-02-16T00:00:00+08:00"}
    ]
    out = api(users["grid_c"]).get(
        "/api/v1/shifts/coverage/", {"area": areas["community"].pk, "day": DAY.isoformat()}
    )
    assert out.status_code == 404  # another district's unit


@pytest.mark.parametrize(("day", "days"), [("0001-01-01", 1), ("9999-12-31", 31)])
def test_coverage_of_a_day_out_of_any_plausible_year_is_a_400_on_the_day(areas, users, day, days):
    response = api(users["street"]).get(
        "/api/v1/shifts/coverage/", {"area": areas["community"].pk, "day": day, "days": days}
    )
    assert response.status_code == 400
    assert response.json() == {"day": ["日期应在 1900 至 2100 年之间"]}


def test_working_group_api(areas, users):
    client = api(users["community"])
    created = client.post(
        "/api/v1/working-groups/",
        {
            "area": areas["community"].pk,
            "name": "社区专班",
            "leader": users["community"].pk,
            "members": [users["grid_a"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["members"]) == sorted([users["community"].pk, users["grid_a"].pk])
    assert api(users["grid_c"]).get("/api/v1/working-groups/").status_code == 403
    assert api(users["command"]).get("/api/v1/working-groups/").json()["count"] == 1


def test_handover_api(areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    created = api(users["grid_a"]).post(
        "/api/v1/handovers/",
        {
            "area": areas["community"].pk,
            "incoming": users["grid_b"].pk,
            "notes": "平稳",
            "new_items": ["送菜"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [i["text"] for i in body["items"]] == ["送菜"]
    assert body["outgoing"] == users["grid_a"].pk
    pk = body["id"]
    assert api(users["grid_a"]).post(f"/api/v1/handovers/{pk}/acknowledge/").status_code == 403
    ack = api(users["grid_b"]).post(f"/api/v1/handovers/{pk}/acknowledge/")
    assert ack.status_code == 200 and ack.json()["acknowledged_at"]
    item = Handover.objects.get().items.get()
    closed = api(users["community"]).post(
        f"/api/v1/handovers/{pk}/items/{item.pk}/close/", {"note": "已送"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["close_note"] == "已送"
    assert api(users["grid_c"]).get(f"/api/v1/handovers/{pk}/").status_code == 404


def test_notice_send_track_remind_and_inbox(areas, users):
    client = api(users["street"])
    sent = client.post(
        "/api/v1/notices/",
        {
            "sender_area": areas["street"].pk,
            "kind": "directive",
            "title": "卡点值守指令",
            "body": "今晚 20 时前到岗",
            "target_areas": [areas["community"].pk],
            "target_roles": ["grid_worker", "community"],
        },
        format="json",
    )
    assert sent.status_code == 201, sent.content
    notice_id = sent.json()["id"]
    assert sent.json()["recipient_count"] == 3
    inbox = api(users["grid_a"]).get("/api/v1/inbox/").json()["results"]
    assert [(r["notice"], r["acknowledged_at"]) for r in inbox] == [(notice_id, None)]
    signed = api(users["grid_a"]).post(f"/api/v1/inbox/{notice_id}/acknowledge/")
    assert signed.status_code == 200 and signed.json()["acknowledged_at"]
    assert api(users["grid_c"]).post(f"/api/v1/inbox/{notice_id}/acknowledge/").status_code == 404
    report = client.get(f"/api/v1/notices/{notice_id}/acknowledgments/").json()
    assert [u["area_name"] for u in report["units"]] == ["海棠花语社区", "第一网格", "第二网格"]
    assert [(u["total"], u["acknowledged"], u["pending"]) for u in report["units"]] == [
        (1, 0, 1),
        (1, 1, 0),
        (1, 0, 1),
    ]
    assert [r["user_name"] for r in report["acknowledged"]] == ["grid_a"]
    assert sorted(r["user_name"] for r in report["pending"]) == ["community", "grid_b"]
    reminded = client.post(f"/api/v1/notices/{notice_id}/remind/")
    assert sorted(r["user_name"] for r in reminded.json()) == ["community", "grid_b"]
    listing = client.get("/api/v1/notices/").json()["results"]
    assert [(n["acknowledged_count"], n["recipient_count"]) for n in listing] == [(1, 3)]
    # Another district's street neither lists nor reminds it.
    assert api(users["grid_c"]).get(f"/api/v1/notices/{notice_id}/").status_code == 403
    assert api(users["command"]).get(f"/api/v1/notices/{notice_id}/").status_code == 200


def test_notice_send_denied_writes_nothing(areas, users):
    response = api(users["grid_a"]).post(
        "/api/v1/notices/",
        {
            "sender_area": areas["grid_a"].pk,
            "title": "x",
            "body": "y",
            "target_areas": [areas["grid_a"].pk],
        },
        format="json",
    )
    assert response.status_code == 403
    assert Notice.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert NoticeReceipt.objects.count() == 0
    assert services  # the module under test


def test_notice_to_roles_only(areas, users):
    sent = api(users["community"]).post(
        "/api/v1/notices/",
        {
            "sender_area": areas["community"].pk,
            "title": "网格员今晚到岗",
            "body": "20 时前到卡点",
            "target_roles": ["grid_worker"],
        },
        format="json",
    )
    assert sent.status_code == 201, sent.content
    assert (sent.json()["target_areas"], sent.json()["recipient_count"]) == (
        [areas["community"].pk],
        2,
    )
