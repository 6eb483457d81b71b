"""A grid worker signs a notice on a phone; the sending street sees the signature. The
community covers a shift (替班) from a phone; the roster shows who covers whom."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.duty import services
from fangkong.duty.models import NoticeReceipt, Shift

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def notice(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    return services.send_notice(
        actor=users["street"],
        sender_area=areas["street"],
        kind="directive",
        title="关于今晚 20 时前落实卡点 24 小时值守的指令",
        body="请各网格严格执行 24 小时值班制度，按时到岗。",
        target_areas=[areas["community"]],
        target_roles=["grid_worker"],
    )


def test_grid_worker_acknowledges_a_notice_at_phone_width(page, live_server, notice):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/duty/inbox/")
    item = page.locator(f"#inbox [data-notice='{notice.pk}']")
    assert "关于今晚 20 时前落实卡点" in item.inner_text()
    no_sideways_scroll(page)
    shot(page, "duty-inbox-phone")
    item.locator("a").click()
    page.wait_for_url(f"**/duty/notices/{notice.pk}/")
    no_sideways_scroll(page)
    page.click("#acknowledge")
    page.wait_for_load_state("load")
    assert "您已于" in page.inner_text("#my-receipt")
    assert NoticeReceipt.objects.get(notice=notice, user__username="grid_a").acknowledged_at
    shot(page, "duty-notice-signed-phone")
    # The street sees grid_a among the signed and grid_b among those who have not.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, "street")
    page.goto(f"{live_server.url}/duty/notices/{notice.pk}/")
    assert "grid_a" in page.inner_text("#ack-done")
    row = page.locator("#ack-units tr", has_text="第二网格")
    assert "grid_b" in row.inner_text()
    shot(page, "duty-notice-report")


@pytest.fixture
def tonight(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=3)
    return services.create_shift(
        actor=users["community"],
        data={
            "area": areas["community"],
            "person": users["grid_a"],
            "start": start,
            "end": start + datetime.timedelta(hours=12),
        },
    ), users


def test_community_covers_a_shift_at_phone_width(page, live_server, tonight):
    shift, users = tonight
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/duty/shifts/{shift.pk}/")
    page.get_by_role("link", name="替班").click()
    page.wait_for_url(f"**/duty/shifts/{shift.pk}/cover/")
    no_sideways_scroll(page)
    page.select_option("#id_person", str(users["grid_b"].pk))
    page.fill("#id_reason", "grid_a 发烧请假")
    shot(page, "duty-shift-cover-phone")
    page.get_by_role("button", name="确认替班").click()
    page.wait_for_url(f"**/duty/shifts/{shift.pk}/")
    text = page.inner_text("main")
    assert "已替班" in text
    assert "grid_b（替 grid_a）" in text
    assert "grid_a 发烧请假" in text
    no_sideways_scroll(page)
    shot(page, "duty-shift-covered-phone")
    shift.refresh_from_db()
    assert (shift.person_id, shift.covered_for_id) == (users["grid_b"].pk, users["grid_a"].pk)
    page.goto(f"{live_server.url}/duty/shifts/")
    assert "grid_b（替 grid_a）" in page.inner_text("#object-table")
    assert Shift.objects.count() == 1
