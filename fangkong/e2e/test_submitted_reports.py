"""日报报送 on a phone: the community's home page says today's report is not sent, the to-do
leads to the form, the report sent is shown as stored and the to-do is gone; the street sees
it in 报送情况."""

import pytest
from django.utils import timezone

from fangkong.dashboard.models import SubmittedReport
from fangkong.status.clock import local_date

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


def test_a_community_sends_its_report_and_the_street_sees_it(page, live_server, city):
    areas, _users = city
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/")
    todo = page.locator("#home-todos [data-todo=daily_report]")
    assert todo.inner_text().split() == ["今日日报未报送", "1"]
    todo.click()
    page.wait_for_url(lambda url: url.endswith("/dashboard/submitted/submit/"))
    shot(page, "report-submit-phone")
    page.click("#submit-form button[type=submit]")
    sent = SubmittedReport.objects.get()
    page.wait_for_url(lambda url: url.endswith(f"/dashboard/submitted/{sent.pk}/"))
    assert page.locator("#versions [data-revision]").count() == 1
    no_sideways_scroll(page)
    page.goto(f"{live_server.url}/")
    assert page.locator("#home-todos [data-todo=daily_report]").count() == 0

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, "street")
    page.goto(f"{live_server.url}/dashboard/area/{areas['street'].pk}/")
    page.click("#submission-status-link")
    today = local_date(timezone.now()).isoformat()
    page.wait_for_url(lambda url: f"area={areas['street'].pk}" in url)
    assert page.locator("#status-counts").inner_text() == "已报送 1 / 1，未报送 0"
    row = page.locator("#status-rows tr[data-area='510411001001']")
    assert row.get_attribute("data-submitted") == "1"
    shot(page, "report-submission-status")
    row.locator(f"a[href$='/dashboard/submitted/{sent.pk}/']").click()
    assert today in page.inner_text("h1")
