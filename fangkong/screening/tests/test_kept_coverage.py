"""The coverage kept at write (``screening.coverage``) equals the direct count — households
per area, and per campaign and area the households a visit before a day's end found in or
moved out (whatever came after), for every day — after a generated sequence of visits in any
time order, visits corrected and deleted, households created, moved between grids and
deleted, and after ``rebuild``."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.registry.models import Household
from fangkong.registry.services import delete_household, update_household
from fangkong.screening import coverage
from fangkong.screening.models import Campaign, CoverageCount, HouseholdCount, Visit
from fangkong.screening.services import record_visit
from fangkong.status.clock import at_local, local_date
from fangkong.status.testing import make_household, today

pytestmark = pytest.mark.django_db

GRIDS = ("grid_a", "grid_b", "grid_c")


def campaign_days() -> list[datetime.date]:
    """The campaigns' eight days, the last one today."""
    return [today() - datetime.timedelta(days=d) for d in range(7, -1, -1)]


def direct_visited(day: datetime.date) -> dict[tuple[int, int], int]:
    """(campaign, area of the household now) → households that a visit up to the day's end
    found in or moved out, whatever came after, walked in Python."""
    done: dict[tuple[int, int], int] = {}
    for v in Visit.objects.select_related("household"):
        if local_date(v.visited_at) <= day and v.outcome in ("visited", "vacant"):
            done[(v.campaign_id, v.household_id)] = v.household.area_id
    out: dict[tuple[int, int], int] = defaultdict(int)
    for (campaign, _h), area in done.items():
        out[(campaign, area)] += 1
    return dict(out)


def kept_visited(day: datetime.date) -> dict[tuple[int, int], int]:
    rows = (
        CoverageCount.objects.filter(day__lte=day)
        .values_list("campaign_id", "area_id")
        .annotate(n=Sum("visited"))
    )
    return {(c, a): n for c, a, n in rows if n}


def assert_kept_right() -> None:
    for day in campaign_days():
        assert kept_visited(day) == direct_visited(day), day
    households = dict(Household.objects.values_list("area_id").annotate(n=Count("pk")))
    assert dict(HouseholdCount.objects.exclude(n=0).values_list("area_id", "n")) == households


@pytest.fixture
def setting(areas, users):
    staff = users["command"]
    campaigns = [
        Campaign.objects.create(
            area=areas[name],
            title=name,
            starts_on=campaign_days()[0],
            due_on=today(),
            created_by=staff,
        )
        for name in ("city", "street")
    ]
    households = [make_household(areas[GRIDS[i % 3]], f"K{i}") for i in range(12)]
    return campaigns, households


def _visit(users, areas, campaigns, households, rng: random.Random) -> None:
    household = rng.choice(households)
    household.refresh_from_db()
    grid = next(g for g in GRIDS if areas[g].pk == household.area_id)
    campaign = rng.choice([c for c in campaigns if household.area.is_within(c.area)])
    record_visit(
        actor=users[grid],
        campaign=campaign,
        household=household,
        outcome=rng.choice(("visited", "visited", "nobody_home", "refused", "vacant")),
        visited_at=min(  # never in the future: the service refuses that
            at_local(rng.choice(campaign_days()), rng.randint(0, 23), rng.randint(0, 59)),
            timezone.now() - datetime.timedelta(minutes=rng.randint(1, 600)),
        ),
    )


def test_kept_coverage_follows_visits_moves_and_deletes(setting, areas, users):
    campaigns, households = setting
    rng = random.Random(11)
    assert_kept_right()
    for _ in range(40):  # visits in any time order: some land before the latest one
        _visit(users, areas, campaigns, households, rng)
    assert_kept_right()
    assert kept_visited(today()) and kept_visited(today()) != kept_visited(campaign_days()[2])
    admin = User.objects.create_superuser(username="root-kept", password="x")
    for household in rng.sample(households, 4):  # moves between grids, visits and all
        household.refresh_from_db()
        target = areas[rng.choice([g for g in GRIDS if areas[g].pk != household.area_id])]
        update_household(
            actor=admin,
            household=household,
            area=target,
            number=household.number,
            expected_version=household.version,
        )
    assert_kept_right()
    for visit in rng.sample(list(Visit.objects.all()), 8):  # corrected, or removed
        with transaction.atomic(), coverage.keeping(visit.household_id):
            if rng.random() < 0.5:
                visit.delete()
            else:
                visit.outcome = rng.choice(("visited", "nobody_home", "refused", "vacant"))
                visit.visited_at = at_local(rng.choice(campaign_days()[:-1]), rng.randint(0, 23))
                visit.save()
    assert_kept_right()
    for _ in range(15):
        _visit(users, areas, campaigns, households, rng)
    spare = make_household(areas["grid_b"], "spare")
    delete_household(actor=admin, household=spare)
    make_household(areas["grid_c"], "new")
    assert_kept_right()
    before = kept_visited(today())
    coverage.rebuild()
    assert kept_visited(today()) == before
    assert_kept_right()


def test_rebuild_recounts_a_load(setting, areas, users):
    campaigns, households = setting
    staff = users["command"]
    week = campaign_days()
    Visit.objects.bulk_create(  # a load around the service
        Visit(
            campaign=campaigns[0],
            household=h,
            visited_by=staff,
            visited_at=at_local(week[i % len(week)], 10),
            outcome="visited" if i % 3 else "refused",
            notes="",
        )
        for i, h in enumerate(households)
    )
    assert kept_visited(today()) != direct_visited(today())
    coverage.rebuild()
    assert_kept_right()
