"""Every list endpoint's numeric and date filters at the edges a typo or a probe reaches: a
400 naming the parameter, never a server error (SQLite's integers are 64-bit; a date
filter's day before ``date.min`` overflows). The lists' own filter forms share the bounds."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EDGES = {
    # 1.5: an id or count filter matched nothing (or rounded) instead of saying so
    "integer": ["99999999999999999999999", "1.5"],
    "number": ["99999999999999999999999"],
    "date": ["0001-01-01", "9999-12-31"],
    "date-time": ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+00:00"],
}


def _edge_cases():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        params = operations["get"].get("parameters", [])
        required = {p["name"] for p in params if p.get("required")}
        for param in params:
            if param["in"] != "query" or param["name"] in ("page", "page_size"):
                continue
            kind = param["schema"].get("format") or param["schema"].get("type")
            for value in EDGES.get(kind, ()):
                yield path, param["name"], value, required


def test_extreme_filter_values_are_a_400_naming_the_parameter(users):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    cases = list(_edge_cases())
    assert len(cases) > 60
    failed = []
    for path, name, value, required in cases:
        response = api.get(path, {name: value})
        # Refused for this value, or (a report's endpoint) for the parameters it requires.
        named = set(response.json()) if response.status_code == 400 else set()
        if not (name in named or (named and named <= required - {name})):
            failed.append((path, name, value, response.status_code))
    assert failed == []


@pytest.mark.parametrize(
    ("path", "param"),
    [("/venues/scans/", "since"), ("/supplies/stock/", "date"), ("/prices/alerts/", "date")],
)
def test_a_list_page_refuses_an_out_of_range_date_in_its_form(client, users, path, param):
    client.force_login(users["command"])
    for value in ("0001-01-01", "9999-12-31"):
        response = client.get(path, {param: value})
        assert response.status_code == 200
        assert "日期应在 1900 至 2100 年之间" in response.content.decode()


def test_an_id_filter_takes_whole_numbers_only_and_says_so_in_the_schema(users):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    response = api.get("/api/v1/residents/", {"household": "1.5"})
    assert response.status_code == 400
    assert list(response.json()) == ["household"]
    assert api.get("/api/v1/residents/", {"household": "1"}).status_code == 200
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ids = [
        (path, p["name"])
        for path, operations in schema["paths"].items()
        for p in operations.get("get", {}).get("parameters", [])
        if p["in"] == "query" and p["schema"].get("type") == "number"
    ]
    assert ids == []  # every id filter is an integer parameter (none was a fraction)


def test_a_detail_id_too_large_for_any_database_is_a_404(users):
    """Every detail endpoint; a resident's status (keyed by the resident) was a 500."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = [p for p, ops in schema["paths"].items() if "get" in ops and p.endswith("/{id}/")]
    assert "/api/v1/statuses/{id}/" in paths
    for huge in (2**80, -(2**80)):
        codes = {p: api.get(p.replace("{id}", str(huge))).status_code for p in paths}
        assert {p: c for p, c in codes.items() if c != 404} == {}
    for odd in ("--5", "%C2%B2", "1%C2%B2"):  # not a number at all: the lookup's own 404
        assert api.get(f"/api/v1/statuses/{odd}/").status_code == 404


def test_the_schema_says_which_blank_query_values_mean_not_given(users):
    """A blank yes-or-no filter, page or ordering is no filter, the first page, the list's own
    order — and the schema says so, for clients and for Schemathesis; a blank typed filter is
    a 400 and the schema does not allow it."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/campaigns/"]["get"]["parameters"]}
    assert all(params[n].get("allowEmptyValue") for n in ("closed", "page", "ordering"))
    assert not params["area"].get("allowEmptyValue")
    everything = api.get("/api/v1/campaigns/").json()
    for blank in ("closed", "page", "ordering"):
        assert api.get("/api/v1/campaigns/", {blank: ""}).json() == everything
    assert api.get("/api/v1/campaigns/", {"closed": "maybe"}).status_code == 400
    assert api.get("/api/v1/campaigns/", {"area": ""}).status_code == 400
    stock = schema["paths"]["/api/v1/stock-movements/stock/"]["get"]["parameters"]
    assert [p.get("allowEmptyValue") for p in stock if p["name"] == "low"] == [True]


def test_a_filter_given_twice_is_a_400_naming_it(users, areas):
    """django-filter took the last of ``?area=1&area=2``: a client meaning "either" got one."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['command']).key}")
    for params in ("area=1&area=2", "closed=true&closed=false", "q=a&q=b"):
        response = api.get(f"/api/v1/campaigns/?{params}")
        name = params.split("=")[0]
        assert (response.status_code, response.json()) == (400, {name: ["只能给一个值"]})
    assert api.get(f"/api/v1/campaigns/?area={areas['city'].pk}").status_code == 200
