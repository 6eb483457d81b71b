"""修改/移交 a running quarantine or monitoring: a grid worker leaving hands their people to
another (责任网格员), the period is extended; shortening it or changing a released one is
refused, and every change is audited. The permission health.change_assignment had no page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_user
from fangkong.health.models import Assignment
from fangkong.health.services import create_assignment, release_assignment
from fangkong.status.testing import make_resident, today

DAY = datetime.timedelta(days=1)


@pytest.fixture
def quarantine(users, areas):
    return create_assignment(
        actor=users["community"],
        resident=make_resident(areas["grid_a"], name="欧阳明月"),
        kind="home_quarantine",
        start_date=today() - DAY,
        end_date=today() + 12 * DAY,
        responsible=users["grid_a"],
    )


@pytest.fixture
def successor(areas):
    return make_user(Role.GRID_WORKER, areas["grid_a"], username="grid_a2")


def test_community_hands_a_quarantine_over_to_another_grid_worker(
    client, users, quarantine, successor
):
    client.force_login(users["community"])
    url = reverse("health:assignment_edit", args=[quarantine.pk])
    detail = client.get(reverse("health:assignment_detail", args=[quarantine.pk]))
    assert url in detail.content.decode()
    page = client.get(url)
    offered = set(page.context["form"].fields["responsible"].queryset)
    assert offered == {users["grid_a"], successor}  # not grid_b's worker: not her grid
    r = client.post(
        url,
        {
            "responsible": successor.pk,
            "end_date": quarantine.end_date.isoformat(),
            "doctor": "刘医生",
            "version": quarantine.version,
        },
    )
    assert r.status_code == 302
    quarantine.refresh_from_db()
    assert (quarantine.responsible, quarantine.doctor) == (successor, "刘医生")
    entry = AuditEntry.objects.filter(object_id=str(quarantine.pk), action="update").get()
    assert entry.reason == "更换责任网格员"
    # the successor now finds the person on the overdue list filtered to them
    assert list(Assignment.objects.filter(responsible=successor)) == [quarantine]


def test_grid_worker_extends_the_period_but_cannot_shorten_it(client, users, quarantine):
    client.force_login(users["grid_a"])
    url = reverse("health:assignment_edit", args=[quarantine.pk])
    data = {"responsible": users["grid_a"].pk, "version": quarantine.version}
    r = client.post(url, data | {"end_date": (today() + 2 * DAY).isoformat()})
    assert r.status_code == 200
    assert "结束日期只能延后" in r.content.decode()
    assert r.context["form"]["end_date"].value() == (today() + 2 * DAY).isoformat()
    quarantine.refresh_from_db()
    assert quarantine.end_date == today() + 12 * DAY
    r = client.post(url, data | {"end_date": (today() + 19 * DAY).isoformat()})
    assert r.status_code == 302
    quarantine.refresh_from_db()
    assert quarantine.end_date == today() + 19 * DAY


def test_a_worker_of_another_grid_or_a_released_assignment_is_refused(client, users, quarantine):
    client.force_login(users["community"])
    url = reverse("health:assignment_edit", args=[quarantine.pk])
    r = client.post(
        url,
        {"responsible": users["grid_b"].pk, "end_date": quarantine.end_date.isoformat()},
    )
    assert r.status_code == 200
    quarantine.refresh_from_db()
    assert quarantine.responsible == users["grid_a"]
    release_assignment(actor=users["community"], assignment=quarantine, note="转院")
    assert client.get(url).status_code == 403
    body = client.get(reverse("health:assignment_detail", args=[quarantine.pk])).content
    assert url not in body.decode()


def test_another_grids_worker_cannot_open_it(client, users, quarantine):
    client.force_login(users["grid_b"])
    assert client.get(reverse("health:assignment_edit", args=[quarantine.pk])).status_code == 404


def test_grid_worker_requests_an_outing_from_the_quarantine_page(client, users, quarantine):
    """外出审批报备 is for a person under closed-loop management; the grid worker reads their
    ID number masked, so the request starts from the quarantine page and names the person."""
    from fangkong.venues.models import OutingApproval

    client.force_login(users["grid_a"])
    detail = client.get(reverse("health:assignment_detail", args=[quarantine.pk]))
    add = f"{reverse('venues:outing_add')}?resident={quarantine.resident_id}"
    assert add in detail.content.decode()
    page = client.get(add)
    assert "id_number" not in page.context["form"].fields
    now = timezone.localtime()
    r = client.post(
        add,
        {
            "reason": "就医",
            "destination": "市中心医院",
            "starts_at": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    outing = OutingApproval.objects.get()
    assert (outing.resident_id, outing.assignment_id) == (quarantine.resident_id, quarantine.pk)
    release_assignment(actor=users["community"], assignment=quarantine, note="解除")
    detail = client.get(reverse("health:assignment_detail", args=[quarantine.pk]))
    assert add not in detail.content.decode()


def test_a_leaving_grid_workers_people_are_handed_over_at_once(
    client, users, areas, quarantine, successor
):
    """网格员交接: the community moves all of a departing worker's running assignments to a
    colleague in one go, each audited; a released one stays with whoever held it."""
    other = create_assignment(
        actor=users["community"],
        resident=make_resident(areas["grid_a"], name="王五"),
        kind="health_monitoring",
        start_date=today(),
        end_date=today() + 7 * DAY,
        responsible=users["grid_a"],
    )
    done = create_assignment(
        actor=users["community"],
        resident=make_resident(areas["grid_a"], name="赵六"),
        kind="health_monitoring",
        start_date=today() - 3 * DAY,
        end_date=today() + 4 * DAY,
        responsible=users["grid_a"],
    )
    release_assignment(actor=users["community"], assignment=done, note="转院")
    users["grid_a"].is_active = False  # left: the account is switched off first
    users["grid_a"].save(update_fields=["is_active"])
    client.force_login(users["community"])
    url = reverse("health:assignment_handover")
    assert url in client.get(reverse("health:assignment_list")).content.decode()
    r = client.post(url, {"outgoing": users["grid_a"].pk, "incoming": successor.pk})
    assert r.status_code == 302
    assert set(Assignment.objects.filter(responsible=successor)) == {quarantine, other}
    assert Assignment.objects.get(pk=done.pk).responsible == users["grid_a"]
    reasons = set(
        AuditEntry.objects.filter(
            object_id__in=[str(quarantine.pk), str(other.pk)], action="update"
        ).values_list("reason", flat=True)
    )
    assert len(reasons) == 1 and "→" in reasons.pop()


def test_handover_to_a_worker_of_another_grid_moves_nobody(client, users, quarantine):
    client.force_login(users["community"])
    r = client.post(
        reverse("health:assignment_handover"),
        {"outgoing": users["grid_a"].pk, "incoming": users["grid_b"].pk},
    )
    assert r.status_code == 200
    assert "接手网格员不负责以下网格，未作任何移交：第一网格" in r.content.decode()
    quarantine.refresh_from_db()
    assert quarantine.responsible == users["grid_a"]


def test_a_departed_workers_quarantine_must_be_handed_to_someone(
    client, users, quarantine, successor
):
    """With the worker's account switched off, the form opened with 责任网格员 blank, and
    saving it so left the person under quarantine with no one responsible."""
    users["grid_a"].is_active = False
    users["grid_a"].save(update_fields=["is_active"])
    client.force_login(users["community"])
    url = reverse("health:assignment_edit", args=[quarantine.pk])
    page = client.get(url).content.decode()
    assert "已不在岗（账号停用或调离），请选择接手的网格员" in page
    data = {"end_date": quarantine.end_date.isoformat(), "version": quarantine.version}
    r = client.post(url, {**data, "responsible": ""})
    assert r.status_code == 200 and r.context["form"].errors["responsible"]
    quarantine.refresh_from_db()
    assert quarantine.responsible == users["grid_a"]
    assert client.post(url, {**data, "responsible": successor.pk}).status_code == 302
    quarantine.refresh_from_db()
    assert quarantine.responsible == successor
