"""What each low-privilege role may open among the navbar's lists, against a table written
out here; and the volunteer role's own record only, on every way out (list, detail, API,
export). The lists are found by walking the whole navbar, so a new entry fails here until
the table says which of these roles may open it."""

import datetime

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.testing.factories import make_user
from fangkong.core.tests.test_navbar import _menus
from fangkong.volunteers import services
from fangkong.volunteers.models import Assignment
from fangkong.volunteers.tests.conftest import (
    give_account,
    make_need,
    make_volunteer,
    running_now,
)

FREE = {"available_days": "每天", "available_times": "全天"}

# Every navbar list (URL name) that a role may open; any other navbar entry is refused.
EVERYONE = {"duty:inbox", "status:verify", "venues:venue_list"}  # notices, 验码, venues
MAY_OPEN: dict[str, set[str]] = {
    # 网格员: residents, screening, health, status, scans and volunteers of their grid.
    "grid_worker": EVERYONE
    | {"areas:area_tree", "dashboard:dashboard"}
    | {"registry:resident_list", "registry:household_list", "registry:building_list"}
    | {"registry:resident_import"}
    | {"screening:campaign_list", "screening:visit_list", "screening:finding_list"}
    | {"health:assignment_list", "health:alert_list", "health:overdue_list"}
    | {"health:nat_list", "health:certificate_list"}
    | {"status:status_list", "status:override_list"}
    | {"risk:level_list", "risk:designation_list", "tracing:case_list", "tracing:contact_list"}
    | {"venues:scan_list", "venues:outing_list"}
    | {"volunteers:volunteer_list", "volunteers:certificate_list"}
    | {"volunteers:party_report_list", "volunteers:need_list", "volunteers:batch_list"}
    | {"volunteers:assignment_list", "volunteers:shift_list", "volunteers:team_list"}
    | {"duty:shift_list", "duty:coverage", "duty:handover_list"}
    | {"enterprises:enterprise_list", "enterprises:employee_list"}
    | {"prices:market_list", "prices:trend", "prices:alert_list"}
    | {"pairing:pairing_list"},
    # 企业联络员: the enterprises they are bound to, nothing about residents or volunteers.
    "liaison": EVERYONE
    | {"areas:area_tree", "dashboard:dashboard"}
    | {"enterprises:enterprise_list", "enterprises:employee_list"}
    | {"enterprises:application_list", "enterprises:report_list"}
    | {"enterprises:missing_reports", "enterprises:inspection_list"}
    | {"enterprises:problem_list", "enterprises:difficulty_list"},
    # 督导员: inspection groups, visits, the problem ledger; no personal lists.
    "inspector": EVERYONE
    | {"areas:area_tree", "dashboard:dashboard", "risk:designation_list"}
    | {"supervision:group_list", "supervision:visit_list", "supervision:visit_add"}
    | {"supervision:problem_list", "supervision:summary"},
    # 志愿者: their own record, tasks, service hours and certificate — nobody else's; a party
    # member, the households they are assigned (包联).
    "volunteer": EVERYONE
    | {"volunteers:volunteer_list", "volunteers:certificate_list", "volunteers:my_tasks"}
    | {"pairing:my_households"}
    | {"volunteers:assignment_list", "volunteers:shift_list"},
}


def _navbar_lists(client: Client, user) -> set[str]:
    return {
        resolve(url.split("?")[0]).view_name
        for entries in _menus(client, user).values()
        for url in entries
    }


@pytest.fixture
def low_roles(users, areas):
    return {
        "grid_worker": users["grid_a"],
        "liaison": make_user(Role.ENTERPRISE_LIAISON, areas["community"], username="liaison"),
        "inspector": make_user(Role.INSPECTOR, areas["city"], username="inspector"),
        "volunteer": users["volunteer"],
    }


@pytest.mark.parametrize("role", sorted(MAY_OPEN))
def test_each_low_role_opens_exactly_the_lists_of_its_table_row(low_roles, areas, role):
    client = Client()
    user = low_roles[role]
    everything = _navbar_lists(client, make_user(Role.COMMAND, areas["city"], superuser=True))
    everything |= _navbar_lists(client, user)  # entries for one role only (我的任务)
    client.force_login(user)
    opened = {name for name in sorted(everything) if client.get(reverse(name)).status_code == 200}
    assert opened == MAY_OPEN[role]
    assert _navbar_lists(client, user) == opened  # shown in the navbar is what opens


def test_a_volunteer_sees_their_own_record_and_shifts_only(users, areas):
    cmd = users["command"]
    me = make_volunteer(cmd, areas["grid_a"], "张志愿", **FREE)
    neighbour = make_volunteer(cmd, areas["grid_a"], "李邻居", **FREE)
    account = give_account(cmd, me)
    # Both sent to the same post: my task and shift pages must still not show my neighbour.
    need = make_need(cmd, areas["grid_a"], "东门值守", **running_now())
    batch = services.dispatch_batch(actor=cmd, name="东门", needs=[(need, 2)], area=areas["grid_a"])
    mine = Assignment.objects.get(batch=batch, volunteer=me)
    assert Assignment.objects.filter(batch=batch, volunteer=neighbour).exists()
    services.respond_assignment(actor=account, assignment=mine, accept=True)
    start = timezone.now() - datetime.timedelta(hours=2)
    shift = services.check_in(actor=account, assignment=mine, at=start)
    services.check_out(actor=account, shift=shift, at=start + datetime.timedelta(hours=1))
    client = Client()
    client.force_login(account)
    others = (neighbour.name, neighbour.phone, neighbour.id_number, neighbour.phone[-4:])

    for name in sorted(MAY_OPEN["volunteer"] - EVERYONE):
        body = client.get(reverse(name)).content.decode()
        assert not [v for v in others if v in body], name
    body = client.get(reverse("volunteers:volunteer_list")).content.decode()
    assert me.name in body
    assert me.phone not in body and me.id_number not in body  # masked, even their own
    detail = reverse("volunteers:volunteer_detail", args=[me.pk])
    assert me.name in client.get(detail).content.decode()
    assert "东门值守" in client.get(reverse("volunteers:shift_list")).content.decode()
    for path in ("volunteer_detail", "volunteer_edit", "volunteer_certificate"):
        assert client.get(reverse(f"volunteers:{path}", args=[neighbour.pk])).status_code in (
            403,
            404,
        ), path
    assert client.get(reverse("volunteers:volunteer_list") + "?export=xlsx").status_code == 403

    api = client.get("/api/v1/volunteers/").json()
    assert [row["name"] for row in api["results"]] == [me.name]
    assert me.phone not in str(api) and me.id_number not in str(api)
    assert client.get(f"/api/v1/volunteers/{neighbour.pk}/").status_code == 404
    for path in ("volunteer-tasks", "volunteer-shifts"):
        assert client.get(f"/api/v1/{path}/").status_code == 200, path
    for path in ("volunteer-needs", "volunteer-teams", "party-reports"):
        assert client.get(f"/api/v1/{path}/").status_code == 403, path
