"""/api/v1/ enterprise endpoints: scoping per role, masking, workflow actions, 400/403/404/409."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.testing.factories import make_id_number
from fangkong.demo.enterprises import make_credit_code
from fangkong.enterprises.models import Enterprise, Inspection, ResumptionApplication
from fangkong.enterprises.testing import application_data, make_account

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_enterprise_list_per_role(
    users, ent_a, ent_b, ent_c, liaison, django_assert_max_num_queries
):
    api = client_for(users["community"])
    with django_assert_max_num_queries(8):
        r = api.get("/api/v1/enterprises/")
    assert names(r) == ["攀钢配件厂", "金华车辆有限公司"]
    assert r.json()["results"][1]["contact_phone"] == "138****1111"
    assert names(client_for(liaison).get("/api/v1/enterprises/")) == ["金华车辆有限公司"]
    account = make_account(users["community"], ent_b)
    assert names(client_for(account).get("/api/v1/enterprises/")) == ["攀钢配件厂"]
    assert client_for(liaison).get(f"/api/v1/enterprises/{ent_b.pk}/").status_code == 404
    assert client_for(users["grid_c"]).get(f"/api/v1/enterprises/{ent_a.pk}/").status_code == 404


def test_enterprise_create_400_403_and_update_409(users, areas, ent_a, liaison):
    api = client_for(users["community"])
    code = make_credit_code()
    body = {
        "area": areas["grid_a"].pk,
        "name": "新企业",
        "credit_code": code[:-1] + ("0" if code[-1] != "0" else "1"),
        "sector": "construction",
        "headcount": 12,
        "contact_phone": "13911112222",
    }
    r = api.post("/api/v1/enterprises/", body, format="json")
    assert r.status_code == 400
    assert r.json()["credit_code"] == ["统一社会信用代码校验位不正确，请核对是否录错"]
    r = api.post("/api/v1/enterprises/", body | {"credit_code": code}, format="json")
    assert r.status_code == 201
    assert r.json()["contact_phone"] == "139****2222"
    assert r.json()["resumption_state"] == "not_applied"
    assert client_for(liaison).post("/api/v1/enterprises/", body, format="json").status_code == 403
    url = f"/api/v1/enterprises/{ent_a.pk}/"
    assert api.patch(url, {"headcount": 60, "version": 1}, format="json").status_code == 200
    r = api.patch(url, {"headcount": 70, "version": 1}, format="json")
    assert r.status_code == 409
    ent_a.refresh_from_db()
    assert ent_a.headcount == 60


def test_application_workflow_over_api(users, ent_a, liaison):
    r = client_for(liaison).post(
        "/api/v1/resumption-applications/",
        application_data() | {"enterprise": ent_a.pk},
        format="json",
    )
    assert r.status_code == 201
    assert (r.json()["state"], r.json()["submitted_by"]) == ("submitted", liaison.pk)
    pk = r.json()["id"]
    url = f"/api/v1/resumption-applications/{pk}/"
    assert (
        client_for(liaison).post(url + "approve/", {"version": 1}, format="json").status_code == 403
    )
    office = client_for(users["community"])
    r = office.post(url + "return/", {"version": 1, "note": ""}, format="json")
    assert r.status_code == 400
    assert r.json()["review_note"] == ["退回时请写明原因"]
    r = office.post(url + "approve/", {"version": 1, "conditions": "错峰就餐"}, format="json")
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["conditions"]) == ("approved", "错峰就餐")
    r = office.post(url + "approve/", {"version": 1}, format="json")
    assert r.status_code == 409
    assert Enterprise.objects.get(pk=ent_a.pk).resumption_state == "resumed"


def test_application_for_unbound_enterprise_rejected(ent_b, liaison):
    r = client_for(liaison).post(
        "/api/v1/resumption-applications/",
        application_data() | {"enterprise": ent_b.pk},
        format="json",
    )
    assert r.status_code == 400
    assert "enterprise" in r.json()
    assert ResumptionApplication.objects.count() == 0


def test_employees_masked_with_return_state(users, ent_a, liaison):
    number = make_id_number(birth=datetime.date(1990, 1, 1))
    r = client_for(liaison).post(
        "/api/v1/enterprise-employees/",
        {"enterprise": ent_a.pk, "name": "王强", "id_number": number, "phone": "13900003333"},
        format="json",
    )
    assert r.status_code == 201
    row = r.json()
    assert row["id_number"] != number and row["id_number"].endswith(number[-4:])
    assert (row["phone"], row["return_state"], row["status_colour"]) == (
        "139****3333",
        "not_returned",
        None,
    )
    r = client_for(users["grid_c"]).get("/api/v1/enterprise-employees/")
    assert r.json()["results"] == []
    r = client_for(users["community"]).get(
        "/api/v1/enterprise-employees/", {"return_state": "not_returned"}
    )
    assert names(r) == ["王强"]


def test_inspection_over_api_only_by_stationed_liaison(users, ent_a, liaison):
    body = {
        "enterprise": ent_a.pk,
        "masks_worn": True,
        "problems": ["未设测温点"],
    }
    r = client_for(users["community"]).post("/api/v1/enterprise-inspections/", body, format="json")
    assert r.status_code == 403
    r = client_for(liaison).post("/api/v1/enterprise-inspections/", body, format="json")
    assert r.status_code == 201
    assert r.json()["inspected_on"] == timezone.localdate().isoformat()
    assert "problems" not in r.json()
    inspection = Inspection.objects.get()
    problem = inspection.problems.get()
    url = f"/api/v1/enterprise-problems/{problem.pk}/rectify/"
    r = client_for(liaison).post(url, {"version": 1, "rectification": "已设置"}, format="json")
    assert (r.status_code, r.json()["state"]) == (200, "rectified")


def test_difficulty_and_report_over_api(users, ent_a, liaison):
    r = client_for(liaison).post(
        "/api/v1/enterprise-difficulties/",
        {"enterprise": ent_a.pk, "category": "transport", "description": "员工返岗无班车"},
        format="json",
    )
    assert r.status_code == 201
    url = f"/api/v1/enterprise-difficulties/{r.json()['id']}/respond/"
    body = {"version": 1, "response": "开通返岗专车", "resolved": True}
    assert client_for(liaison).post(url, body, format="json").status_code == 403
    r = client_for(users["community"]).post(url, body, format="json")
    assert (r.status_code, r.json()["state"]) == (200, "resolved")
    report = {
        "enterprise": ent_a.pk,
        "people_on_site": 20,
        "temperature_checks": 40,
        "abnormal_temperatures": 0,
        "disinfection_done": True,
    }
    r = client_for(liaison).post("/api/v1/enterprise-reports/", report, format="json")
    assert (r.status_code, r.json()["date"]) == (201, timezone.localdate().isoformat())
    r = client_for(liaison).post("/api/v1/enterprise-reports/", report, format="json")
    assert r.status_code == 400
    assert r.json()["date"] == ["该企业当日日报已填报"]


def test_liaison_assignment_needs_manage_permission(users, ent_a, liaison):
    body = {"enterprise": ent_a.pk, "liaison": liaison.pk, "start_date": "2020-02-10"}
    r = client_for(liaison).post("/api/v1/liaison-assignments/", body, format="json")
    assert r.status_code == 403
    r = client_for(users["community"]).get("/api/v1/liaison-assignments/")
    assert [row["liaison"] for row in r.json()["results"]] == [liaison.pk]


def test_office_ends_a_stationing_through_the_api(users, areas, ent_a, ent_c):
    """POST liaison-assignments/<id>/end/: the office only; the liaison loses the enterprise."""
    from fangkong.enterprises.testing import make_liaison

    today = timezone.localdate()
    liaison = make_liaison(
        users["community"], ent_a, area=areas["community"], start=today - datetime.timedelta(9)
    )
    assignment = liaison.liaison_assignments.get()
    url = f"/api/v1/liaison-assignments/{assignment.pk}/end/"
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    body = {"end_date": yesterday, "version": 1}
    assert client_for(liaison).post(url, body, format="json").status_code == 403
    assert client_for(users["grid_c"]).post(url, body, format="json").status_code in (403, 404)
    office = client_for(users["community"])
    r = office.post(url, {"end_date": "2000-01-01", "version": 1}, format="json")
    assert (r.status_code, r.json()["end_date"]) == (400, ["派驻结束日期不能早于开始日期"])
    r = office.post(url, body, format="json")
    assert (r.status_code, r.json()["end_date"], r.json()["version"]) == (200, yesterday, 2)
    assert client_for(liaison).get(f"/api/v1/enterprises/{ent_a.pk}/").status_code == 404


def test_daily_report_corrected_through_the_api(users, ent_a, ent_b, liaison):
    """PATCH enterprise-reports/<id>/: the figures change, the enterprise and day do not."""
    today = timezone.localdate()
    figures = {"people_on_site": 5, "temperature_checks": 40}
    api = client_for(liaison)
    r = api.post("/api/v1/enterprise-reports/", {"enterprise": ent_a.pk, **figures}, format="json")
    url = f"/api/v1/enterprise-reports/{r.json()['id']}/"
    r = api.patch(url, {"abnormal_temperatures": 41, "version": 1}, format="json")
    assert (r.status_code, r.json()) == (
        400,
        {"abnormal_temperatures": ["体温异常人数不能多于测温人次"]},
    )
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    body = {"people_on_site": 50, "date": yesterday, "enterprise": ent_b.pk, "version": 1}
    r = api.patch(url, body, format="json")
    assert r.status_code == 200
    row = r.json()
    assert (row["people_on_site"], row["temperature_checks"], row["version"]) == (50, 40, 2)
    assert (row["enterprise"], row["date"]) == (ent_a.pk, today.isoformat())
    other = client_for(users["community"]).post(
        "/api/v1/enterprise-reports/", {"enterprise": ent_b.pk, **figures}, format="json"
    )
    r = api.patch(
        f"/api/v1/enterprise-reports/{other.json()['id']}/",
        {"people_on_site": 1, "version": 1},
        format="json",
    )
    assert r.status_code == 404
    r = client_for(users["leader"]).patch(url, {"people_on_site": 1, "version": 2}, format="json")
    assert r.status_code == 403
