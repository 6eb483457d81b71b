"""网格员交接 in a real browser: a grid worker leaves; the community stops the account, is told
who is still in their care, and hands every running quarantine of theirs to a colleague of the
same grid in one step. A colleague of another grid is refused and nothing moves."""

import datetime

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.testing import factories
from fangkong.health.models import Assignment
from fangkong.status.testing import make_resident

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    users["grid_a2"] = factories.make_user(Role.GRID_WORKER, areas["grid_a"], username="grid_a2")
    today = timezone.localdate()

    def assign(name, **extra):
        return Assignment.objects.create(
            resident=make_resident(areas["grid_a"], name=name),
            kind="home_quarantine",
            start_date=today - datetime.timedelta(days=2),
            end_date=today + datetime.timedelta(days=5),
            responsible=users["grid_a"],
            **extra,
        )

    running = [assign("赵居家"), assign("钱居家")]
    released = assign("孙已解", state="released", released_at=timezone.now())
    return users, running, released


def test_a_leaving_grid_worker_s_people_go_to_a_colleague_at_once(page, live_server, city):
    users, running, released = city
    leaving = users["grid_a"]
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/accounts/users/{leaving.pk}/")
    page.fill("#id_deactivate_reason", "调离")
    page.click("button:has-text('停用账号')")
    warning = "该账号仍是：2 项进行中的隔离/监测安排的责任网格员。请尽快移交"
    assert warning in page.inner_text("main")
    page.click("[data-field=holdings] a:has-text('网格员交接')")
    assert page.locator("#id_outgoing").input_value() == str(leaving.pk)
    offered = page.eval_on_selector_all("#id_incoming option", "os => os.map(o => o.value)")
    assert str(leaving.pk) not in offered  # a stopped account takes nobody over

    # Another grid's worker does not look after these people: refused, nothing moved.
    page.select_option("#id_incoming", str(users["grid_b"].pk))
    page.click("main form button[type=submit]")
    assert "接手网格员不负责以下网格，未作任何移交：第一网格" in page.inner_text("main")
    assert set(Assignment.objects.values_list("responsible", flat=True)) == {leaving.pk}

    page.select_option("#id_incoming", str(users["grid_a2"].pk))
    page.click("main form button[type=submit]")
    assert "已将 2 项进行中的隔离/监测安排移交给" in page.inner_text("main")
    shot(page, "handover-done")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    assert {"赵居家", "钱居家"} <= set(" ".join(rows.all_inner_texts()).split())
    for assignment in running:
        assignment.refresh_from_db()
        assert assignment.responsible_id == users["grid_a2"].pk
    released.refresh_from_db()
    assert released.responsible_id == leaving.pk  # a finished one stays on record as it was
