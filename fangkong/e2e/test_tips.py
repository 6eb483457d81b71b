"""The public tip form on a phone, without an account, and the receipt-code progress page."""

import pytest
from playwright.sync_api import expect

from fangkong.core.testing import factories
from fangkong.tips import services
from fangkong.tips.models import Tip

from .conftest import no_sideways_scroll, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FANGKONG_TIP_MIN_SECONDS = 1
    areas = factories.build_city()
    return areas, factories.build_users(areas)


def test_public_tip_on_a_phone_then_progress_by_receipt_code(page, live_server, city):
    areas, users = city
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tips/report/")
    assert "/login" not in page.url
    # Nothing overflows the phone's width.
    no_sideways_scroll(page)
    honeypot = page.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # off screen for people, there for robots
    page.select_option("#id_category", "gathering")
    page.fill("#id_description", "小区广场每晚有二十多人聚集打牌")
    page.select_option("#id_area", str(areas["community"].pk))
    page.fill("#id_place", "3栋楼下")
    shot(page, "tip-form-phone")
    page.wait_for_timeout(1100)  # a person takes longer than the minimum time to submit
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/tips/report/thanks/"))
    code = page.inner_text("#receipt-code").strip()
    tip = Tip.objects.get()
    assert code == tip.receipt_code and tip.area == areas["community"] and tip.anonymous
    shot(page, "tip-receipt-phone")

    services.assign_tip(actor=users["command"], tip=tip, area=areas["community"], note="请核查")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#tip-state")
    assert page.inner_text("#tip-state") == "已交由属地核查"
    body = page.inner_text("main")
    assert "请核查" not in body and "command" not in body and "聚集打牌" not in body
    no_sideways_scroll(page)
    shot(page, "tip-progress-phone")


def test_missing_details_get_chinese_messages_on_the_phone(page, live_server, city):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tips/report/")
    page.wait_for_timeout(1100)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    text = page.inner_text("main")
    assert "这个字段是必填项。" in text or "必填" in text
    assert Tip.objects.count() == 0


def test_an_error_below_the_fold_is_brought_into_view(page, live_server, city):
    """A phone sends the tip without its place: the page came back at its top with the
    message far below (in English, whose texts are longer), the form looking unchanged.
    The message is now on screen."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tips/report/")
    page.select_option("#id_category", "gathering")
    page.fill("#id_description", "小区广场每晚有二十多人聚集打牌")
    page.wait_for_timeout(1100)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    message = page.locator("main .invalid-feedback").first
    assert "Please choose the area or enter the place" in message.inner_text()
    expect(message).to_be_in_viewport(ratio=1)
    assert Tip.objects.count() == 0


def test_a_second_tap_while_the_tip_is_on_its_way_sends_nothing(page, live_server, city):
    """On a slow phone network nothing seems to happen after the first tap on 提交线索; the
    second tap sent the form again and the same tip was filed twice. While the first is
    on its way the button is held and a second tap sends nothing."""
    areas, _users = city
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tips/report/")
    page.fill("#id_description", "小区广场每晚有二十多人聚集打牌")
    page.select_option("#id_area", str(areas["community"].pk))
    page.wait_for_timeout(1100)
    # The network is slow: the first POST is held until the second tap is done.
    held = []
    page.route(
        "**/tips/report/",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    button = page.locator("main form button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()  # where the thumb taps, twice
    button.click(no_wait_after=True)
    page.wait_for_timeout(500)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url(lambda url: url.endswith("/tips/report/thanks/"))
    assert Tip.objects.count() == 1
