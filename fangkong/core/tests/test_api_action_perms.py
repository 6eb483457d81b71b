"""An account that may not act is refused (403/404) before its request body is read: a 400
listing the missing fields would show it what a valid request looks like. Walked over every
POST operation of the served schema, so a new action is held to it without a new test."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fangkong.core.api.views import BaseViewSet
from fangkong.core.testing.factories import make_residents

pytestmark = pytest.mark.django_db

# What a read-only account may POST: its own token, and its own notices and handovers.
OPEN_TO_EVERY_ACCOUNT = {
    "/api/v1/auth/token/",
    "/api/v1/inbox/{notice_id}/acknowledge/",
    "/api/v1/handovers/{id}/acknowledge/",
    "/api/v1/handovers/{id}/items/{item_id}/close/",
    "/api/v1/volunteer-tasks/{id}/check-in/",
    "/api/v1/volunteer-shifts/{id}/check-out/",
}


def _post_paths() -> list[str]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(p for p, ops in paths.items() if "post" in ops and p not in OPEN_TO_EVERY_ACCOUNT)


def _client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.mark.parametrize("path", _post_paths())
def test_a_read_only_account_is_refused_before_its_body_is_read(users, path):
    url = re.sub(r"\{[a-z_]+\}", "999999", path)
    response = _client(users["leader"]).post(url, {}, format="json")
    assert response.status_code in (403, 404), (path, response.status_code, response.content)
    assert set(response.json()) == {"detail"}


def _case(users, areas, grid: str):
    from django.utils import timezone

    from fangkong.tracing.services import create_case

    (resident,) = make_residents(users["command"], areas[grid], 1)
    return create_case(
        actor=users["command"], resident=resident, kind="confirmed", confirmed_at=timezone.now()
    )


def test_an_action_is_refused_to_a_role_without_its_permission_even_on_a_visible_row(users, areas):
    case = _case(users, areas, "grid_a")
    api = _client(users["leader"])  # sees every case of the city, may discharge none
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    response = api.post(f"/api/v1/cases/{case.pk}/discharge/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有执行此操作的权限"}
    case.refresh_from_db()
    assert case.discharged_at is None


def test_an_action_on_a_row_outside_the_area_is_not_found_whatever_the_body(users, areas):
    case = _case(users, areas, "grid_c")
    # The community may discharge the cases of its own community, not of another county's.
    response = _client(users["community"]).post(
        f"/api/v1/cases/{case.pk}/discharge/", {}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_a_permission_declared_for_an_action_that_does_not_exist_is_refused_at_import():
    with pytest.raises(TypeError, match="approve"):

        class Misnamed(BaseViewSet):
            action_perms = {"approve": ("registry.view_resident",)}
