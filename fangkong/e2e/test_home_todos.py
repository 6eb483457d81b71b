"""The home page tells the community what waits for it: a quarantined person's going-out
request registered by the grid worker, a positive result nobody has reviewed. Neither said a
word anywhere: the request waited until someone happened to open 外出审批报备 (the person stood
at the gate), and the positive person stayed red until someone filtered the test list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.testing import factories
from fangkong.health.models import Assignment, NucleicAcidTest
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.venues import services

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def waiting(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    now = timezone.now()
    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate()
    Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=5),
    )
    outing = services.request_outing(
        actor=users["grid_a"],
        resident=person,
        reason="就医：血液透析",
        destination="市中心医院",
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=3),
    )
    # One the community registered itself (a phone call from the family): not for it to
    # approve, so neither counted nor listed under 待办.
    other = make_resident(areas["grid_a"], name="钱居家")
    Assignment.objects.create(
        resident=other,
        kind="home_quarantine",
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=6),
    )
    services.request_outing(
        actor=users["community"],
        resident=other,
        reason="取药",
        destination="社区卫生服务中心",
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=1),
    )
    positive = NucleicAcidTest.objects.create(
        resident=make_resident(areas["grid_b"], name="周阳性"),
        sampled_at=now - datetime.timedelta(hours=6),
        result="positive",
        institution="市疾控中心",
    )
    recompute_status([person.pk, other.pk, positive.resident_id], cause="测试")
    return outing, positive


def test_the_home_page_lists_what_waits_for_the_user_and_leads_to_it(page, live_server, waiting):
    outing, positive = waiting
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/")
    todos = page.locator("#home-todos")
    assert todos.locator("[data-todo=outings]").inner_text().split() == ["外出申请待审批", "1"]
    assert todos.locator("[data-todo=positives]").inner_text().split() == ["阳性结果待复核", "1"]
    shot(page, "home-todos")
    # Each click loads a page: the assertions wait for it (a loaded machine counted before).
    todos.locator("[data-todo=outings]").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)  # what the count said
    page.click(f"main a[href$='/venues/outings/{outing.pk}/']")
    expect(page.locator("button[value=approve]")).to_have_count(1)
    page.goto(f"{live_server.url}/")
    page.locator("#home-todos [data-todo=positives]").click()
    page.click(f"main a[href$='/health/tests/{positive.pk}/']")
    expect(page.locator("[data-pending-review]")).to_have_count(1)

    # The grid worker may approve the community's request, not the one they registered,
    # and does not review test results.
    page.context.clear_cookies()
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/")
    todos = page.locator("#home-todos [data-todo]")
    assert [t.split() for t in todos.all_inner_texts()] == [["外出申请待审批", "1"]]
    todos.click()
    expect(page.locator("main table tbody")).to_contain_text("社区卫生服务中心")
    assert "市中心医院" not in page.inner_text("main table tbody")
