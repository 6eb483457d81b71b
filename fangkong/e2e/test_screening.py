"""The household visit on a phone (入户摸排): a finding recorded by one tap, corrected, and
taken back, each answered through the confirm dialog, the figures following; a visit
recorded by mistake corrected and voided."""

import datetime

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.testing import factories
from fangkong.screening import selectors
from fangkong.screening.models import Finding, Visit
from fangkong.screening.services import create_campaign, record_visit
from fangkong.status.testing import make_household, make_resident

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def visit(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    today = timezone.localdate()
    campaign = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="湖北返乡人员摸排",
        starts_on=today - datetime.timedelta(days=3),
        due_on=today + datetime.timedelta(days=3),
    )
    home = make_household(areas["grid_a"], "A-101")
    make_resident(areas["grid_a"], name="误点居民", household=home)
    return campaign, home


def test_a_mis_tapped_finding_is_corrected_and_taken_back_on_a_phone(page, live_server, visit):
    campaign, home = visit
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/screening/campaigns/{campaign.pk}/visit/{home.pk}/")
    member = page.locator("main li.list-group-item", has_text="误点居民")

    # The first tap records at once (no dialog: nothing is overwritten).
    with page.expect_navigation():
        member.get_by_role("button", name="返乡人员", exact=True).click()
    assert Finding.objects.get().kind == "returnee"

    # Correcting asks first; the page then shows the new category as the current one.
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    member = page.locator("main li.list-group-item", has_text="误点居民")
    with page.expect_navigation():
        member.get_by_role("button", name="改为流入人员").click()
    assert asked == ["更正或撤销该人员的摸排发现登记？"]
    assert "已更正摸排发现" in page.locator(".alert-success").inner_text()
    assert Finding.objects.get().kind == "inflow"

    member = page.locator("main li.list-group-item", has_text="误点居民")
    with page.expect_navigation():
        member.get_by_role("button", name="撤销").click()
    assert "已撤销摸排发现" in page.locator(".alert-success").inner_text()
    assert not Finding.objects.exists()
    assert len(asked) == 2
    no_sideways_scroll(page)
    shot(page, "screening-finding-phone")


def test_a_mis_tapped_visit_is_corrected_and_voided_on_a_phone(page, live_server, visit):
    """已搬离 tapped for a household nobody answered: corrected to 无人在家 with a reason,
    then voided through the confirm dialog; the household is to visit again."""
    campaign, home = visit
    record_visit(
        actor=User.objects.get(username="grid_a"),
        campaign=campaign,
        household=home,
        outcome="vacant",
    )
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/screening/campaigns/{campaign.pk}/visit/{home.pk}/")
    visits = page.locator("#household-visits")
    assert "已搬离" in visits.inner_text()
    with page.expect_navigation():
        visits.get_by_role("link", name="更正").click()

    page.get_by_text("无人在家", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name="保存更正").click()
    # The reason is required: the page says so beside the field and keeps the choice.
    assert "请填写更正原因" in page.locator("main").inner_text()
    assert page.locator("input[name=outcome][value=nobody_home]").is_checked()
    shot(page, "screening-visit-correction-phone")
    page.get_by_label("更正原因").fill("误点已搬离，实为无人在家")
    with page.expect_navigation():
        page.get_by_role("button", name="保存更正").click()
    assert "已更正走访记录：A-101" in page.locator(".alert-success").inner_text()
    assert Visit.objects.get().outcome == "nobody_home"
    assert home in selectors.unvisited_households(campaign, User.objects.get(username="grid_a"))
    no_sideways_scroll(page)

    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        page.locator("#household-visits").get_by_role("link", name="更正").click()
    page.get_by_label("撤销原因").fill("登记错户")
    with page.expect_navigation():
        page.get_by_role("button", name="撤销此记录").click()
    assert asked == ["撤销后该走访记录将被删除，覆盖情况随之更新，确定撤销？"]
    assert "已撤销走访记录：A-101" in page.locator(".alert-success").inner_text()
    assert not Visit.objects.exists()
    assert page.locator("#household-visits").count() == 0
    shot(page, "screening-visit-corrected-phone")
