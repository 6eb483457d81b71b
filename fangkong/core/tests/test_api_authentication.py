"""Token authentication loads the user's area with the token: one query for both."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from fangkong.core.api.authentication import TokenAuthentication


def test_token_brings_the_users_area_in_one_query(users, django_assert_num_queries):
    key = Token.objects.create(user=users["community"]).key
    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate_credentials(key)
        assert user.area.path == users["community"].area.path
    assert token.key == key
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials("no-such-token")
    users["community"].is_active = False
    users["community"].save()
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(key)
