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


def _quarantined(city, users, django_capture_on_commit_callbacks):
    """The case traced, its overlapping visitor B confirmed and sent to home quarantine."""
    from fangkong.tracing.services import quarantine_contacts

    p, _v, _w, case = city
    command = users["command"]
    trace_case(actor=command, case=case, now=t(0, 12))
    contacts = [Contact.objects.get(case=case, resident=p["B"])]
    for c in contacts:
        confirm_contact(actor=command, contact=c)
    with django_capture_on_commit_callbacks(execute=True):
        return quarantine_contacts(
            actor=command,
            case=case,
            contacts=[Contact.objects.get(pk=c.pk) for c in contacts],
            kind="home_quarantine",
        )


def _todo(client):
    home = client.get(reverse("home")).context
    return {t.key: t.count for t in home["todos"]}.get("source_voided", 0)


def test_a_voided_cases_quarantines_wait_on_the_health_teams_list(
    client, city, users, django_capture_on_commit_callbacks
):
    """The quarantines stay (ending one is decided with the person), and those who may end
    them find each one: a to-do, a filter of the list, a warning on its page."""
    from fangkong.health.models import Assignment
    from fangkong.health.services import release_assignment

    p, _v, _w, case = city
    (held,) = _quarantined(city, users, django_capture_on_commit_callbacks)
    assert held.contact.case == case
    community = users["community"]
    client.force_login(community)
    page = client.get(reverse("health:assignment_detail", args=[held.pk])).content.decode()
    assert "data-source-case" in page and "C-12" in page
    assert "data-source-voided" not in page
    assert _todo(client) == 0

    client.force_login(users["command"])
    with django_capture_on_commit_callbacks(execute=True):
        r = _void(client, case, reason="复核为他人标本")
    assert "由此安排的 1 项隔离仍在执行" in r.content.decode()
    held.refresh_from_db()
    assert held.state == "active"  # not ended for the health team

    client.force_login(community)
    assert _todo(client) == 1
    listed = client.get(reverse("health:assignment_list"), {"source_voided": "true"})
    assert [o.pk for o, _c in listed.context["table"]] == [held.pk]
    rest = client.get(reverse("health:assignment_list"), {"source_voided": "false"})
    assert held.pk not in [o.pk for o, _c in rest.context["table"]]
    page = client.get(reverse("health:assignment_detail", args=[held.pk])).content.decode()
    assert "data-source-voided" in page
    assert "复核为他人标本" in page  # the community may read the case
    assert "仍是另外" not in page

    # Out of scope: another community's grid worker neither counts nor lists it.
    client.force_login(users["grid_c"])
    listed = client.get(reverse("health:assignment_list"), {"source_voided": "true"})
    assert list(listed.context["table"]) == []

    # Released early (a note is required): off the to-do list, the page keeps the source.
    release_assignment(
        actor=community,
        assignment=Assignment.objects.get(pk=held.pk),
        note="与本人核实，病例已撤销",
    )
    client.force_login(community)
    assert _todo(client) == 0
    page = client.get(reverse("health:assignment_detail", args=[held.pk])).content.decode()
    assert "data-source-voided" not in page
    assert "病例已撤销" in page and p["B"].pk == held.resident_id


def test_a_quarantine_kept_by_another_case_says_so(
    city, users, client, django_capture_on_commit_callbacks
):
    """The person is also a live contact of a second case: the warning says the quarantine
    normally goes on."""
    import datetime

    from fangkong.tracing.services import create_case, create_contact

    p, _v, _w, case = city
    (held,) = _quarantined(city, users, django_capture_on_commit_callbacks)
    command = users["command"]
    second = create_case(
        actor=command,
        resident=p["G"],
        kind="confirmed",
        confirmed_at=t(0, 9),
        onset_date=D,
        code="C-13",
    )
    create_contact(
        actor=command,
        resident=p["B"],
        case=second,
        degree="close",
        last_exposure=D - datetime.timedelta(days=1),
        reason="同车",
        confirmed=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _void(client_for(client, command), case)
    client.force_login(users["community"])
    page = client.get(reverse("health:assignment_detail", args=[held.pk])).content.decode()
    assert "data-source-voided" in page
    assert "该居民仍是另外 1 例病例的接触者" in page


def client_for(client, user):
    client.force_login(user)
    return client


def test_the_grid_worker_sees_the_source_without_the_cases_reason(
    city, users, client, django_capture_on_commit_callbacks
):
    """Out of the case's scope (the case is in grid A, the quarantine in grid B): the code,
    no link, no reason."""
    _p, _v, _w, case = city
    (held,) = _quarantined(city, users, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _void(client_for(client, users["command"]), case, reason="复核为他人标本")
    client.force_login(users["grid_b"])
    page = client.get(reverse("health:assignment_detail", args=[held.pk])).content.decode()
    assert "data-source-voided" in page and "C-12" in page
    assert reverse("tracing:case_detail", args=[case.pk]) not in page
    assert "复核为他人标本" not in page
    assert _todo(client) == 0  # a grid worker does not release quarantines
