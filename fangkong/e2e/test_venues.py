"""The venue scan page on a phone: register, see the colour, be remembered on the phone."""

import datetime

import pytest

from fangkong.core.testing import factories
from fangkong.status.clock import at_local
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case
from fangkong.venues import services
from fangkong.venues.choices import VenueKind
from fangkong.venues.models import Scan

from .conftest import no_sideways_scroll, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def market(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    venue = services.create_venue(
        actor=users["community"],
        data={"area": areas["grid_a"], "name": "海棠农贸市场", "kind": VenueKind.MARKET},
    )
    green = make_resident(areas["grid_a"], name="李青青")
    red = make_resident(areas["grid_a"], name="欧阳明月")
    Case.objects.create(
        resident=red,
        code="C-7",
        kind="confirmed",
        confirmed_at=at_local(datetime.date(2026, 1, 2), 9),
    )
    recompute_status([green.pk, red.pk], cause="测试")
    return venue, green, red


def _register(page, url: str, name: str, field: str, value: str):
    """Fill the form as a visitor would, press 登记进入 and return the answer panel."""
    page.goto(url)
    page.fill("#id_name", name)
    page.fill(f"#id_{field}", value)
    page.fill("#id_temperature", "36.5")
    page.click("button[value=in]")
    result = page.locator(".fk-admission")
    result.wait_for()
    return result


def _no_horizontal_scroll(page) -> None:
    no_sideways_scroll(page)


def test_scan_page_at_phone_width_admits_green_and_remembers_the_person(page, live_server, market):
    venue, green, _red = market
    page.set_viewport_size(PHONE)
    url = f"{live_server.url}/venues/s/{venue.code}/"
    page.goto(url)
    _no_horizontal_scroll(page)
    result = _register(page, url, "李青青", "id_number", green.id_number)
    assert result.get_attribute("data-colour") == "green"
    assert result.get_attribute("data-admitted") == "yes"
    assert "准予通行" in result.inner_text()
    assert green.id_number not in page.url and "李青青" not in page.url
    _no_horizontal_scroll(page)
    shot(page, "venue-scan-green-phone")

    # Back on the form, this phone remembers who scanned (localStorage), not the server URL.
    page.goto(url)
    assert page.input_value("#id_name") == "李青青"
    assert page.input_value("#id_id_number") == green.id_number
    assert page.is_visible("#forget-me")
    page.click("#forget-me")
    assert page.input_value("#id_id_number") == ""
    assert Scan.objects.filter(resident=green, admitted=True).count() == 1


def test_scan_page_refuses_red_with_the_reason(page, live_server, market):
    venue, _green, red = market
    page.set_viewport_size(PHONE)
    result = _register(
        page, f"{live_server.url}/venues/s/{venue.code}/", "欧阳明月", "phone", red.phone
    )
    assert result.get_attribute("data-colour") == "red"
    assert result.get_attribute("data-admitted") == "no"
    text = result.inner_text()
    assert "暂不能通行" in text and "红码：感染者，治疗/隔离管理中" in text
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.fk-admission')).backgroundColor"
    )
    assert background == "rgb(220, 53, 69)"
    _no_horizontal_scroll(page)
    shot(page, "venue-scan-red-phone")


def test_a_second_tap_on_the_scan_page_records_the_visit_once(page, live_server, market):
    """In the cold, on a slow network, nothing seems to happen after the first tap on 登记进入;
    the second tap sent the form again and the visit was recorded twice (the venue's count
    went up by two). While the first is on its way a second tap sends nothing."""
    venue, green, _red = market
    page.set_viewport_size({"width": 360, "height": 740})
    url = f"{live_server.url}/venues/s/{venue.code}/"
    page.goto(url)
    page.fill("#id_name", "李青青")
    page.fill("#id_id_number", green.id_number)
    page.fill("#id_temperature", "36.5")
    held = []  # the slow network: the first POST waits until the second tap is done
    page.route(
        f"**/venues/s/{venue.code}/",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    button = page.locator("button[value=in]")
    box = button.bounding_box()
    button.click(no_wait_after=True)
    page.wait_for_timeout(500)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    assert len(held) == 1
    assert "direction=in" in held[0].request.post_data
    held[0].continue_()
    page.locator(".fk-admission").wait_for()
    assert Scan.objects.filter(resident=green).count() == 1
