"""Read paths of 包联. Every function takes a queryset that already went through
``visible_to(user)``, or reads a party member's own rows through ``services``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.registry.models import Household
from fangkong.registry.selectors import with_member_count
from fangkong.status.clock import local_date

from .models import SERVING, Pairing


def pairing_list(qs: QuerySet[Pairing]) -> QuerySet[Pairing]:
    """Rows with what the list shows: the volunteer, the grid, the target and, for a
    building, how many households it holds today."""
    in_building = (
        Household.objects.filter(building=OuterRef("building"))
        .order_by()
        .values("building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.select_related(
        "volunteer", "volunteer__user", "area", "area__parent", "building", "household__building"
    ).annotate(
        household_count=Case(
            When(household__isnull=False, then=Value(1)),
            default=Coalesce(Subquery(in_building, output_field=IntegerField()), Value(0)),
        )
    )


# --- 包联覆盖: which households some party member looks after ------------------------------


def covered_by(pairings: QuerySet[Pairing]) -> Q:
    """The households ``pairings`` cover: each one paired itself, and every household of a
    paired building (at the time of asking). The one rule for a party member's households
    (``services.paired_households``) and the coverage figures and list."""
    return Q(pk__in=pairings.filter(household__isnull=False).values("household")) | Q(
        building__in=pairings.filter(building__isnull=False).values("building")
    )


def serving() -> QuerySet[Pairing]:
    """Pairings whose party member serves: only they cover a household (a suspended
    member's households count as uncovered, for the community to reassign)."""
    return Pairing.objects.filter(volunteer__state__in=SERVING)


@dataclass
class CoverageRow:
    """One grid's households and how many of them a pairing covers (``label``: the total)."""

    area: Area | None
    households: int = 0
    covered: int = 0
    label: str = ""

    @property
    def uncovered(self) -> int:
        return self.households - self.covered

    @property
    def percent(self) -> int | None:
        """Covered in whole percent, rounded down; ``None`` for a grid without households."""
        return None if not self.households else self.covered * 100 // self.households

    def add(self, other: CoverageRow) -> None:
        self.households += other.households
        self.covered += other.covered


def coverage_by_grid(user) -> list[CoverageRow]:
    """包联覆盖 per grid the user may see, in area order: two queries (the grids, and their
    households counted and covered in one grouped pass), whatever the number of households."""
    grids = list(
        Area.objects.visible_to(user)
        .filter(level=AreaLevel.GRID)
        .select_related("parent")
        .order_by("path")
    )
    rows = {grid.pk: CoverageRow(area=grid) for grid in grids}
    counted = (
        Household.objects.visible_to(user)
        .values("area_id")
        .annotate(households=Count("pk"), covered=Count("pk", filter=covered_by(serving())))
        .order_by()
    )
    for row in counted:
        grid = rows.get(row["area_id"])
        if grid is not None:
            grid.households, grid.covered = row["households"], row["covered"]
    return list(rows.values())


def uncovered_households(qs: QuerySet[Household]) -> QuerySet[Household]:
    """未包联户 of ``qs`` (already ``visible_to``): no pairing covers them; with their grid,
    building and member count, in grid and number order."""
    qs = qs.exclude(covered_by(serving()))
    return with_member_count(qs.select_related("area", "area__parent", "building")).order_by(
        "area", "number"
    )


# --- a party member's own households -------------------------------------------------------


def open_campaigns(household: Household):
    """Running 摸排行动 that screen ``household``, each with the household's standing visit
    (``standing``: ``None`` before the first visit)."""
    from fangkong.screening.models import Campaign
    from fangkong.screening.selectors import standing_visit

    campaigns = list(
        Campaign.objects.covering(household.area)
        .filter(closed=False, starts_on__lte=local_date(timezone.now()))
        .order_by("-starts_on", "pk")
    )
    for campaign in campaigns:
        campaign.standing = standing_visit(campaign, household)
    return campaigns


def members(households) -> dict[int, list]:
    """The residents of ``households`` by household, with what their party member looks at:
    the status colour (``colour``), an active quarantine or monitoring (``care``) and its
    check-ins today (``today``). Four queries, however many households."""
    from fangkong.health.choices import AssignmentState
    from fangkong.health.models import Assignment, CheckIn
    from fangkong.registry.models import Resident

    people = list(
        Resident.objects.filter(household__in=[h.pk for h in households])
        .select_related("status")
        .order_by("birth_date", "name", "pk")
    )
    cares = {
        a.resident_id: a
        for a in Assignment.objects.filter(
            resident__in=[p.pk for p in people], state=AssignmentState.ACTIVE
        ).order_by("start_date", "pk")
    }
    done: dict[int, list] = {}
    for checkin in CheckIn.objects.filter(
        assignment__in=[a.pk for a in cares.values()], date=local_date(timezone.now())
    ).order_by("slot"):
        done.setdefault(checkin.assignment_id, []).append(checkin)
    by_household: dict[int, list] = {h.pk: [] for h in households}
    for person in people:
        person.care = cares.get(person.pk)
        person.today = done.get(person.care.pk, []) if person.care else []
        person.colour = getattr(person, "status", None)
        by_household[person.household_id].append(person)
    return by_household


def awaiting_temperature(households: QuerySet[Household]) -> int:
    """Members of ``households`` under an active quarantine or monitoring with fewer than
    two check-ins today (上午 and 下午)."""
    from fangkong.health.choices import AssignmentState
    from fangkong.health.models import Assignment, CheckIn

    today = local_date(timezone.now())
    done = (
        CheckIn.objects.filter(assignment=OuterRef("pk"), date=today)
        .order_by()
        .values("assignment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Assignment.objects.filter(
            state=AssignmentState.ACTIVE, resident__household__in=households.values("pk")
        )
        .annotate(done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)))
        .filter(done__lt=2)
        .count()
    )


def party_members_of(household: Household) -> list:
    """The serving party members who look after ``household``: paired to it or to its
    building."""
    from django.db.models import Q

    pairings = serving().filter(
        Q(household=household)
        | (Q(building_id=household.building_id) if household.building_id else Q(pk__in=[]))
    )
    return list(pairings.select_related("volunteer").order_by("volunteer__name", "volunteer_id"))
