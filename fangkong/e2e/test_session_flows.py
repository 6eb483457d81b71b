"""Flows staff met for the first time this session, in a real browser: a tip returned by the
community and reassigned by the office; a person under home quarantine let into their own
compound at its gate on a phone; a grid worker's home page leading to the screening visits."""

import datetime

import pytest
from django.utils import timezone

from fangkong.health.models import Assignment
from fangkong.screening.services import create_campaign
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_household, make_resident
from fangkong.tips import services as tips
from fangkong.tips.models import Tip
from fangkong.venues import services as venues
from fangkong.venues.choices import VenueKind
from fangkong.venues.models import Scan

from .conftest import login, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_a_tip_goes_back_up_and_on_to_the_right_community(page, live_server, city):
    areas, users = city
    tip = tips.submit_tip(
        category="price",
        description="超市口罩每个卖二十元",
        place="迷阳水岸某超市",
        client_address="10.0.0.9",
    )
    tips.assign_tip(actor=users["command"], tip=tip, area=areas["community"])
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/tips/{tip.pk}/")
    page.click("button:has-text('退回上级')")  # no reason: the browser keeps the form
    assert Tip.objects.get(pk=tip.pk).state == "assigned"
    page.fill("#id_note", "该超市在迷阳水岸社区")
    page.click("button:has-text('退回上级')")
    assert "已退回上级重新分拣" in page.inner_text("main")
    assert Tip.objects.get(pk=tip.pk).area == areas["street"]

    tip.refresh_from_db()
    tips.assign_tip(actor=users["command"], tip=tip, area=areas["community"])
    page.context.clear_cookies()
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tips/{tip.pk}/")
    page.select_option("#id_area", str(areas["miyi_community"].pk))
    page.click("button:has-text('改派')")
    assert "已交办" in page.inner_text("main")
    assert Tip.objects.get(pk=tip.pk).area == areas["miyi_community"]
    shot(page, "tip-reassigned")


def test_home_quarantine_enters_its_own_compound_at_the_gate(page, live_server, city):
    areas, users = city
    gate = venues.create_venue(
        actor=users["community"],
        data={
            "area": areas["community"],
            "name": "海棠花语小区北门",
            "kind": VenueKind.COMPOUND,
            "measures_temperature": True,
        },
    )
    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate()
    Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=5),
    )
    recompute_status([person.pk], cause="测试")
    page.set_viewport_size(PHONE)
    login(page, live_server, "volunteer")
    page.goto(f"{live_server.url}/venues/venues/{gate.pk}/checkpoint/")
    page.fill("#id_id_number", person.id_number)
    page.click("button:has-text('核验')")
    assert "返回居所：居家隔离中" in page.inner_text("#returning-home")
    page.fill("#id_temperature", "36.5")
    page.click("button:has-text('登记进入')")
    assert "已登记进入" in page.inner_text("body")
    assert Scan.objects.get().admitted is True
    shot(page, "checkpoint-returning-home")


def test_a_grid_worker_goes_from_home_to_the_households_left(page, live_server, city):
    areas, users = city
    campaign = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="返乡人员入户摸排",
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    make_household(areas["grid_a"], "A-101")
    make_household(areas["grid_a"], "A-102")
    page.set_viewport_size(PHONE)
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/")
    panel = page.locator(f"[data-campaign='{campaign.pk}']")
    assert panel.locator("[data-stat=left]").inner_text() == "2"
    panel.locator("a:has-text('走访登记')").click()
    assert page.url.endswith(f"/screening/campaigns/{campaign.pk}/visit/")
    assert "A-101" in page.inner_text("main")
