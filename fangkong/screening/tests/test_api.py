"""/api/v1/campaigns/, visits/ and findings/: scoped, notes and names masked, via services."""

import datetime

import pytest
from rest_framework.test import APIClient

from fangkong.screening.models import Finding, Visit
from fangkong.screening.services import create_campaign
from fangkong.status.testing import make_household, make_resident, today


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def campaign(users, areas):
    c = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="湖北返乡人员摸排",
        starts_on=today(),
        due_on=today() + datetime.timedelta(days=3),
    )
    return {
        "campaign": c,
        "a1": make_household(areas["grid_a"], "A-101"),
        "b1": make_household(areas["grid_b"], "B-201"),
    }


def test_campaigns_scoped_and_created_by_street_only(users, areas, campaign):
    assert api(users["grid_a"]).get("/api/v1/campaigns/").json()["count"] == 1
    assert api(users["grid_c"]).get("/api/v1/campaigns/").json()["count"] == 0
    body = {
        "area": areas["community"].pk,
        "title": "二次摸排",
        "starts_on": today().isoformat(),
        "due_on": today().isoformat(),
    }
    assert api(users["grid_a"]).post("/api/v1/campaigns/", body).status_code == 403
    r = api(users["street"]).post("/api/v1/campaigns/", body)
    assert r.status_code == 201
    assert (r.json()["title"], r.json()["area_name"], r.json()["created_by"]) == (
        "二次摸排",
        "海棠花语社区",
        users["street"].pk,
    )


def test_visit_created_through_service_with_masked_notes(users, campaign):
    client = api(users["grid_a"])
    body = {
        "campaign": campaign["campaign"].pk,
        "household": campaign["a1"].pk,
        "outcome": "visited",
        "people_found": 2,
        "new_people": 1,
        "notes": "户主称在外地打工",
    }
    r = client.post("/api/v1/visits/", body)
    assert r.status_code == 201
    assert (r.json()["notes"], r.json()["visited_by"]) == ("****", users["grid_a"].pk)
    assert Visit.objects.get().notes == "户主称在外地打工"
    r = client.post("/api/v1/visits/", body | {"household": campaign["b1"].pk})
    assert r.status_code == 400
    # The visit form's bound holds for the API too: a typo would stand in every figure.
    r = client.post("/api/v1/visits/", body | {"people_found": 330})
    assert (r.status_code, r.json()) == (400, {"people_found": ["一户在户人数最多 99 人，请核对"]})
    assert Visit.objects.count() == 1
    assert api(users["grid_b"]).get("/api/v1/visits/").json()["count"] == 0


def test_finding_created_and_name_masked(users, areas, campaign):
    person = make_resident(areas["grid_a"], name="欧阳明月", household=campaign["a1"])
    r = api(users["grid_a"]).post(
        "/api/v1/findings/",
        {"campaign": campaign["campaign"].pk, "resident": person.pk, "kind": "returnee"},
    )
    assert r.status_code == 201
    assert r.json()["resident_name"] == "欧**月"
    assert Finding.objects.get().found_by == users["grid_a"]
    assert api(users["grid_b"]).get(f"/api/v1/findings/{r.json()['id']}/").status_code == 404


def test_close_needs_change_permission(users, campaign):
    url = f"/api/v1/campaigns/{campaign['campaign'].pk}/close/"
    assert api(users["grid_a"]).post(url).status_code == 403
    r = api(users["street"]).post(url)
    assert (r.status_code, r.json()["closed"]) == (200, True)


def test_visit_list_query_count(users, campaign, django_assert_num_queries):
    from fangkong.screening.services import record_visit

    for _i in range(10):
        record_visit(
            actor=users["grid_a"],
            campaign=campaign["campaign"],
            household=campaign["a1"],
            outcome="nobody_home",
        )
    client = api(users["community"])
    client.get("/api/v1/visits/")
    # session, user, user's area, count, rows (a role's permissions need no query)
    with django_assert_num_queries(5):
        r = client.get("/api/v1/visits/")
    assert r.json()["count"] == 10
