"""Volunteers in a real browser at phone width: the public sign-up, and a volunteer
accepting a task and checking in on "我的任务"."""

import datetime
import random

import pytest
from django.core.cache import cache
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import AssignmentState, PoolState
from fangkong.volunteers.models import Assignment, Shift, Volunteer

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def city(transactional_db):
    cache.clear()
    areas = factories.build_city()
    users = factories.build_users(areas)
    return areas, users


def _no_overflow(page) -> None:
    no_sideways_scroll(page)


def test_public_sign_up_on_a_phone(page, live_server, city):
    areas, _users = city
    rng = random.Random(5)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/volunteers/signup/")
    _no_overflow(page)
    page.click("#signup-form button[type=submit]")  # empty: Chinese messages, nothing saved
    assert "请勾选承诺后提交" in page.inner_text("#signup-form")
    assert Volunteer.objects.count() == 0
    page.select_option("#id_area", str(areas["community"].pk))
    page.fill("#id_name", "刘红梅")
    page.fill("#id_id_number", factories.make_id_number(rng=rng))
    page.fill("#id_phone", factories.make_phone(rng))
    page.check("input[name=skills][value=medical]")
    page.check("input[name=available_days][value='6']")
    page.check("input[name=available_times][value=am]")
    page.check("#id_consent")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#signup-done")
    shot(page, "volunteer-signup-phone")
    (v,) = Volunteer.objects.all()
    assert (v.name, v.state, v.skills) == ("刘红梅", PoolState.PENDING, ",medical,")


def test_volunteer_accepts_a_task_and_checks_in_on_a_phone(page, live_server, city):
    areas, users = city
    rng = random.Random(6)
    cmd = users["community"]
    v = services.create_volunteer(
        actor=cmd,
        data={
            "area": areas["grid_a"],
            "name": "颜圣萍",
            "id_number": factories.make_id_number(rng=rng),
            "phone": factories.make_phone(rng),
            "available_days": "每天",
            "available_times": "全天",
        },
    )
    services.create_volunteer_account(
        actor=cmd,
        volunteer=v,
        username="yansp",
        password="pw-for-tests-only",  # noqa: S106
    )
    start = timezone.now() + datetime.timedelta(hours=1)
    need = services.create_need(
        actor=cmd,
        data={
            "area": areas["grid_a"],
            "kind": "checkpoint",
            "title": "东门卡点值守",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=4),
            "headcount": 1,
        },
    )
    (task,) = services.dispatch(actor=cmd, need=need, volunteers=[v])
    page.set_viewport_size(PHONE)
    login(page, live_server, "yansp")
    page.goto(f"{live_server.url}/volunteers/my/")
    _no_overflow(page)
    card = page.locator(f"[data-task='{task.pk}']")
    assert "东门卡点值守" in card.inner_text()
    assert card.get_attribute("data-state") == "offered"
    card.locator("button.accept").click()
    page.wait_for_selector(f"[data-task='{task.pk}'][data-state=accepted]")
    page.locator(f"[data-task='{task.pk}'] button.check-in").click()
    page.wait_for_selector(f"[data-task='{task.pk}'] button.check-out")
    shot(page, "volunteer-my-tasks-phone")
    assert Assignment.objects.get().state == AssignmentState.ACCEPTED
    assert Shift.objects.filter(ended_at__isnull=True).count() == 1
    v.refresh_from_db()
    assert v.state == PoolState.ACTIVE
