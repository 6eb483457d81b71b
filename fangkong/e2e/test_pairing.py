"""党员包联 on a phone: a party member signs in, goes from the home page to their
households, reports a quarantined member's temperature, calls up a member's phone for a
reason, and records a visit for the running 摸排."""

import datetime

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.testing import factories
from fangkong.health.choices import CheckInSource
from fangkong.health.models import CheckIn
from fangkong.pairing import services
from fangkong.pairing.tests.conftest import quarantine
from fangkong.registry import services as registry
from fangkong.screening.models import Visit
from fangkong.screening.services import create_campaign
from fangkong.volunteers.choices import PoolState
from fangkong.volunteers.tests.conftest import make_volunteer

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def paired(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    community = users["community"]
    building = registry.create_building(actor=community, area=areas["grid_a"], name="3栋")
    home = registry.create_household(
        actor=community, area=areas["grid_a"], number="3-201", building=building
    )
    people = factories.make_residents(community, areas["grid_a"], 2, prefix="包联住户")
    for person in people:
        registry.update_resident(
            actor=community, resident=person, data={"household": home}, expected_version=1
        )
    member = make_volunteer(
        community, areas["community"], "党员甲", is_party_member=True, state=PoolState.ACTIVE
    )
    member.user = factories.make_user(Role.VOLUNTEER, areas["community"], username="member")
    member.save(update_fields=["user"])
    services.pair(actor=community, volunteer=member, building=building)
    care = quarantine(community, people[0])
    today = timezone.localdate()
    campaign = create_campaign(
        actor=community,
        area=areas["community"],
        title="返乡人员摸排",
        starts_on=today - datetime.timedelta(days=1),
        due_on=today + datetime.timedelta(days=3),
    )
    return home, people, care, campaign


def test_a_party_member_looks_after_their_household_on_a_phone(page, live_server, paired):
    home, people, _care, campaign = paired
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "member")
    panel = page.locator("#my-pairing-panel")
    assert panel.locator("[data-stat=households]").inner_text() == "1"
    assert panel.locator("[data-stat=awaiting]").inner_text() == "1"
    with page.expect_navigation():
        panel.get_by_role("link", name="我的包联户").click()
    card = page.locator("a.household", has_text="3-201")
    assert "1 人需关注" in card.inner_text()
    with page.expect_navigation():
        card.click()

    # 代报体温 for the quarantined member: a wrong reading is refused beside the field.
    person = page.locator(".person", has_text=people[0].name)
    person.get_by_text("代报体温").click()
    person.get_by_label("体温").fill("46")
    with page.expect_navigation():
        person.get_by_role("button", name="保存体温").click()
    person = page.locator(".person", has_text=people[0].name)
    assert person.locator(".invalid-feedback").count() >= 1
    assert not CheckIn.objects.exists()
    person.get_by_label("体温").fill("36.6")
    with page.expect_navigation():
        person.get_by_role("button", name="保存体温").click()
    assert f"已记录{people[0].name}的体温" in page.locator(".alert-success").inner_text()
    assert CheckIn.objects.get().source == CheckInSource.PAIRED
    assert "36.6℃" in page.locator(".person", has_text=people[0].name).inner_text()

    # The phone, for a reason: shown in place (HTMX) as a number to call.
    other = page.locator(".person", has_text=people[1].name)
    other.get_by_placeholder("查看原因，如：电话随访").fill("电话随访")
    other.get_by_role("button", name="查看电话").click()
    page.wait_for_selector(f"#phone-{people[1].pk} a[href^='tel:']")
    assert people[1].phone in other.inner_text()

    # 入户走访 for the running campaign, counted as any other visit.
    form = page.locator("#visit-form")
    form.get_by_text("已入户", exact=True).click()
    form.get_by_label("在户人数").fill("2")
    with page.expect_navigation():
        form.get_by_role("button", name="保存走访").click()
    assert "已登记走访：3-201" in page.locator(".alert-success").inner_text()
    visit = Visit.objects.get()
    assert (visit.campaign, visit.household, visit.people_found) == (campaign, home, 2)
    no_sideways_scroll(page)
    shot(page, "pairing-household-phone")


def test_the_community_pairs_a_building_and_sees_the_coverage_follow(page, live_server, paired):
    """社区: 未包联户 names 3-202, a household with nobody; a pairing of its household number
    through 新增 (a wrong number refused beside the field) takes it off the list."""
    home = paired[0]
    community = User.objects.get(username="community")
    registry.create_household(actor=community, area=home.area, number="3-202")
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/pairing/coverage/")
    grid = page.locator(f"tr[data-area='{home.area.code}']")
    assert grid.inner_text().split()[1:4] == ["2", "1", "1"]  # households, covered, not
    with page.expect_navigation():
        grid.get_by_role("link", name="1", exact=True).last.click()
    assert "3-202" in page.locator("main table").inner_text()
    assert "3-201" not in page.locator("main table").inner_text()

    page.goto(f"{live_server.url}/pairing/")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="新增").first.click()
    page.get_by_label("包联党员").select_option(label="党员甲（海棠花语社区）")
    page.get_by_label("网格").select_option(value=str(home.area.pk))
    page.get_by_label("户编号").fill("3-999")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="保存").click()
    assert "该网格内没有户编号为“3-999”的户" in page.locator("main").inner_text()
    page.get_by_label("户编号").fill("3-202")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="保存").click()
    assert "已保存" in page.locator(".alert-success").inner_text()
    assert "3-202" in page.locator("main table").inner_text()
    page.goto(f"{live_server.url}/pairing/coverage/")
    grid = page.locator(f"tr[data-area='{home.area.code}']")
    assert grid.inner_text().split()[1:4] == ["2", "2", "0"]
    shot(page, "pairing-coverage")


def test_the_dashboard_counts_coverage_and_opens_the_uncovered_list(page, live_server, paired):
    """社区 on a phone: the dashboard's 党员包联 figures are the coverage page's, and
    未包联户 opens the list of exactly those households."""
    home = paired[0]
    community = User.objects.get(username="community")
    registry.create_household(actor=community, area=home.area, number="3-202")
    registry.create_household(actor=community, area=home.area, number="3-203")
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/dashboard/")
    figures = page.locator("#figures")
    assert "党员包联" in figures.inner_text()
    covered = figures.locator("[data-figure=pairing_covered] a")
    uncovered = figures.locator("[data-figure=pairing_uncovered] a")
    assert (covered.inner_text(), uncovered.inner_text()) == ("1", "2")
    no_sideways_scroll(page)
    shot(page, "dashboard-pairing-phone")
    with page.expect_navigation():
        uncovered.click()
    assert "/pairing/coverage/uncovered/" in page.url
    listed = page.locator("main table tbody").inner_text()
    assert "3-202" in listed and "3-203" in listed and "3-201" not in listed
