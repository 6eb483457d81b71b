"""``?ordering=`` on every list: the fields the database orders fast, never a personal one;
an unknown field is a 400 naming the allowed ones; the id breaks ties so pages neither
overlap nor skip a row; the schema documents it for every list and for nothing else."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fangkong.core.testing.factories import make_residents

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_a_list_is_ordered_as_asked_and_paged_without_overlap(users, areas):
    made = make_residents(users["command"], areas["grid_a"], 5)
    api = _client(users["command"])
    ids = [r.pk for r in made]
    first = api.get("/api/v1/residents/", {"ordering": "-id", "page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == sorted(ids, reverse=True)[:2]
    pages = [
        [
            r["id"]
            for r in api.get(
                "/api/v1/residents/", {"ordering": "area", "page": n, "page_size": 2}
            ).json()["results"]
        ]
        for n in (1, 2, 3)
    ]
    assert sorted(i for page in pages for i in page) == sorted(
        ids
    )  # one area: the id decides, every row once


def test_an_unknown_or_personal_field_is_refused_with_the_allowed_ones(users):
    api = _client(users["command"])
    for field in ("id_number", "-phone", "nonsense", "id,,name"):
        response = api.get("/api/v1/residents/", {"ordering": field})
        assert response.status_code == 400, field
        (message,) = response.json()["ordering"]
        assert message.endswith("可用字段：id, area, household, name")


def test_without_the_parameter_a_list_keeps_its_own_order(users, areas):
    make_residents(users["command"], areas["grid_a"], 3, prefix="乙")
    make_residents(users["command"], areas["grid_a"], 3, prefix="甲")
    names = [
        r["name"] for r in _client(users["command"]).get("/api/v1/residents/").json()["results"]
    ]
    assert names == sorted(names)  # the registry's order: area, name


def test_the_schema_documents_ordering_on_every_list_and_nothing_else():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path): [p["name"] for p in op.get("parameters", [])]
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }
    lists = {key for key in documented if key[0] == "get" and "page" in documented[key]}
    assert len(lists) > 50
    assert {key for key, names in documented.items() if "ordering" in names} == lists
    residents = next(
        p
        for p in schema["paths"]["/api/v1/residents/"]["get"]["parameters"]
        if p["name"] == "ordering"
    )
    assert residents["description"].endswith("可用字段：id, area, household, name")


def test_a_row_is_found_by_its_id_whatever_the_lists_parameters_say(users, areas):
    """A list's filters and order choose its rows; a row's own address answers with the row
    (a link copied with the list's query string was a 404 or a 400)."""
    (resident,) = make_residents(users["command"], areas["grid_a"], 1)
    api = _client(users["command"])
    url = f"/api/v1/residents/{resident.pk}/"
    for params in ({"area": areas["grid_b"].pk}, {"ordering": "nonsense"}, {"q": "无此人"}):
        response = api.get(url, params)
        assert response.status_code == 200, params
        assert response.json()["id"] == resident.pk


def test_a_list_opened_in_the_browser_renders_without_ordering(client, users):
    """The browsable API draws its ordering menu for every list, asking for the current
    order: without ``?ordering=`` that is the list's own, not a server error."""
    client.force_login(users["command"])
    for path in ("/api/v1/warehouses/", "/api/v1/stock-movements/", "/api/v1/residents/"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html")
    response = client.get("/api/v1/warehouses/?ordering=nope", headers={"Accept": "text/html"})
    assert response.status_code == 400
