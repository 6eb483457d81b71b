"""Schemathesis over every endpoint of the project's OpenAPI schema, signed in with a token:
no 5xx, responses conform to the schema. ``FANGKONG_FUZZ_EXAMPLES`` examples per operation
(a few in ``make test``, many in ``make bench``)."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

EXAMPLES = int(os.environ.get("FANGKONG_FUZZ_EXAMPLES", "3"))
# The coverage phase (boundary and negative values for every parameter) is the thorough,
# slow part: on in the long run (make bench), off in make test.
COVERAGE = os.environ.get("FANGKONG_FUZZ_COVERAGE", "0") == "1"


def project_schema() -> dict:
    """The document /api/v1/schema/ serves (test_schema_is_the_served_one checks it)."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(
    project_schema(),
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}}),
)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go straight to the WSGI handler, whose request_started/finished signals would
    close the test's database connection (PostgreSQL); Django's test client unhooks them too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(users):
    return Token.objects.create(user=users["command"]).key


def test_schema_is_the_served_one(client, users):
    client.force_login(users["command"])
    served = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    assert set(served.json()["paths"]) == set(project_schema()["paths"])


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        # A schema-valid id of a row that does not exist is rightly refused (400/404).
        excluded_checks=[positive_data_acceptance],
    )


def test_names_of_optional_relations_are_nullable_in_the_schema():
    """A household without a building answers ``building_name: null`` (and an account
    without an area ``area_name: null``); the schema said string, so a client generated
    from it rejected the answer (found by the fuzz run on POST /api/v1/households/)."""
    schemas = project_schema()["components"]["schemas"]
    assert schemas["Household"]["properties"]["building_name"].get("nullable") is True
    assert schemas["User"]["properties"]["area_name"].get("nullable") is True
