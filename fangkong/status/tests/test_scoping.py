"""A grid worker of grid_a neither reads nor writes grid_b's health and status rows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fangkong.health.models import Assignment, CheckIn
from fangkong.health.selectors import assignment_list, checkin_list, nat_test_list
from fangkong.health.services import create_assignment, record_nat_result
from fangkong.status.filtersets import PersonStatusFilterSet
from fangkong.status.selectors import colour_counts, residents_with_colour, status_list
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident, today
from fangkong.tracing.models import Case
from fangkong.tracing.selectors import case_list


@pytest.fixture
def grid_b_person(areas):
    r = make_resident(areas["grid_b"], name="乙网格人")
    a = Assignment.objects.create(
        resident=r,
        kind="home_quarantine",
        start_date=today() - datetime.timedelta(days=2),
        end_date=today() + datetime.timedelta(days=12),
    )
    CheckIn.objects.create(
        assignment=a,
        date=today(),
        slot="am",
        temperature="36.5",
        source="staff",
        recorded_at=timezone.now(),
    )
    Case.objects.create(resident=r, kind="confirmed", confirmed_at=timezone.now())
    recompute_status([r.pk], cause="测试")
    return r


def test_selectors_return_nothing_of_another_grid(users, grid_b_person):
    ga, gb = users["grid_a"], users["grid_b"]
    assert (assignment_list(ga).count(), assignment_list(gb).count()) == (0, 1)
    assert (checkin_list(ga).count(), checkin_list(gb).count()) == (0, 1)
    assert (case_list(ga).count(), case_list(gb).count()) == (0, 1)
    assert (status_list(ga).count(), status_list(gb).count()) == (0, 1)
    assert residents_with_colour(ga, "red").count() == 0
    assert colour_counts(ga) == {"green": 0, "yellow": 0, "red": 0}
    assert colour_counts(users["street"]) == {"green": 0, "yellow": 0, "red": 1}
    assert nat_test_list(ga).count() == 0


def test_everyone_red_in_a_district(users, areas, grid_b_person):
    miyi = make_resident(areas["grid_c"], name="米易人")
    recompute_status([miyi.pk], cause="测试")
    renhe = residents_with_colour(users["command"], "red", area=areas["renhe"])
    assert [s.resident.name for s in renhe] == ["乙网格人"]
    assert residents_with_colour(users["command"], "red", area=areas["miyi"]).count() == 0
    fs = PersonStatusFilterSet(
        {"colour": "red", "reason": "case"}, queryset=status_list(users["command"])
    )
    assert [s.resident.name for s in fs.qs] == ["乙网格人"]


def test_services_refuse_another_grid(users, grid_b_person):
    with pytest.raises(PermissionDenied):
        create_assignment(
            actor=users["grid_a"],
            resident=grid_b_person,
            kind="health_monitoring",
            start_date=today(),
            end_date=today() + datetime.timedelta(days=14),
        )
    with pytest.raises(PermissionDenied):
        record_nat_result(
            actor=users["grid_a"],
            resident=grid_b_person,
            sampled_at=timezone.now(),
            result="negative",
            institution="医院",
        )
    assert Assignment.objects.count() == 1


def test_colour_counts_equal_a_count_of_the_statuses_in_scope(users, areas, grid_b_person):
    """The list's colour totals add up the kept per-grid counts: the same as counting."""
    from django.db.models import Count

    from fangkong.status.models import PersonStatus

    for name in ("grid_c", "Miyi"):
        recompute_status([make_resident(areas["grid_c"], name=name).pk], cause="测试")
    for user in users.values():
        direct = dict(
            PersonStatus.objects.visible_to(user)
            .values_list("colour")
            .annotate(n=Count("pk"))
            .order_by()
        )
        expected = {c: direct.get(c, 0) for c in ("green", "yellow", "red")}
        assert colour_counts(user) == expected, user.username
    assert colour_counts(users["command"], area=areas["miyi"])["green"] == 2
