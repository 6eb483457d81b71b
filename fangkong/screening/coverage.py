"""Screening coverage kept at write, for figures over a whole city (the dashboard): households
per area (``HouseholdCount``, triggers on the household table: every writer, bulk or not) and,
per campaign, area and local day, the change in households counted as visited
(``CoverageCount``: settled by a conclusive visit, ``selectors.settling_visits``).

A household's contribution to a campaign is a step up by one on the local day of its first
conclusive visit (``selectors.first_settled``), and nothing else: a later visit that finds
nobody home or is refused takes nothing back. Any write to its visits or its area is applied
as (its steps after) − (its steps before), computed from its few visits with the household
row locked (``keeping``), so deleting or correcting the conclusive visit moves or removes the
step. The visited households as of a day are the sum of the steps up to that day: the same as
"settled by the day's end" (``selectors.coverage_by_area``), past days included.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import QuerySet, Sum

from fangkong.core.kept_counts import KeptCount
from fangkong.registry.models import Household
from fangkong.status.clock import local_date

from .models import CoverageCount, HouseholdCount, Visit
from .selectors import first_settled

HOUSEHOLD_COUNTS = KeptCount(
    name="screening_householdcount",
    source="registry_household",
    counts="screening_householdcount",
    keys=("area_id",),
)

Steps = dict[tuple[int, int, datetime.date], int]  # (campaign, area, day) → change


def _steps(rows: Iterable[tuple]) -> Steps:
    """The steps of ``(campaign, area, settled_at)``: one up on the day each household was
    settled (no area: counted nowhere)."""
    out: Steps = defaultdict(int)
    for campaign, area, at in rows:
        if area is not None:
            out[(campaign, area, local_date(at))] += 1
    return out


def _household_steps(household_id: int, area_id: int | None) -> Steps:
    if area_id is None:
        return {}
    rows = first_settled(Visit.objects.filter(household_id=household_id))
    return _steps((r["campaign_id"], area_id, r["settled_at"]) for r in rows)


def _add(steps: Steps) -> None:
    """Add the changes to the kept rows, in key order (concurrent writers cannot deadlock)."""
    todo = sorted((k, n) for k, n in steps.items() if n)
    if not todo:
        return
    table = CoverageCount._meta.db_table
    day = connection.ops.adapt_datefield_value
    values = ", ".join(["(%s, %s, %s, %s)"] * len(todo))
    params = [v for (c, a, d), n in todo for v in (c, a, day(d), n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, area_id, day, visited) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (campaign_id, area_id, day) "
            f"DO UPDATE SET visited = {table}.visited + EXCLUDED.visited",
            params,
        )


def _area(household_id: int, *, lock: bool) -> int | None:
    qs = Household.objects.filter(pk=household_id)
    if lock:
        qs = qs.select_for_update()
    return qs.values_list("area_id", flat=True).first()


@contextlib.contextmanager
def keeping(household_id: int) -> Iterator[None]:
    """Around a write of the household's visits or of its area, in the writer's transaction:
    the household row is locked, and its steps after the write replace those before."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("coverage.keeping runs inside the writer's transaction")
    area = _area(household_id, lock=True)
    before = _household_steps(household_id, area)
    yield
    after = _household_steps(household_id, _area(household_id, lock=False))
    change: Steps = defaultdict(int, after)
    for key, n in before.items():
        change[key] -= n
    _add(change)


def rebuild() -> None:
    """Recount households per area and every campaign's steps from the records: after a
    load that wrote visits or households around the services (bench, demo, test cities)."""
    HOUSEHOLD_COUNTS.rebuild()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute(f"LOCK TABLE {Visit._meta.db_table} IN SHARE MODE")
        rebuild_steps(Visit, CoverageCount)


def rebuild_steps(visit_model, count_model) -> None:
    """Every campaign's steps recounted (the models: the migration passes its historical
    ones)."""
    count_model.objects.all().delete()
    rows = first_settled(visit_model.objects.all(), "household__area_id").iterator(
        chunk_size=10_000
    )
    steps = _steps((r["campaign_id"], r["household__area_id"], r["settled_at"]) for r in rows)
    count_model.objects.bulk_create(
        (
            count_model(campaign_id=c, area_id=a, day=d, visited=n)
            for (c, a, d), n in steps.items()
            if n
        ),
        batch_size=5_000,
    )


def kept_coverage_by_area(
    counts: QuerySet[HouseholdCount], campaigns, day: datetime.date
) -> dict[int, dict[str, int]]:
    """Per area of ``counts`` (the households kept per area, scoped): the households each of
    ``campaigns`` targets (those under its area) and those visited as of ``day``, summed
    over the campaigns — ``selectors.coverage_by_area`` from the kept counts."""
    out: dict[int, dict[str, int]] = {}

    def part(area_id: int) -> dict[str, int]:
        return out.setdefault(area_id, {"households": 0, "visited": 0})

    for campaign in campaigns:
        under = counts.filter(area__path__startswith=campaign.area.path)
        for area_id, n in under.values_list("area_id", "n"):
            part(area_id)["households"] += n
        visited = (
            CoverageCount.objects.filter(
                campaign=campaign, day__lte=day, area_id__in=under.values("area_id")
            )
            .values("area_id")
            .annotate(v=Sum("visited"))
            .order_by()
        )
        for row in visited:
            part(row["area_id"])["visited"] += row["v"]
    return out
