"""A grid worker signs a notice on a phone; the sending street sees the signature."""

import pytest

from fangkong.core.testing import factories
from fangkong.duty import services
from fangkong.duty.models import NoticeReceipt

from .conftest import login, shot

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
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "duty-inbox-phone")
    item.locator("a").click()
    page.wait_for_url(f"**/duty/notices/{notice.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
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
