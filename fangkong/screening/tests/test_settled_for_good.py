"""A household found in (or found moved out) is done for the campaign: a follow-up that finds
nobody home or is refused takes nothing back. The coverage used to follow a household's
latest visit, so a colleague's return visit made the drive's figures go down on every page,
list, export, home panel and daily report; each of them now says the same, past days too."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from fangkong.areas.choices import AreaLevel
from fangkong.dashboard.figures import figure_values
from fangkong.registry.models import Household
from fangkong.screening import coverage
from fangkong.screening.models import CoverageCount, Finding, HouseholdCount, Visit
from fangkong.screening.selectors import coverage_by_area, unvisited_households
from fangkong.screening.services import create_campaign, record_visit
from fangkong.screening.tests.test_views import read_xlsx
from fangkong.status.clock import at_local, end_of_day
from fangkong.status.testing import make_household, make_resident, today

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MIGRATION = "0007_recount_coverage_settled_for_good"


def campaign_days() -> list[datetime.date]:
    """The campaign's first day to today."""
    return [today() - n * DAY for n in range(4, -1, -1)]


def ago(days: int) -> datetime.datetime:
    return at_local(today() - days * DAY, 10)


@pytest.fixture
def drive(users, areas):
    """grid_a: A-1 found in, then nobody home, then refused; A-2 nobody home only; A-3
    moved out, then nobody home. grid_b: B-1 never visited."""
    c = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="入户排查",
        starts_on=campaign_days()[0],
        due_on=today() + 3 * DAY,
    )
    h = {
        n: make_household(areas[g], n)
        for n, g in (("A-1", "grid_a"), ("A-2", "grid_a"), ("A-3", "grid_a"), ("B-1", "grid_b"))
    }
    worker = users["grid_a"]
    for number, outcome, days, people in (
        ("A-1", "visited", 3, 3),
        ("A-1", "nobody_home", 2, 0),
        ("A-1", "refused", 1, 0),
        ("A-2", "nobody_home", 2, 0),
        ("A-3", "vacant", 3, 0),
        ("A-3", "nobody_home", 1, 0),
    ):
        record_visit(
            actor=worker,
            campaign=c,
            household=h[number],
            outcome=outcome,
            visited_at=ago(days),
            people_found=people,
        )
    return c, h


def kept(campaign, day) -> dict[str, tuple[int, int]]:
    """Grid name → (households, visited) as of the day's end, from the kept counts."""
    rows = coverage.kept_coverage_by_area(HouseholdCount.objects.all(), [campaign], day)
    return _named(rows)


def live(campaign, day) -> dict[str, tuple[int, int]]:
    """The same, counted from the visits (``selectors.coverage_by_area``)."""
    rows = coverage_by_area(Household.objects.all(), [campaign], until=end_of_day(day))
    return _named(rows)


def _named(rows) -> dict[str, tuple[int, int]]:
    names = dict(HouseholdCount.objects.values_list("area_id", "area__name"))
    return {names[a]: (r["households"], r["visited"]) for a, r in rows.items()}


def visited_by_day(campaign, users, areas) -> list[int]:
    """The community's 已入户户次 on each day's dashboard (and daily report), as the street
    sees it, after checking that the kept counts and the live count agree on the day."""
    out = []
    for day in campaign_days():
        assert kept(campaign, day) == live(campaign, day), day
        figures = figure_values(users["street"], areas["community"], day, ["screening_visited"])
        out.append(figures["screening_visited"])
    return out


