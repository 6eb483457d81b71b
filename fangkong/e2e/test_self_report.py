"""The health self-report link on a phone: the person sends a check-in from their own browser.

Chromium sends the Origin/Referer its page's Referrer-Policy allows; a "no-referrer" policy
made it post "Origin: null", which CSRF refused (403) — this test posts the real form."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.health.models import CheckIn
from fangkong.health.services import create_assignment
from fangkong.status.testing import make_resident

from .conftest import shot

pytestmark = pytest.mark.browser


def test_self_report_on_a_phone_is_recorded(page, live_server, transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    today = timezone.localdate()
    # Yesterday's 下午 has begun whatever the hour now (today's has not before noon).
    yesterday = today - datetime.timedelta(days=1)
    assignment = create_assignment(
        actor=users["community"],
        resident=make_resident(areas["grid_a"], name="欧阳明月"),
        kind="home_quarantine",
        start_date=yesterday,
        end_date=today + datetime.timedelta(days=7),
    )
    page.set_viewport_size({"width": 375, "height": 740})
    page.set_default_timeout(60_000)  # the answer waits for the status recomputation
    page.goto(f"{live_server.url}/health/report/{assignment.checkin_token}/")
    page.fill("input[name=date]", yesterday.isoformat())
    # The slots are buttons (a hidden radio behind each label): tap the label as a person
    # does. Tap 上午 first, so that 下午 is a change whatever half-day it is in Shanghai now
    # (the form starts on the current one).
    page.locator("label[for=id_slot_0]").click()
    page.locator("label", has_text="下午").click()
    assert page.is_checked("input[name=slot][value=pm]")
    page.fill("input[name=temperature]", "36.6")
    page.click("main form button[type=submit]")
    page.locator(".alert-success").wait_for()
    assert "填报成功" in page.inner_text("main")
    shot(page, "health-self-report-phone")
    checkin = CheckIn.objects.get()
    assert (checkin.assignment_id, checkin.source, checkin.slot) == (assignment.pk, "self", "pm")
