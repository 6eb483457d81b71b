"""治愈出院 through the case page: the case leaves care, and the resident's status, the case
list and the dashboard's 在治确诊病例 follow; read-only users cannot record it."""

import datetime

from django.urls import reverse
from django.utils import timezone

from fangkong.dashboard.figures import figure_values
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.tracing.models import Case

from .conftest import D


def _post(client, case, **data):
    return client.post(
        reverse("tracing:case_discharge", args=[case.pk]),
        {"status": "recovered", "discharged_at": "2022-03-24T09:30", **data},
        follow=True,
    )


def test_discharge_from_the_case_page_updates_status_and_figures(
    client, city, users, django_capture_on_commit_callbacks
):
    p, _v, _w, case = city
    a = p["A"]
    client.force_login(users["command"])
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert reverse("tracing:case_discharge", args=[case.pk]) in page
    recompute_status([a.pk], cause="test")
    assert PersonStatus.objects.get(pk=a.pk).colour == "red"
    with django_capture_on_commit_callbacks(execute=True):
        r = _post(client, case)
    assert "已登记病例治愈/出院" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "recovered"
    assert timezone.localtime(case.discharged_at).date() == datetime.date(2022, 3, 24)
    assert PersonStatus.objects.get(pk=a.pk).colour != "red"
    city_area = a.area.ancestors()[0]
    figures = ["cases_confirmed_active"]
    assert figure_values(users["command"], city_area, D, figures)["cases_confirmed_active"] == 1
    after = D + datetime.timedelta(days=20)
    assert figure_values(users["command"], city_area, after, figures) == {
        "cases_confirmed_active": 0
    }
    # Once out of care, the page no longer offers it and a second post is refused.
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert reverse("tracing:case_discharge", args=[case.pk]) not in page
    assert "该病例已不在治疗/隔离中" in _post(client, case).content.decode()


def test_discharge_is_checked_and_refused_to_read_only_users(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    r = _post(client, case, discharged_at="2022-03-01T09:30")
    assert "治愈/出院时间不能早于确诊时间" in r.content.decode()
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = _post(client, case, discharged_at=future)
    assert "治愈/出院时间不能晚于当前时间" in r.content.decode()
    client.force_login(users["leader"])
    assert _post(client, case).status_code == 403
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert reverse("tracing:case_discharge", args=[case.pk]) not in page
    assert Case.objects.get(pk=case.pk).status == "active"


def test_discharge_through_the_api(city, users, django_capture_on_commit_callbacks):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    p, _v, _w, case = city
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    url = f"/api/v1/cases/{case.pk}/discharge/"
    body = {"status": "discharged", "discharged_at": "2022-03-24T09:30:00+08:00"}
    stale = api.post(url, body | {"version": case.version + 1}, format="json")
    assert stale.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(url, body | {"version": case.version}, format="json")
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["version"]) == ("discharged", case.version + 1)
    assert PersonStatus.objects.get(pk=p["A"].pk).colour != "red"
    again = api.post(url, body | {"version": case.version + 1}, format="json")
    assert again.status_code == 400
    leader = APIClient()
    leader.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['leader']).key}")
    assert leader.post(url, body | {"version": 2}, format="json").status_code == 403
