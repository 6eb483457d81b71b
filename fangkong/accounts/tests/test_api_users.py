"""/api/v1/users/, /api/v1/users/me/ and token sign-in at /api/v1/auth/token/."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fangkong.accounts.roles import permissions_for
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number, make_user
from fangkong.registry import services

USERS = "/api/v1/users/"
TOKEN = "/api/v1/auth/token/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def usernames(response) -> list[str]:
    return [row["username"] for row in response.json()["results"]]


def test_command_lists_every_account_of_the_city(users):
    response = client_for(users["command"]).get(USERS)
    assert response.status_code == 200
    assert usernames(response) == sorted(users)


def test_street_lists_only_accounts_in_its_subtree(users):
    response = client_for(users["street"]).get(USERS)
    assert usernames(response) == ["community", "grid_a", "grid_b", "street", "volunteer"]
    assert client_for(users["street"]).get(f"{USERS}{users['grid_c'].pk}/").status_code == 404


def test_user_detail_shows_no_secrets(users, areas):
    response = client_for(users["command"]).get(f"{USERS}{users['grid_a'].pk}/")
    assert response.json() == {
        "id": users["grid_a"].pk,
        "username": "grid_a",
        "full_name": "",
        "role": "grid_worker",
        "area": areas["grid_a"].pk,
        "area_name": "第一网格",
        "is_active": True,
    }


def test_roles_without_account_permission_cannot_list(users):
    assert client_for(users["grid_a"]).get(USERS).status_code == 403
    assert client_for(users["leader"]).get(USERS).status_code == 403


def test_users_are_read_only(users):
    response = client_for(users["command"]).patch(
        f"{USERS}{users['grid_a'].pk}/", {"role": "command"}, format="json"
    )
    assert response.status_code == 405
    users["grid_a"].refresh_from_db()
    assert users["grid_a"].role == "grid_worker"


@pytest.mark.parametrize("who", ["grid_a", "volunteer"])
def test_me_describes_the_signed_in_account(users, areas, who):
    response = client_for(users[who]).get(f"{USERS}me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == who
    assert body["role"] == users[who].role
    assert body["permissions"] == sorted(permissions_for(users[who].role))


def test_anonymous_api_call_is_401(users):
    response = APIClient().get("/api/v1/residents/")
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或登录已过期"}
    assert APIClient().get(f"{USERS}me/").status_code == 401


def test_invalid_token_is_401(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/residents/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_sign_in_then_token_auth_is_scoped(users, areas):
    services.create_resident(
        actor=users["command"],
        data={"area": areas["grid_a"], "name": "张三", "id_number": make_id_number()},
    )
    services.create_resident(
        actor=users["command"],
        data={"area": areas["grid_c"], "name": "张山", "id_number": make_id_number()},
    )
    anonymous = APIClient()
    response = anonymous.post(
        TOKEN, {"username": "grid_a", "password": "pw-for-tests-only"}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=users["grid_a"]).key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listing = client.get("/api/v1/residents/")
    assert listing.status_code == 200
    assert [row["name"] for row in listing.json()["results"]] == ["张三"]
    assert client.get(f"{USERS}me/").json()["username"] == "grid_a"


def test_a_new_password_ends_the_token_issued_under_the_old_one(users, client):
    """Changing a password (the answer to a leaked one) or an administrator setting it:
    the old token is refused, and signing in again issues another."""
    api = APIClient()
    old = api.post(TOKEN, {"username": "grid_a", "password": "pw-for-tests-only"}, format="json")
    key = old.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"{USERS}me/").status_code == 200
    client.force_login(users["grid_a"])
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-for-tests-only",
            "new_password1": "Another-pw-2026",
            "new_password2": "Another-pw-2026",
        },
    )
    assert changed.status_code == 302
    assert api.get(f"{USERS}me/").status_code == 401
    again = APIClient().post(
        TOKEN, {"username": "grid_a", "password": "Another-pw-2026"}, format="json"
    )
    assert again.status_code == 200 and again.json()["token"] != key
    # Saving the account for anything else keeps its token.
    user = users["grid_a"]
    user.refresh_from_db()
    user.full_name = "王网格"
    user.save()
    assert Token.objects.filter(user=user).exists()


def _sign_in() -> dict:
    response = APIClient().post(
        TOKEN, {"username": "grid_a", "password": "pw-for-tests-only"}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def _me(key: str):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(f"{USERS}me/")


def test_a_token_lasts_its_days_then_a_new_one_is_issued(users, settings):
    settings.FANGKONG_TOKEN_DAYS = 90
    first = _sign_in()
    token = Token.objects.get(key=first["token"])
    assert first["expires_at"] == (token.created + datetime.timedelta(days=90)).isoformat()
    assert _sign_in()["token"] == first["token"]  # still valid: the same one
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - datetime.timedelta(days=90, seconds=1)
    )
    expired = _me(first["token"])
    assert expired.status_code == 401
    assert expired.json() == {
        "detail": "令牌已过期，请用用户名和密码重新获取（/api/v1/auth/token/）"
    }
    renewed = _sign_in()["token"]
    assert renewed != first["token"] and _me(renewed).status_code == 200
    # 0: a token lasts until it is ended
    settings.FANGKONG_TOKEN_DAYS = 0
    Token.objects.filter(key=renewed).update(created=timezone.now() - datetime.timedelta(days=999))
    assert _me(renewed).status_code == 200
    assert _sign_in() == {"token": renewed, "expires_at": None}


def test_the_holder_ends_a_token_from_the_profile_page(users, client):
    key = _sign_in()["token"]
    client.force_login(users["grid_a"])
    page = client.get("/accounts/me/").content.decode()
    assert "撤销令牌" in page and key not in page  # the page never shows the key itself
    response = client.post("/accounts/me/token/revoke/", follow=True)
    assert "API 令牌已撤销，使用它的设备须重新获取" in response.content.decode()
    assert _me(key).status_code == 401
    assert not Token.objects.filter(user=users["grid_a"]).exists()
    entry = AuditEntry.objects.filter(object_type="accounts.user").latest("id")
    assert (entry.object_id, entry.reason) == (str(users["grid_a"].pk), "本人撤销 API 令牌")
    assert "没有有效的 API 令牌" in client.get("/accounts/me/").content.decode()
    again = client.post("/accounts/me/token/revoke/", follow=True)
    assert "没有可撤销的 API 令牌" in again.content.decode()


def test_wrong_password_gets_no_token(users):
    response = APIClient().post(TOKEN, {"username": "grid_a", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert Token.objects.count() == 0


def test_token_endpoint_is_throttled(users):
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": "grid_a", "password": "wrong"}, format="json").status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    # even the right password is refused until the window passes
    right = client.post(TOKEN, {"username": "grid_a", "password": "pw-for-tests-only"})
    assert right.status_code == 429
    assert Token.objects.count() == 0


def test_user_list_query_count(users, areas, django_assert_max_num_queries):
    for i in range(10):
        make_user("grid_worker", areas["grid_a"], username=f"extra{i}")
    client = client_for(users["command"])
    # session, user, user's area, 2 × role permissions, count, page (joined with area)
    with django_assert_max_num_queries(7):
        assert client.get(USERS).json()["count"] == 18
