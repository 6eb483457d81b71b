"""A list's search box when things go wrong, in a real browser: the network drops, the
server answers an error page, the session has ended. The page says so, or goes to sign-in;
it never sits silent or shows the sign-in page inside the table."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.template import loader

from fangkong.status.testing import make_resident

from .conftest import login

pytestmark = pytest.mark.browser


def test_a_search_that_fails_says_why_and_an_ended_session_goes_to_sign_in(page, live_server, city):
    areas, _users = city
    make_resident(areas["grid_a"], name="张三")
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/registry/residents/")
    alert = page.locator("[data-fk-htmx-error]")

    page.context.set_offline(True)
    page.fill("#id_q", "张")
    alert.wait_for()
    assert alert.inner_text() == "网络连接失败，请检查网络后重试"
    assert page.get_attribute("[data-fk-htmx-error]", "role") == "alert"
    page.context.set_offline(False)

    # The database restarting: the server's own 503 page, its words shown.
    down = loader.render_to_string("503.html")
    page.route(
        re.compile(r".*/registry/residents/$"),
        lambda route: (
            route.fulfill(status=503, body=down, content_type="text/html")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.fill("#id_q", "张三")
    page.locator("[data-fk-htmx-error]", has_text="数据库暂时无法连接").wait_for()
    page.unroute(re.compile(r".*/registry/residents/$"))

    # Back to normal: the next search clears the message and fills the table.
    page.fill("#id_q", "张")
    alert.wait_for(state="detached")
    assert "张三" in page.inner_text("#object-table")

    # The session ended (idle timeout, signed out elsewhere): the page itself goes to sign-in.
    Session.objects.all().delete()
    page.fill("#id_q", "李")
    page.wait_for_url(re.compile(r"/login/\?next=/registry/residents/"))
    assert page.locator("input[name=username]").is_visible()
