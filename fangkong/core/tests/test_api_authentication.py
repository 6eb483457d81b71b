"""Token authentication: one plain statement for the token, its user and the user's area, giving
the same objects the ORM gave, and no cache between requests."""

import pytest
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from fangkong.core.api.authentication import TokenAuthentication


def authenticate(key):
    return TokenAuthentication().authenticate_credentials(key)


def refused_as_drf_refuses(key) -> None:
    """Refused, with DRF's own message for the case (its check run beside ours)."""
    with pytest.raises(AuthenticationFailed) as ours:
        authenticate(key)
    with pytest.raises(AuthenticationFailed) as drfs:
        authentication.TokenAuthentication().authenticate_credentials(key)
    assert ours.value.detail == drfs.value.detail


def test_token_brings_the_users_area_in_one_query(users, django_assert_num_queries):
    key = Token.objects.create(user=users["community"]).key
    with django_assert_num_queries(1):
        user, token = authenticate(key)
        assert user.area.path == users["community"].area.path
        assert token.user is user
    assert token.key == key


def _state(obj) -> dict:
    """Every concrete column value, the instance's database and whether it is unsaved."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return {**values, "_db": obj._state.db, "_adding": obj._state.adding}


@pytest.mark.parametrize("who", ["community", "grid_a", "command"])
def test_the_same_user_token_and_area_as_the_orm(users, who):
    user = users[who]
    user.full_name = "张三"
    user.save()
    key = Token.objects.create(user=user).key
    expected = Token.objects.select_related("user", "user__area").get(key=key)
    got_user, got_token = authenticate(key)
    assert type(got_user) is type(expected.user)
    assert _state(got_user) == _state(expected.user)
    assert _state(got_token) == _state(expected)
    assert _state(got_user.area) == _state(expected.user.area)
    # Times come back aware and equal, booleans as booleans (SQLite stores 0/1).
    assert got_user.date_joined == expected.user.date_joined
    assert got_user.date_joined.tzinfo is not None
    assert got_user.is_active is True and got_user.is_authenticated
    assert got_user.get_all_permissions() == expected.user.get_all_permissions()


def test_an_account_without_an_area(users):
    user = users["community"]
    user.area = None
    user.is_superuser = True
    user.save()
    key = Token.objects.create(user=user).key
    got, _token = authenticate(key)
    assert got.area is None
    assert got.is_superuser is True


def test_refused_at_once_inactive_deleted_or_wrong(users):
    user = users["community"]
    token = Token.objects.create(user=user)
    assert authenticate(token.key)[0].pk == user.pk
    refused_as_drf_refuses("no-such-token")
    refused_as_drf_refuses(token.key[:-1] + ("0" if token.key[-1] != "0" else "1"))
    user.is_active = False
    user.save()
    refused_as_drf_refuses(token.key)
    user.is_active = True
    user.save()
    assert authenticate(token.key)[0].pk == user.pk
    token.delete()  # revoked: the very next request is refused, nothing cached it
    refused_as_drf_refuses(token.key)


def test_a_request_through_the_api(users):
    user = users["community"]
    key = Token.objects.create(user=user).key
    client = APIClient()
    url = "/api/v1/scans/clock/"
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    Token.objects.filter(key=key).delete()
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
