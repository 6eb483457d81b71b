"""An inspector records an unannounced visit with a finding on a phone; the community
rectifies it; the inspector closes it — each step on its own page, nothing typed twice."""

import datetime
import re

import pytest

from fangkong.core.testing import factories
from fangkong.supervision import services
from fangkong.supervision.models import Problem

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    areas = factories.build_city()
    users = factories.build_users(areas)
    inspector = factories.make_user("inspector", areas["city"], username="inspector")
    group = services.create_group(
        actor=users["command"],
        data={
            "name": "第一督导组",
            "area": areas["city"],
            "leader": inspector,
            "assigned_areas": [areas["street"]],
        },
    )
    return areas, users, group


def test_visit_finding_rectify_close_on_a_phone(page, live_server, city):
    areas, _, group = city
    page.set_viewport_size(PHONE)
    login(page, live_server, "inspector")
    page.goto(f"{live_server.url}/supervision/visits/add/")
    page.select_option("#id_group", str(group.pk))
    page.select_option("#id_area", str(areas["community"].pk))
    page.select_option("#id_mode", "unannounced")
    page.select_option("#id_target_kind", "checkpoint")
    page.fill("#id_target_name", "小区东门卡点")
    page.fill("#id_finding_1_title", "卡点夜间无人值守")
    page.select_option("#id_finding_1_severity", "high")
    deadline = datetime.date.today() + datetime.timedelta(days=2)
    page.fill("#id_finding_1_deadline", deadline.isoformat())
    no_sideways_scroll(page)
    shot(page, "visit-form-phone")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/supervision/visits/\d+/$"))
    assert "卡点夜间无人值守" in page.inner_text("main")
    problem = Problem.objects.get()

    page.context.clear_cookies()
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/supervision/problems/{problem.pk}/")
    page.fill("#id_note", "已安排两人轮流值守")
    page.click("text=提交整改")
    page.wait_for_selector(".alert-success")
    assert "待核查" in page.inner_text("main h1")

    page.context.clear_cookies()
    login(page, live_server, "inspector")
    page.goto(f"{live_server.url}/supervision/problems/{problem.pk}/")
    page.click("text=核查通过，销号")
    page.wait_for_selector(".alert-success")
    assert "已销号" in page.inner_text("main h1")
    assert page.locator("#problem-events li").count() == 3
    shot(page, "problem-closed-phone")
