"""The household visit on a phone (入户摸排): a finding recorded by one tap, corrected, and
taken back, each answered through the confirm dialog, the figures following."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.screening.models import Finding
from fangkong.screening.services import create_campaign
from fangkong.status.testing import make_household, make_resident

from .conftest import login, shot

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
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "screening-finding-phone")
