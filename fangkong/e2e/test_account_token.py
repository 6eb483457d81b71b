"""我的账号 on a phone: the API token's holder ends it (a lost phone, a device handed on)."""

import pytest
from rest_framework.authtoken.models import Token

from fangkong.core.testing import factories

from .conftest import login

pytestmark = pytest.mark.browser


def test_the_holder_revokes_the_api_token_on_a_phone(page, live_server, transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    token = Token.objects.create(user=users["grid_a"])
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/accounts/me/")
    assert token.key not in page.content()  # the key is never shown on a page
    with page.expect_navigation():
        page.click("main form[action$='/token/revoke/'] button[type=submit]")
    assert "API 令牌已撤销" in page.locator(".alert-success").inner_text()
    assert "没有有效的 API 令牌" in page.locator("main").inner_text()
    assert not Token.objects.filter(user=users["grid_a"]).exists()
