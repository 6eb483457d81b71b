"""Risk pages and /api/v1/risk-levels/, /api/v1/risk-designations/: levels, designations with
each place's history, setting and lifting a level."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.risk.services import set_risk_level


def level(rank: int) -> RiskLevel:
    return RiskLevel.objects.get(rank=rank)


def local(day: int, hour: int = 0) -> str:
    return f"2020-01-{day:02d}T{hour:02d}:00"


@pytest.fixture
def wuhan(users):
    t0 = timezone.now() - datetime.timedelta(days=30)
    first = set_risk_level(
        actor=users["command"],
        level=level(3),
        effective_from=t0,
        reason="疫情通报",
        place_name="武汉市",
        place_code="4201",
    )
    second = set_risk_level(
        actor=users["command"],
        level=level(2),
        effective_from=t0 + datetime.timedelta(days=10),
        reason="降级",
        place_name="武汉市",
        place_code="4201",
    )
    return first, second


def test_lists_need_the_permission_and_show_everything(client, users, wuhan):
    client.force_login(users["grid_a"])
    r = client.get(reverse("risk:designation_list"))
    assert [d.level.name for d, _c in r.context["table"]] == ["中风险", "高风险"]
    assert [lv.name for lv, _c in client.get(reverse("risk:level_list")).context["table"]] == [
        "低风险",
        "中风险",
        "高风险",
    ]
    r = client.get(reverse("risk:designation_list"), {"current": "true"})
    assert [d.pk for d, _c in r.context["table"]] == [wuhan[1].pk]
    client.force_login(users["volunteer"])
    assert client.get(reverse("risk:designation_list")).status_code == 403


def test_detail_shows_the_history_of_the_place(client, users, wuhan):
    client.force_login(users["grid_a"])
    r = client.get(reverse("risk:designation_detail", args=[wuhan[1].pk]))
    history = [(d.level.name, d.effective_to is None) for d, _c in r.context["history"]]
    assert history == [("中风险", True), ("高风险", False)]
    assert r.context["end_form"] is None  # grid workers cannot lift it


def test_command_sets_a_level_for_an_external_place(client, users):
    client.force_login(users["street"])
    assert client.get(reverse("risk:designation_add")).status_code == 403
    client.force_login(users["command"])
    r = client.post(
        reverse("risk:designation_add"),
        {
            "level": level(3).pk,
            "place_name": "武昌区",
            "place_code": "420106",
            "effective_from": local(20, 8),
            "reason": "指挥部通告第3号",
        },
    )
    d = RiskDesignation.objects.get()
    assert r.status_code == 302
    assert (d.place_label, d.level.name, d.reason) == (
        "武昌区（420106）",
        "高风险",
        "指挥部通告第3号",
    )
    r = client.post(
        reverse("risk:designation_add"),
        {"level": level(3).pk, "effective_from": local(21), "reason": "x"},
    )
    assert r.context["form"].errors["place_name"] == ["请选择本平台区域或填写地区名称/区划代码"]


def test_lifting_a_designation(client, users, wuhan):
    client.force_login(users["command"])
    url = reverse("risk:designation_end", args=[wuhan[1].pk])
    end = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"effective_to": end, "reason": "解除"})
    wuhan[1].refresh_from_db()
    assert wuhan[1].effective_to is not None


def test_designation_list_query_count(client, users, wuhan, django_assert_num_queries):
    client.force_login(users["grid_a"])
    client.get(reverse("risk:designation_list"))
    # session, user, role perms (2), count, rows, level choices
    with django_assert_num_queries(7):
        client.get(reverse("risk:designation_list"))


def test_api_lists_and_sets_levels(users, wuhan):
    client = APIClient()
    client.force_login(users["grid_a"])
    r = client.get("/api/v1/risk-designations/", {"current": "true"})
    assert [(d["place_label"], d["level_name"]) for d in r.json()["results"]] == [
        ("武汉市（4201）", "中风险")
    ]
    assert client.post("/api/v1/risk-designations/", {}).status_code == 403
    client.force_login(users["command"])
    r = client.post(
        "/api/v1/risk-designations/",
        {
            "level": level(1).pk,
            "place_name": "武汉市",
            "place_code": "4201",
            "effective_from": timezone.now().isoformat(),
            "reason": "降为低风险",
        },
    )
    assert r.status_code == 201
    assert r.json()["level_name"] == "低风险"
    wuhan[1].refresh_from_db()
    assert wuhan[1].effective_to is not None
    r = client.post("/api/v1/risk-levels/", {"name": "极高风险", "rank": 4, "colour": "#990000"})
    assert (r.status_code, r.json()["name"]) == (201, "极高风险")
    r = client.post("/api/v1/risk-levels/", {"name": "极高风险", "rank": 5, "colour": "#990000"})
    assert r.status_code == 400
    # The form's rules hold for the API: a colour pages can draw, a rank in range.
    for body, field in (
        ({"name": "临时", "rank": 6, "colour": 0}, "colour"),
        ({"name": "临时", "rank": 6, "colour": "red"}, "colour"),
        ({"name": "临时", "rank": 0, "colour": "#990000"}, "rank"),
        ({"name": "临时", "rank": 101, "colour": "#990000"}, "rank"),
    ):
        r = client.post("/api/v1/risk-levels/", body, format="json")
        assert (r.status_code, list(r.json())) == (400, [field]), body
