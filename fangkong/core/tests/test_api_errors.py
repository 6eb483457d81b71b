"""The API answers every refusal in Chinese JSON, including the ones the frameworks word:
a row outside the caller's scope, a body that is not JSON, a session call without its CSRF
header, a call without credentials."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fangkong.core.testing.factories import make_residents

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_a_row_outside_the_scope_is_not_found_in_chinese(users, areas):
    (other,) = make_residents(users["command"], areas["grid_b"], 1)
    response = _token_client(users["grid_a"]).get(f"/api/v1/residents/{other.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}  # not "No Resident matches …"


def test_a_body_that_is_not_json_is_refused_in_chinese(users):
    response = _token_client(users["command"]).generic(
        "POST", "/api/v1/scans/batch/", '{"records": [', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求正文无法解析")


def test_a_session_call_without_csrf_is_refused_in_chinese(users):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(users["command"])
    response = api.post("/api/v1/scans/batch/", {"records": []}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF 校验失败")


def test_a_call_without_credentials_reads_in_chinese(client):
    response = client.get("/api/v1/residents/")
    assert response.status_code == 401
    assert "未登录或登录已过期" in response.content.decode()  # not \u672a…
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_body_over_the_upload_limit_is_refused_in_chinese(users, settings, client):
    # Django refuses it before any view; its page was English HTML, even to an API client.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
    body = '{"records": [' + ",".join(['{"venue": "' + "x" * 1000 + '"}'] * 2200) + "]}"
    response = _token_client(users["command"]).generic(
        "POST", "/api/v1/scans/batch/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "提交的内容过大（上限 2 MB），请分批提交"}
    # A page answers with a page saying the same.
    client.force_login(users["command"])
    page = client.post("/registry/residents/add/", {"notes": "x" * (3 * 2**20)})
    assert page.status_code == 400
    assert "提交的内容过大（上限 2 MB），请分批提交" in page.content.decode()


def test_an_id_no_database_holds_is_a_field_error_not_a_crash(users, areas):
    from django.utils import timezone

    from fangkong.tracing.services import create_case

    (resident,) = make_residents(users["command"], areas["grid_a"], 1)
    case = create_case(
        actor=users["command"], resident=resident, kind="confirmed", confirmed_at=timezone.now()
    )
    response = _token_client(users["command"]).post(
        f"/api/v1/cases/{case.pk}/quarantine/",
        {"contacts": [2**70], "kind": "central_quarantine"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"contacts": {"0": ["不存在该编号"]}}


def test_allow_lists_only_the_methods_an_endpoint_answers(users):
    """The cases' ``trace`` action made TRACE appear in Allow (then refused with 405)."""
    api = _token_client(users["command"])
    assert api.options("/api/v1/cases/")["Allow"] == "GET, POST, HEAD, OPTIONS"
    response = api.generic("TRACE", "/api/v1/cases/")
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_number_is_a_400_naming_it(users, page):
    response = _token_client(users["command"]).get("/api/v1/residents/", {"page": page})
    assert response.status_code == 400
    assert response.json() == {"page": ["页码须为从 1 开始的整数"]}


def test_a_page_past_the_end_is_still_not_found(users, areas):
    make_residents(users["command"], areas["grid_a"], 3)
    api = _token_client(users["command"])
    assert api.get("/api/v1/residents/", {"page": 2, "page_size": 2}).json()["count"] == 3
    assert api.get("/api/v1/residents/", {"page": 3, "page_size": 2}).status_code == 404
    assert api.get("/api/v1/residents/", {"page": "last", "page_size": 2}).status_code == 200


def test_a_form_encoded_body_is_refused_not_read_with_form_rules(users, areas):
    """Form rules read a boolean left out as false: a tip verified without ``founded`` was
    closed as unfounded, a warehouse PUT without ``active`` deactivated it. JSON only."""
    from drf_spectacular.generators import SchemaGenerator

    api = _token_client(users["command"])
    response = api.post(
        "/api/v1/residents/", {"area": areas["grid_a"].pk, "name": "张三"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["detail"].startswith("不支持请求中的媒体类型")
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    bodies = {
        media
        for path, ops in paths.items()
        if path != "/api/v1/auth/token/"
        for op in ops.values()
        if isinstance(op, dict)
        for media in op.get("requestBody", {}).get("content", {})
    }
    assert bodies == {"application/json"}


def test_a_device_still_signs_in_with_a_form(client, users):
    users["grid_a"].set_password("Xy7-kq2p-Zt9w")
    users["grid_a"].save()
    response = client.post(
        "/api/v1/auth/token/", {"username": "grid_a", "password": "Xy7-kq2p-Zt9w"}
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


@pytest.mark.parametrize("value", [110101199003071234, 1.1e17, True])
def test_a_number_where_the_schema_says_text_is_refused_not_turned_into_text(users, areas, value):
    """DRF's text field kept ``str()`` of a number: an ID number sent as a JSON number was
    stored as "1.1e+17" (found by the long fuzz run: a supply item's 规格 as a number)."""
    from fangkong.registry.models import Resident

    response = _token_client(users["community"]).post(
        "/api/v1/residents/",
        {"name": "张三", "id_number": value, "area": areas["grid_a"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["应为文本（字符串）"]}
    assert not Resident.objects.exists()
    item = _token_client(users["command"]).post(
        "/api/v1/supply-items/",
        {"code": "KZ-01", "name": "口罩", "category": "disinfection", "unit": "kg", "spec": 500},
        format="json",
    )
    assert (item.status_code, item.json()) == (400, {"spec": ["应为文本（字符串）"]})
