"""外出审批报备 in real browsers: the grid worker registers a quarantined person's trip to
hospital on a phone, the community approves it at a PC, the checkpoint's phone lets the person
out with the pass shown; the trip is 撤销 and the checkpoint stops them again."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.health.models import Assignment
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.venues import services
from fangkong.venues.choices import VenueKind
from fangkong.venues.models import OutingApproval

from .conftest import login, shot

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    venue = services.create_venue(
        actor=users["community"],
        data={"area": areas["community"], "name": "小区北门卡点", "kind": VenueKind.CHECKPOINT},
    )
    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate()
    assignment = Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=5),
        responsible=users["grid_a"],
    )
    recompute_status([person.pk], cause="测试")
    return venue, person, assignment


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _check(pg, live_server, venue, person) -> str:
    """The checkpoint looks the person up; returns data-admitted (yes/no)."""
    pg.goto(f"{live_server.url}/venues/venues/{venue.pk}/checkpoint/")
    pg.fill("#id_id_number", person.id_number)
    pg.click("button:has-text('核验')")
    return pg.locator(".fk-admission").get_attribute("data-admitted")


def test_a_trip_is_requested_approved_seen_at_the_checkpoint_then_withdrawn(
    browser, page, live_server, city
):
    venue, person, assignment = city
    grid = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    gate = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    try:
        login(gate, live_server, "volunteer")
        assert _check(gate, live_server, venue, person) == "no"
        assert gate.locator("#outing-pass").count() == 0

        login(grid, live_server, "grid_a")
        grid.goto(f"{live_server.url}/health/assignments/{assignment.pk}/")
        grid.click("a:has-text('登记外出申请')")
        now = timezone.now()
        grid.fill("#id_reason", "就医：血液透析")
        grid.fill("#id_destination", "市中心医院")
        grid.fill("#id_starts_at", _local(now - datetime.timedelta(minutes=5)))
        grid.fill("#id_ends_at", _local(now + datetime.timedelta(hours=3)))
        grid.click("main form button[type=submit]")
        assert "已登记外出申请，等待审批" in grid.inner_text("main")
        outing = OutingApproval.objects.get()
        assert grid.locator("[data-state]").get_attribute("data-state") == "pending"
        shot(grid, "outing-requested-phone")
        # Pending is not a pass.
        assert _check(gate, live_server, venue, person) == "no"

        login(page, live_server, "community")
        page.goto(f"{live_server.url}/venues/outings/")
        page.click(f"main a[href$='/venues/outings/{outing.pk}/']")
        page.fill("#id_note", "同意，往返须专车")
        page.click("button[value=approve]")
        assert page.locator("[data-state]").get_attribute("data-state") == "approved"

        assert _check(gate, live_server, venue, person) == "yes"
        assert "市中心医院" in gate.inner_text("#outing-pass")
        shot(gate, "outing-pass-at-checkpoint")

        # The hospital moved the appointment: the grid worker withdraws the request.
        grid.reload()
        asked = []
        grid.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        grid.fill("#id_note", "医院改约")
        grid.click("button:has-text('撤销')")
        assert "已撤销外出申请" in grid.inner_text("main")
        assert asked and "撤销后卡点不再放行" in asked[0]
        assert grid.locator("[data-state]").get_attribute("data-state") == "cancelled"

        assert _check(gate, live_server, venue, person) == "no"
        assert gate.locator("#outing-pass").count() == 0
    finally:
        grid.context.close()
        gate.context.close()
    outing.refresh_from_db()
    assert (outing.state, outing.cancel_note, outing.decision_note) == (
        "cancelled",
        "医院改约",
        "同意，往返须专车",
    )
