"""撤销 a case recorded in error: it leaves the figures, the case list and its person's status;
its contacts are dismissed with it, and nothing more is recorded against it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.dashboard.figures import figure_values
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.tracing.models import Case, Contact
from fangkong.tracing.services import confirm_contact, trace_case

from .conftest import D, t

FIGURES = ["cases_confirmed_active", "cases_new"]


def _void(client, case, **data):
    return client.post(
        reverse("tracing:case_void", args=[case.pk]),
        {"reason": "复核结果为阴性", "version": case.version, **data},
        follow=True,
    )


def test_voiding_from_the_case_page_takes_the_case_out_of_everything(
    client, city, users, django_capture_on_commit_callbacks
):
    p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    overlap = Contact.objects.get(case=case, resident=p["B"])
    with django_capture_on_commit_callbacks(execute=True):
        confirm_contact(actor=users["command"], contact=overlap)
    recompute_status([p["A"].pk], cause="test")
    assert PersonStatus.objects.get(pk=p["A"].pk).colour == "red"
    city_area = p["A"].area.ancestors()[0]
    command = users["command"]
    assert figure_values(command, city_area, D, FIGURES) == {
        "cases_confirmed_active": 1,
        "cases_new": 1,
    }
    pending = Contact.objects.filter(case=case).exclude(state="dismissed").count()
    assert pending > 1

    client.force_login(command)
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert reverse("tracing:case_void", args=[case.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        r = _void(client, case)
    assert f"其 {pending} 名接触者已一并排除" in r.content.decode()

    case.refresh_from_db()
    assert (case.status, case.void_reason) == ("voided", "复核结果为阴性")
    assert case.voided_at is not None
    assert set(Contact.objects.filter(case=case).values_list("state", flat=True)) == {"dismissed"}
    assert PersonStatus.objects.get(pk=p["A"].pk).colour == "green"
    assert figure_values(command, city_area, D, FIGURES) == {
        "cases_confirmed_active": 0,
        "cases_new": 0,
    }
    listed = client.get(reverse("tracing:case_list")).context["table"]
    assert case.pk not in [o.pk for o, _c in listed]
    voided = client.get(reverse("tracing:case_list"), {"status": "voided"}).context["table"]
    assert [o.pk for o, _c in voided] == [case.pk]
    entry = AuditEntry.objects.filter(object_type="tracing.case", action="update").latest("pk")
    assert entry.reason == "复核结果为阴性"

    # Nothing more is recorded against it, on the page or through the services.
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "复核结果为阴性" in page
    for name in ("case_void", "case_trace"):
        assert reverse(f"tracing:{name}", args=[case.pk]) not in page
    with pytest.raises(ValidationError, match="该病例已撤销"):
        trace_case(actor=command, case=case, now=t(0, 12))
    with pytest.raises(ValidationError, match="该病例已撤销"):
        confirm_contact(actor=command, contact=overlap)
    assert "该病例已撤销" in _void(client, Case.objects.get(pk=case.pk)).content.decode()


def test_voiding_needs_a_reason_and_the_right_to_change_cases(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    assert "撤销病例须填写原因" in _void(client, case, reason="  ").content.decode()
    client.force_login(users["leader"])
    assert _void(client, case).status_code == 403
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert reverse("tracing:case_void", args=[case.pk]) not in page
    assert Case.objects.get(pk=case.pk).status == "active"


def test_voiding_through_the_api(city, users, django_capture_on_commit_callbacks):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    _p, _v, _w, case = city
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    url = f"/api/v1/cases/{case.pk}/void/"
    body = {"reason": "误录为他人"}
    assert api.post(url, body | {"version": case.version + 1}, format="json").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(url, body | {"version": case.version}, format="json")
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["void_reason"]) == ("voided", "误录为他人")
    assert api.get("/api/v1/cases/").json()["count"] == 0
    assert api.get("/api/v1/cases/", {"status": "voided"}).json()["count"] == 1
    again = api.post(url, body | {"version": case.version + 1}, format="json")
    assert again.status_code == 400
