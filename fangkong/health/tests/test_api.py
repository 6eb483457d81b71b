"""/api/v1/ assignments (+release), check-ins, alerts (+acknowledge), nucleic-acid tests and
certificates (+revoke): scoped, masked, written through the services."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.health.models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from fangkong.health.services import create_assignment
from fangkong.status.testing import make_resident, today

DAY = datetime.timedelta(days=1)
PLACE = "仁和区海棠花语小区3栋502"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def people(areas):
    return {
        "a1": make_resident(areas["grid_a"], name="欧阳明月"),
        "b1": make_resident(areas["grid_b"], name="王五"),
    }


@pytest.fixture
def a1_assignment(users, people):
    return create_assignment(
        actor=users["grid_a"],
        resident=people["a1"],
        kind="home_quarantine",
        start_date=today() - DAY,
        end_date=today() + 13 * DAY,
        place=PLACE,
    )


def test_assignment_create_list_and_masking(users, people):
    r = api(users["grid_a"]).post(
        "/api/v1/assignments/",
        {
            "resident": people["a1"].pk,
            "kind": "health_monitoring",
            "start_date": today().isoformat(),
            "end_date": (today() + 7 * DAY).isoformat(),
            "place": PLACE,
        },
    )
    assert r.status_code == 201
    assert (r.json()["place"], r.json()["resident_name"]) == ("仁和区海****", "欧**月")
    assert Assignment.objects.get().place == PLACE
    assert api(users["grid_b"]).get("/api/v1/assignments/").json()["count"] == 0
    r = api(users["grid_a"]).post(
        "/api/v1/assignments/",
        {
            "resident": people["b1"].pk,
            "kind": "health_monitoring",
            "start_date": today().isoformat(),
            "end_date": (today() + 7 * DAY).isoformat(),
        },
    )
    assert r.status_code == 400
    assert Assignment.objects.count() == 1


def test_release_action(users, a1_assignment):
    url = f"/api/v1/assignments/{a1_assignment.pk}/release/"
    # Grid workers may not release: refused before the row is looked up, theirs or not.
    assert api(users["grid_b"]).post(url, {"note": "x"}).status_code == 403
    assert api(users["grid_a"]).post(url, {"note": "x"}).status_code == 403
    r = api(users["community"]).post(url, {"note": "提前解除：复核排除"})
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["release_note"]) == ("released", "提前解除：复核排除")


def test_checkin_is_idempotent_and_raises_alert(users, a1_assignment):
    body = {
        "assignment": a1_assignment.pk,
        "date": today().isoformat(),
        "slot": "am",
        "temperature": "37.8",
        "symptoms": ["cough"],
    }
    client = api(users["grid_a"])
    assert client.post("/api/v1/check-ins/", body, format="json").status_code == 201
    again = client.post("/api/v1/check-ins/", body, format="json")
    assert again.status_code == 200
    assert again.json()["symptoms"] == ["cough"]
    assert CheckIn.objects.count() == 1
    alerts = client.get("/api/v1/alerts/").json()["results"]
    assert [(a["kind"], a["resident_name"]) for a in alerts] == [("fever", "欧**月")]
    assert api(users["grid_b"]).get("/api/v1/alerts/").json()["count"] == 0
    pk = alerts[0]["id"]
    assert api(users["grid_b"]).post(f"/api/v1/alerts/{pk}/acknowledge/").status_code == 404
    r = client.post(f"/api/v1/alerts/{pk}/acknowledge/")
    assert r.status_code == 200
    assert r.json()["acknowledged_by"] == users["grid_a"].pk
    assert Alert.objects.get().acknowledged_at is not None


def test_nat_create_resend_and_scope(users, people):
    sampled = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
    body = {
        "resident": people["a1"].pk,
        "sampled_at": sampled,
        "result": "negative",
        "institution": "市人民医院",
    }
    client = api(users["grid_a"])
    assert client.post("/api/v1/nucleic-acid-tests/", body).status_code == 201
    assert client.post("/api/v1/nucleic-acid-tests/", body).status_code == 200
    assert NucleicAcidTest.objects.count() == 1
    r = client.post("/api/v1/nucleic-acid-tests/", body | {"resident": people["b1"].pk})
    assert r.status_code == 400
    assert NucleicAcidTest.objects.count() == 1
    listed = client.get("/api/v1/nucleic-acid-tests/").json()["results"]
    assert [t["resident_name"] for t in listed] == ["欧**月"]


def test_certificate_issue_and_revoke(users, people, completed_monitoring):
    a = completed_monitoring(people["a1"])
    assert (
        api(users["grid_a"]).post("/api/v1/certificates/", {"assignment": a.pk}).status_code == 403
    )
    r = api(users["community"]).post("/api/v1/certificates/", {"assignment": a.pk})
    assert r.status_code == 201
    cert = HealthCertificate.objects.get()
    assert (r.json()["code"], r.json()["resident_name"]) == (cert.code, "欧**月")
    url = f"/api/v1/certificates/{cert.pk}/revoke/"
    assert api(users["community"]).post(url, {}).status_code == 400
    r = api(users["community"]).post(url, {"reason": "信息有误"})
    assert (r.status_code, r.json()["revoked"]) == (200, True)
    assert api(users["grid_b"]).get(f"/api/v1/certificates/{cert.pk}/").status_code == 404


def test_assignment_list_query_count(users, areas, django_assert_num_queries):
    for i in range(12):
        r = make_resident(areas["grid_a"], name=f"测试{i}")
        Assignment.objects.create(
            resident=r, kind="health_monitoring", start_date=today(), end_date=today() + DAY
        )
    client = api(users["command"])
    client.get("/api/v1/assignments/")
    # session, user, user's area, count, rows (a role's permissions need no query)
    with django_assert_num_queries(5):
        r = client.get("/api/v1/assignments/")
    assert r.json()["count"] == 12


def test_the_schema_documents_the_200_of_a_re_sent_record():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("/api/v1/check-ins/", "/api/v1/nucleic-acid-tests/"):
        responses = paths[path]["post"]["responses"]
        assert {"200", "201"} <= set(responses), path
        assert responses["200"]["content"] == responses["201"]["content"]


def test_a_nat_sampled_before_its_retention_period_is_refused(users, people):
    """Year 0212 for 2022 was stored (and shown with a +08:05:43 offset no client parses)."""
    client = api(users["grid_a"])
    body = {
        "resident": people["a1"].pk,
        "sampled_at": "0212-09-18T15:44:02+08:00",
        "institution": "市疾控中心",
        "result": "negative",
    }
    response = client.post("/api/v1/nucleic-acid-tests/", body, format="json")
    assert response.status_code == 400
    (message,) = response.json()["sampled_at"]
    assert message.startswith("采样时间早于 ") and message.endswith(
        "超出核酸检测记录的保存期限，请核对"
    )
    assert NucleicAcidTest.objects.count() == 0
