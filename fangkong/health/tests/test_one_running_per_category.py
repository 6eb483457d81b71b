"""A person is in one quarantine (and one health monitoring) at a time: a second one of the
other kind of the same category (home and central quarantine) would count them twice among
隔离中人员; a transfer releases the first assignment, then starts the next."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.dashboard.figures import figure_values
from fangkong.health.services import create_assignment, release_assignment
from fangkong.status.testing import make_resident


def test_home_then_central_quarantine_counts_the_person_once(areas, users):
    today = timezone.localdate()
    r = make_resident(areas["grid_a"], name="转运者")
    actor = users["community"]
    home = create_assignment(
        actor=actor,
        resident=r,
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=13),
    )
    with pytest.raises(ValidationError) as refused:
        create_assignment(
            actor=actor,
            resident=r,
            kind="central_quarantine",
            start_date=today,
            end_date=today + datetime.timedelta(days=13),
        )
    assert "已有进行中的居家隔离安排" in str(refused.value)
    keys = ["quarantined", "monitored"]
    assert figure_values(users["command"], areas["city"], today, keys) == {
        "quarantined": 1,
        "monitored": 0,
    }
    # Monitoring is another category: allowed alongside.
    create_assignment(
        actor=actor,
        resident=r,
        kind="health_monitoring",
        start_date=today,
        end_date=today + datetime.timedelta(days=6),
    )
    # The transfer: release the home quarantine, then the central one starts.
    release_assignment(actor=actor, assignment=home, note="转集中隔离")
    create_assignment(
        actor=actor,
        resident=r,
        kind="central_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=13),
    )
    assert figure_values(users["command"], areas["city"], today, keys) == {
        "quarantined": 1,
        "monitored": 1,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sessions_at_once_store_one_quarantine(areas, users):
    """Two people enter a quarantine for one resident at the same moment: the second waits
    for the first and is refused by the rule, rather than both passing the check before
    either has written, which would count the person twice among 隔离中人员."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted
    from fangkong.health.models import Assignment

    today = timezone.localdate()
    r = make_resident(areas["grid_a"], name="同时录入")

    def enter(kind: str):
        return lambda: create_assignment(
            actor=users["community"],
            resident=r,
            kind=kind,
            start_date=today,
            end_date=today + datetime.timedelta(days=13),
        )

    race = second_while_first_uncommitted(enter("home_quarantine"), enter("central_quarantine"))
    assert race.first is None
    assert isinstance(race.second, ValidationError), race.second
    assert "已有进行中的居家隔离安排" in str(race.second)
    assert race.second_waited
    assert list(Assignment.objects.filter(resident=r).values_list("kind", flat=True)) == [
        "home_quarantine"
    ]