def test_a_return_visit_finding_nobody_takes_nothing_back(client, users, areas, drive):
    c, h = drive
    # Each day, kept and live alike: count from their conclusive visit on.
    assert [kept(c, day) for day in campaign_days()] == [
        {"第一网格": (3, 0), "第二网格": (1, 0)},
        *[{"第一网格": (3, 2), "第二网格": (1, 0)}] * 4,
    ]
    assert visited_by_day(c, users, areas) == [0, 2, 2, 2, 2]
    # Left to visit: A-2 (nobody home, never found in) and B-1 (never visited).
    assert [x.number for x in unvisited_households(c, users["community"])] == ["A-2", "B-1"]
    client.force_login(users["community"])
    r = client.get(reverse("screening:campaign_unvisited", args=[c.pk]))
    assert [(x.number, x.standing_outcome) for x, _cells in r.context["table"]] == [
        ("A-2", "nobody_home"),
        ("B-1", None),
    ]
    # The campaign page and its export: the grid's figure, its moved-out home, and the
    # nobody home still to revisit (A-2 only).
    r = client.get(reverse("screening:campaign_detail", args=[c.pk]), {"level": AreaLevel.GRID})
    columns = ("households", "visited", "vacant", "nobody_home", "refused", "not_visited")
    assert [
        (x.area.name, *(getattr(x, k) for k in columns), x.people_found, x.percent)
        for x in r.context["rows"]
    ] == [("第一网格", 3, 2, 1, 1, 0, 1, 3, 66), ("第二网格", 1, 0, 0, 0, 0, 1, 0, 0)]
    assert (r.context["total"].visited, r.context["total"].percent) == (2, 50)
    r = client.get(
        reverse("screening:campaign_coverage", args=[c.pk]),
        {"level": AreaLevel.COMMUNITY, "export": "xlsx"},
    )
    assert [row[:9] for row in read_xlsx(r)[1:]] == [
        ["海棠花语社区", "510411001001", 4, 2, 1, 1, 0, 2, 50],
        ["合计", None, 4, 2, 1, 1, 0, 2, 50],
    ]
    # The grid worker: home panel, phone list (the one left first, the done ones marked
    # done) and the household's page.
    client.force_login(users["grid_a"])
    assert 'data-stat="left">1</span> 户' in client.get(reverse("home")).content.decode()
    r = client.get(reverse("screening:visit_start", args=[c.pk]))
    assert [(x.number, x.standing_outcome) for x in r.context["households"]] == [
        ("A-2", "nobody_home"),
        ("A-1", "visited"),
        ("A-3", "vacant"),
    ]
    page = client.get(reverse("screening:visit_record", args=[c.pk, h["A-1"].pk]))
    assert "最近一次：拒绝配合" in page.content.decode()
    assert page.context["settled_by"].outcome == "visited"
    assert "本次摸排已完成：已入户" in page.content.decode()
    page = client.get(reverse("screening:visit_record", args=[c.pk, h["A-2"].pk]))
    assert page.context["settled_by"] is None


def test_a_person_marked_after_a_follow_up_is_found_by_the_visit_that_found_them_in(
    client, users, areas, drive
):
    """摸排发现 marked on A-1's page after the 拒绝配合 knock: the finding is the visit's that
    found the family in (with its people), not the refusal's."""
    c, h = drive
    person = make_resident(areas["grid_a"], household=h["A-1"], name="返乡甲")
    client.force_login(users["grid_a"])
    r = client.post(
        reverse("screening:finding_record", args=[c.pk, h["A-1"].pk]),
        {"resident": person.pk, "kind": "returnee"},
    )
    assert r.status_code == 302
    found = Finding.objects.select_related("visit").get()
    assert (found.resident, found.visit.outcome, found.visit.visited_at) == (
        person,
        "visited",
        ago(3),
    )


def test_deleting_the_conclusive_visit_unsettles_the_household(client, users, areas, drive):
    """A visit recorded on the wrong household and removed: the household it settled is
    left to visit again, from the day that visit was made, in every count."""
    c, h = drive
    found_in = Visit.objects.get(household=h["A-1"], outcome="visited")
    with transaction.atomic(), coverage.keeping(h["A-1"].pk):
        found_in.delete()
    assert [kept(c, day)["第一网格"] for day in campaign_days()] == [(3, 0), *[(3, 1)] * 4]
    assert visited_by_day(c, users, areas) == [0, 1, 1, 1, 1]
    assert [x.number for x in unvisited_households(c, users["grid_a"])] == ["A-1", "A-2"]
    client.force_login(users["grid_a"])
    assert 'data-stat="left">2</span> 户' in client.get(reverse("home")).content.decode()
    # A later visit that finds them in settles them from its own day.
    record_visit(actor=users["grid_a"], campaign=c, household=h["A-1"], outcome="visited")
    assert kept(c, today())["第一网格"] == (3, 2) and kept(c, campaign_days()[-2])["第一网格"] == (
        3,
        1,
    )
    assert visited_by_day(c, users, areas) == [0, 1, 1, 1, 2]


def kept_rows() -> set[tuple]:
    return set(CoverageCount.objects.exclude(visited=0).values_list("area_id", "day", "visited"))


def test_the_migration_recounts_counts_kept_by_the_old_rule(users, areas, drive):
    """A database kept its counts by the latest visit: A-1 up then down, A-3 up then down.
    The migration recounts them as ``coverage.rebuild`` does, with the historical models."""
    c, _h = drive
    grid = areas["grid_a"].pk
    CoverageCount.objects.all().delete()
    CoverageCount.objects.bulk_create(
        CoverageCount(campaign=c, area_id=grid, day=today() - n * DAY, visited=v)
        for n, v in ((3, 2), (2, -1), (1, -1))
    )
    assert kept(c, today())["第一网格"] == (3, 0)
    state = MigrationExecutor(connection).loader.project_state(("screening", MIGRATION))
    migration = importlib.import_module(f"fangkong.screening.migrations.{MIGRATION}")
    migration.recount(state.apps, SimpleNamespace(connection=connection))
    recounted = kept_rows()
    assert recounted == {(grid, today() - 3 * DAY, 2)}
    coverage.rebuild()
    assert kept_rows() == recounted
    assert visited_by_day(c, users, areas) == [0, 2, 2, 2, 2]
