"""Staff at a checkpoint on a phone: check a person, forget the temperature, record entry —
the check stays on the screen with the error beside the field, nothing is stored until the
temperature is given."""

import pytest
from playwright.sync_api import expect

from fangkong.core.testing import factories
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.venues import services
from fangkong.venues.choices import VenueKind
from fangkong.venues.models import Scan

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    venue = services.create_venue(
        actor=users["community"],
        data={
            "area": areas["community"],
            "name": "仁和路卡点",
            "kind": VenueKind.CHECKPOINT,
            "measures_temperature": True,
        },
    )
    person = make_resident(areas["grid_a"], name="李青青")
    recompute_status([person.pk], cause="测试")
    return venue, person


def test_a_forgotten_temperature_keeps_the_check_on_screen(page, live_server, city):
    venue, person = city
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/venues/venues/{venue.pk}/checkpoint/")
    page.fill("#id_id_number", person.id_number)
    page.click("button:has-text('核验')")
    admission = page.locator(".fk-admission")
    assert admission.get_attribute("data-admitted") == "yes"
    page.click("button:has-text('登记进入')")
    assert "本场所须测温，请填写体温" in page.inner_text("#temperature-error")
    assert page.locator(".fk-admission").get_attribute("data-admitted") == "yes"
    assert Scan.objects.count() == 0
    shot(page, "checkpoint-temperature-missing")
    page.fill("#id_temperature", "36.5")
    page.click("button:has-text('登记进入')")
    assert "已登记进入" in page.inner_text("body")
    assert Scan.objects.get().temperature is not None


def test_after_a_check_the_answer_and_the_buttons_fit_a_phone_screen(page, live_server, city):
    """At 360 × 740 the answer and 登记进入 sat below the lookup form, out of sight: staff
    scrolled down for every person. The page now lands on the answer, with the colour, the
    three codes, the temperature and both buttons on one screen; after recording it is back
    at the top, at the field for the next person."""
    venue, person = city
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/venues/venues/{venue.pk}/checkpoint/")
    page.fill("#id_id_number", person.id_number)
    page.click("button:has-text('核验')")
    page.locator(".fk-admission").wait_for()
    # Each wholly on screen once the page has scrolled to the answer.
    for selector in (
        ".fk-admission",
        "#three-codes",
        "#id_temperature",
        "button[value=in]",
        "button[value=out]",
    ):
        expect(page.locator(selector)).to_be_in_viewport(ratio=1)
    shot(page, "checkpoint-answer-phone")
    page.fill("#id_temperature", "36.6")
    page.click("button[value=in]")
    assert "已登记进入" in page.inner_text("body")
    assert page.evaluate("window.scrollY") == 0
    assert Scan.objects.count() == 1
