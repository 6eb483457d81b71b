"""Search and filters of the enterprise lists, inside the user's scope."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.enterprises import selectors, services
from fangkong.enterprises.filtersets import EnterpriseFilterSet
from fangkong.enterprises.models import Enterprise, IndustrialPark, InspectionProblem
from fangkong.enterprises.testing import make_account, make_liaison

pytestmark = pytest.mark.django_db


def filtered(user, params):
    qs = selectors.enterprise_list(Enterprise.objects.visible_to(user))
    fs = EnterpriseFilterSet(params, queryset=qs, request=SimpleNamespace(user=user))
    assert fs.is_valid(), fs.errors
    return sorted(e.name for e in fs.qs)


def test_search_by_name_traditional_and_initials(users, ent_a, ent_b, ent_c):
    assert filtered(users["command"], {"q": "车辆"}) == ["金华车辆有限公司"]
    assert filtered(users["command"], {"q": "金華車輛"}) == ["金华车辆有限公司"]
    assert filtered(users["command"], {"q": "jhcl"}) == ["金华车辆有限公司"]
    # Scoping first: the other district's enterprise is not found by name either.
    assert filtered(users["community"], {"q": "米易"}) == []


def test_filter_by_area_state_and_park(users, areas, ent_a, ent_b, ent_c):
    assert filtered(users["command"], {"area": areas["miyi"].pk}) == ["米易果蔬合作社"]
    assert filtered(users["command"], {"resumption_state": "not_applied"}) == [
        "攀钢配件厂",
        "米易果蔬合作社",
        "金华车辆有限公司",
    ]
    park = services.create_park(
        actor=users["community"], data={"area": areas["community"], "name": "钒钛产业园"}
    )
    services.update_enterprise(
        actor=users["community"], enterprise=ent_b, data={"park": park}, expected_version=1
    )
    assert filtered(users["community"], {"park": park.pk}) == ["攀钢配件厂"]


def test_ending_an_assignment_ends_access(users, areas, ent_a):
    today = timezone.localdate()
    liaison = make_liaison(
        users["community"], ent_a, area=areas["community"], start=today - datetime.timedelta(days=9)
    )
    assert Enterprise.objects.visible_to(liaison).count() == 1
    assignment = liaison.liaison_assignments.get()
    services.end_liaison_assignment(
        actor=users["community"],
        liaisonassignment=assignment,
        end_date=timezone.localdate() - datetime.timedelta(days=1),
        expected_version=1,
    )
    assert Enterprise.objects.visible_to(liaison).count() == 0


def test_rebinding_an_account_moves_it(users, areas, ent_a, ent_b):
    account = make_account(users["community"], ent_a, area=areas["community"])
    services.bind_enterprise_account(actor=users["community"], user=account, enterprise=ent_b)
    assert list(Enterprise.objects.visible_to(account)) == [ent_b]


def test_park_pages(client, users, areas, ent_a):
    client.force_login(users["community"])
    r = client.post(
        reverse("enterprises:park_add"), {"name": "钒钛产业园", "area": areas["community"].pk}
    )
    park = IndustrialPark.objects.get()
    assert r["Location"] == reverse("enterprises:park_detail", args=[park.pk])
    r = client.post(
        reverse("enterprises:park_add"), {"name": "钒钛产业园", "area": areas["community"].pk}
    )
    assert "已经存在" in r.content.decode()
    assert IndustrialPark.objects.count() == 1
    r = client.get(reverse("enterprises:park_list"))
    assert [p.name for p, _cells in r.context["table"]] == ["钒钛产业园"]
    other = services.create_park(
        actor=users["command"], data={"area": areas["miyi"], "name": "米易工业园"}
    )
    assert client.get(reverse("enterprises:park_detail", args=[other.pk])).status_code == 404
    # A grid worker has no park pages at all.
    client.force_login(users["grid_c"])
    assert client.get(reverse("enterprises:park_detail", args=[other.pk])).status_code == 403


def test_difficulty_and_problem_pages(client, users, ent_a, liaison):
    d = services.raise_difficulty(
        actor=liaison, enterprise=ent_a, category="funding", description="流动资金紧张"
    )
    p = services.report_problem(actor=liaison, enterprise=ent_a, description="未设测温点")
    client.force_login(users["community"])
    r = client.post(
        reverse("enterprises:difficulty_respond", args=[d.pk]),
        {"response": "协调贴息贷款", "resolved": "on", "version": 1},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert (d.state, d.response) == ("resolved", "协调贴息贷款")
    client.force_login(liaison)
    r = client.post(
        reverse("enterprises:problem_rectify", args=[p.pk]),
        {"rectification": "", "version": 1},
    )
    assert r.status_code == 200  # the page again, the reason under the field
    assert r.context["rectify_form"].errors == {"rectification": ["该字段是必填项。"]}
    p.refresh_from_db()
    assert p.state == "open"
    client.post(
        reverse("enterprises:problem_rectify", args=[p.pk]),
        {"rectification": "已设测温点", "version": 1},
    )
    p.refresh_from_db()
    assert p.state == "rectified"


def test_overdue_problems_filter_and_days(client, users, ent_a, ent_c, liaison):
    """逾期未整改: open problems past their deadline, with the days late, in the user's scope."""
    today = timezone.localdate()
    visit = today - datetime.timedelta(days=5)
    services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={"inspected_on": visit, "deadline": today - datetime.timedelta(days=3)},
        problems=["食堂未错峰就餐", "消毒记录不全"],
    )
    services.report_problem(
        actor=liaison, enterprise=ent_a, description="未设测温点", deadline=today
    )
    done = InspectionProblem.objects.get(description="消毒记录不全")
    services.rectify_problem(
        actor=liaison, problem=done, rectification="已补记录", expected_version=1
    )
    other = make_liaison(users["command"], ent_c, username="liaison_c")
    services.file_inspection(
        actor=other,
        enterprise=ent_c,
        data={"inspected_on": visit, "deadline": visit},
        problems=["米易未测温"],
    )
    url = reverse("enterprises:problem_list")
    client.force_login(users["community"])
    r = client.get(url, {"overdue": "true"})
    table = r.context["table"]
    rows = [(p.description, [c.value for c in cells]) for p, cells in table]
    assert [d for d, _values in rows] == ["食堂未错峰就餐"]
    assert rows[0][1][[str(h) for h in table.headers].index("逾期天数")] == 3
    r = client.get(url, {"overdue": "false"})
    assert sorted(p.description for p, _cells in r.context["table"]) == [
        "未设测温点",
        "消毒记录不全",
    ]
    client.force_login(users["command"])
    r = client.get(url, {"overdue": "true"})
    assert sorted(p.description for p, _cells in r.context["table"]) == [
        "米易未测温",
        "食堂未错峰就餐",
    ]
