"""The default order of the large lists is served by an index (EXPLAIN on both databases):
the first page of a city-wide list reads 50 index entries instead of sorting the table."""

import pytest
from django.db import connection

from fangkong.health.models import Alert, NucleicAcidTest
from fangkong.supplies.models import Movement
from fangkong.venues.models import Scan

LARGE_LISTS = [
    (NucleicAcidTest, ("-sampled_at", "-id")),
    (Alert, ("-created_at", "-id")),
    (Movement, ("-occurred_at", "-id")),
    (Scan, ("-scanned_at", "-uuid")),
]


@pytest.mark.parametrize(("model", "order"), LARGE_LISTS, ids=[m.__name__ for m, _ in LARGE_LISTS])
def test_list_order_needs_no_sort(db, model, order):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # Tiny test tables would be sorted anyway: forbid the sort to see if an index can serve.
            cur.execute("SET LOCAL enable_sort = off")
        plan = model.objects.order_by(*order)[:50].explain()
        assert "Sort" not in plan, plan
    else:
        plan = model.objects.order_by(*order)[:50].explain()
        assert "TEMP B-TREE" not in plan, plan


# The large lists as their pages query them for the city's command office: the scope filter
# (``visible_to(walk=True)`` for a large scope), the selector's joins and the view's order.
# A sort here is a sort of every row in scope at full size (4–50 s before session 7).
LIST_VIEWS = [
    "registry:resident_list",
    "registry:household_list",
    "status:status_list",
    "venues:scan_list",
    "screening:visit_list",
    "screening:finding_list",
    "health:assignment_list",
    "tracing:contact_list",
]
# Ordered by the area's path: PostgreSQL walks the areas in path order and each area's rows
# on the list index; it then sorts only within one area (an incremental sort, its "presorted"
# key the path) — SQLite needs no sort at all.
BY_AREA_PATH = {"registry:resident_list", "registry:household_list"}


# SQLite's planner statistics (sqlite_stat1) of the full-size bench city after ``ANALYZE``
# (1,126 areas, 1,000,000 residents, 10,000,000 scans): the test tables are nearly empty,
# and a plan is only worth checking at the proportions it will meet. Its residents came in by
# an import, in no household: the partial ``resident_household`` index is empty and ANALYZE
# gives it no row (over every resident it had "1000000 1000000": one value, NULL).
CITY_STATS = [
    ("accounts_user", "accounts_user_area_id_be4bf153", "3 1"),
    ("accounts_user", "sqlite_autoindex_accounts_user_1", "3 1"),
    ("areas_area", "areas_area_parent_id_bc62832c", "1126 9"),
    ("areas_area", "sqlite_autoindex_areas_area_1", "1126 1"),
    ("areas_area", "sqlite_autoindex_areas_area_2", "1126 1"),
    ("health_assignment", "assignment_list_order", "10000 715 1"),
    ("health_assignment", "assignment_resident_state", "10000 1 1"),
    ("health_assignment", "assignment_state_start", "10000 10000 715"),
    ("health_assignment", "health_assignment_released_by_id_47ad6516", "10000 10000"),
    ("health_assignment", "health_assignment_resident_area_id_88bc4f51", "10000 10"),
    ("health_assignment", "health_assignment_resident_id_f4e41ac5", "10000 1"),
    ("health_assignment", "health_assignment_responsible_id_14d0c60c", "10000 10000"),
    ("health_assignment", "sqlite_autoindex_health_assignment_1", "10000 1"),
    ("registry_household", "registry_household_area_id_0bff2d23", "333333 334"),
    ("registry_household", "registry_household_building_id_01bc4eee", "333333 333333"),
    ("registry_household", "sqlite_autoindex_registry_household_1", "333333 334 1"),
    # The index over every resident's household before registry 0005 (one value, NULL):
    # gone, its statistics kept so the household test below checks against them.
    ("registry_resident", "registry_resident_household_id_45f6612b", "1000000 1000000"),
    ("registry_resident", "registry_resident_id_number_last4_45e4dbd5", "1000000 91"),
    ("registry_resident", "registry_resident_phone_index_711c4b59", "1000000 1"),
    ("registry_resident", "registry_resident_phone_last4_e3a930e8", "1000000 100"),
    ("registry_resident", "resident_area_category", "1000000 1000 200"),
    ("registry_resident", "resident_area_name", "1000000 1000 1 1"),
    ("registry_resident", "resident_id_area", "1000000 1 1"),
    ("registry_resident", "resident_id_number", "1000000 1"),
    ("screening_campaign", "screening_campaign_area_id_03558698", "1 1"),
    ("screening_campaign", "screening_campaign_created_by_id_e2d7dac9", "1 1"),
    ("screening_finding", "finding_list_order", "10000 2 1"),
    ("screening_finding", "screening_finding_campaign_id_87f7cfb5", "10000 10000"),
    ("screening_finding", "screening_finding_found_by_id_f0b74877", "10000 10000"),
    ("screening_finding", "screening_finding_resident_area_id_5e91c3e7", "10000 10"),
    ("screening_finding", "screening_finding_resident_id_29f14bca", "10000 1"),
    ("screening_finding", "screening_finding_visit_id_b481b5f7", "10000 10000"),
    ("screening_finding", "sqlite_autoindex_screening_finding_1", "10000 10000 1"),
    ("screening_visit", "screening_visit_campaign_id_de63e8d2", "300337 300337"),
    ("screening_visit", "screening_visit_household_id_545bb365", "300337 1"),
    ("screening_visit", "screening_visit_visited_by_id_0dafc48c", "300337 300337"),
    ("screening_visit", "visit_latest_lookup", "300337 300337 1 1 1 1"),
    ("screening_visit", "visit_list_order", "300337 34 1"),
    ("status_personstatus", "personstatus_area_resident", "1000000 1000 1"),
    ("status_personstatus", "personstatus_colour_area", "1000000 333334 334"),
    ("status_personstatus", "sqlite_autoindex_status_personstatus_1", "1000000 1"),
    ("status_personstatus", "sqlite_autoindex_status_personstatus_2", "1000000 1"),
    ("status_personstatus", "status_personstatus_area_id_ab114803", "1000000 1000"),
    ("status_personstatus", "status_personstatus_override_id_78ac13f6", "1000000 1000000"),
    ("status_personstatus", "status_personstatus_valid_until_90a54415", "1000000 1000000"),
    ("tracing_case", "case_resident_status", "600 1 1"),
    ("tracing_case", "sqlite_autoindex_tracing_case_1", "600 1"),
    ("tracing_case", "tracing_case_resident_area_id_088ca741", "600 2"),
    ("tracing_case", "tracing_case_resident_id_4588c6d8", "600 1"),
    ("tracing_contact", "contact_list_order", "12000 858 1"),
    ("tracing_contact", "contact_resident_state", "12000 1 1"),
    ("tracing_contact", "sqlite_autoindex_tracing_contact_1", "12000 1 1 1"),
    ("tracing_contact", "tracing_contact_case_id_d39748b2", "12000 20"),
    ("tracing_contact", "tracing_contact_resident_area_id_3ee4a5bf", "12000 12"),
    ("tracing_contact", "tracing_contact_resident_id_9317a6f3", "12000 1"),
    ("venues_scan", "scan_resident_time", "10000000 10 1 1 1"),
    ("venues_scan", "scan_venue_time", "10000000 1000 1 1 1"),
    ("venues_scan", "sqlite_autoindex_venues_scan_1", "10000000 12 1"),
    ("venues_venue", "sqlite_autoindex_venues_venue_1", "10000 1"),
    ("venues_venue", "venue_area_kind", "10000 10 10"),
    ("venues_venue", "venues_venue_area_id_b3a79fb4", "10000 10"),
    ("venues_venue", "venues_venue_name_initials_50ff1336", "10000 10000"),
    ("venues_venue", "venues_venue_name_norm_c85a0f5c", "10000 1"),
    ("venues_venue", "venues_venue_name_pinyin_6cae5fda", "10000 1"),
]


def _city_statistics() -> None:
    with connection.cursor() as cur:
        cur.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1
        cur.execute("DELETE FROM sqlite_stat1")
        cur.executemany("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", CITY_STATS)
        cur.execute("ANALYZE sqlite_schema")  # reloads the statistics


def _page_queryset(name: str, user):
    from django.http import QueryDict
    from django.test import RequestFactory
    from django.urls import resolve, reverse

    view = resolve(reverse(name)).func.view_class()
    request = RequestFactory().get(reverse(name))
    request.user, request.session = user, {}
    view.request = request
    qs, _filterset = view.filter(request, QueryDict())
    return qs


@pytest.mark.parametrize("name", LIST_VIEWS)
def test_list_page_needs_no_sort(users, name):
    qs = _page_queryset(name, users["command"])[:51]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_sort = off")
            if name not in BY_AREA_PATH:  # an index serves the whole order
                cur.execute("SET LOCAL enable_incremental_sort = off")
        plan = qs.explain()
        sorts = [line for line in plan.splitlines() if "Sort" in line]
        if name in BY_AREA_PATH:
            sorts = [s for s in sorts if "Incremental Sort" not in s and "Key" not in s]
            assert "Presorted Key: areas_area.path" in plan or "Sort" not in plan, plan
        assert not sorts, plan
    else:
        _city_statistics()
        # What a page runs on SQLite: its keys first (``KeysFirst``), then 50 rows by key.
        keys = _page_queryset(name, users["command"]).values_list("pk", flat=True)[:51]
        plan = keys.explain()
        assert "TEMP B-TREE" not in plan, plan


def test_household_members_are_found_by_their_household(users, areas):
    """A household page's members, as the page reads them for the city's command office:
    through the household index, not the area index over every resident of the city (3 s
    at full size on SQLite when few residents are in households yet, as after an import:
    over every resident, that index's statistics gave all of them one value, NULL). The
    index holds only residents in a household, on both databases."""
    from fangkong.registry.models import Household, Resident
    from fangkong.registry.selectors import resident_list

    with connection.cursor() as cur:
        index = connection.introspection.get_constraints(cur, Resident._meta.db_table)[
            "resident_household"
        ]
        if connection.vendor == "sqlite":
            cur.execute("SELECT sql FROM sqlite_master WHERE name = 'resident_household'")
        else:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'resident_household'")
        definition = cur.fetchone()[0]
    assert index["columns"] == ["household_id"]
    assert "WHERE" in definition and "IS NOT NULL" in definition, definition
    if connection.vendor == "postgresql":
        return  # its planner weighs the null fraction: the plan was never the problem there
    household = Household.objects.create(area=areas["grid_a"], number="1-101")
    members = resident_list(
        Resident.objects.visible_to(users["command"]).filter(household=household)
    )
    _city_statistics()
    plan = members.explain()
    assert "USING INDEX resident_household " in plan, plan


def test_small_scope_keeps_the_area_index(users):
    """A grid worker's or a community's scope is a few rows: found through the area index
    (then sorted), not by walking the whole table in list order."""
    from fangkong.core.scoping import PerRow

    city = _page_queryset("registry:resident_list", users["command"])
    walks = [isinstance(a, PerRow) for a in city.query.annotations.values()]
    assert walks == [True]
    for who in ("community", "grid_a"):
        small = _page_queryset("registry:resident_list", users[who])
        assert not any(isinstance(a, PerRow) for a in small.query.annotations.values())


def test_a_page_by_its_keys_first_is_the_same_page(users, areas):
    from fangkong.core.testing.factories import make_residents
    from fangkong.core.views.generic import KeysFirst, paginate

    make_residents(users["community"], areas["grid_a"], 7, prefix="甲")
    make_residents(users["community"], areas["grid_b"], 5, prefix="乙")
    qs = _page_queryset("registry:resident_list", users["command"])
    assert [r.pk for r in KeysFirst(qs)[3:9]] == [r.pk for r in qs[3:9]]
    for number in (1, 2, 3):
        plain = paginate(qs, 5, number)
        first = paginate(qs, 5, number, keys_first=True)
        assert [r.pk for r in first.object_list] == [r.pk for r in plain.object_list]
        assert first.paginator.count == plain.paginator.count == 12
    large = paginate(qs, 5, 3, large=True, keys_first=True)
    assert len(large.object_list) == 2 and not large.has_next()


@pytest.mark.parametrize("q", ["张三", "zs"])
def test_a_city_wide_name_search_reads_the_rows_once(users, areas, q):
    """A name search (no index serves ``LIKE``) over a city's residents: the rows in scope
    are read once for it in a sub-select and the few found are sorted, instead of walking
    the list order's index through every resident (SQLite, 6.1 s at full size; the plan is
    checked there under the city's statistics); the same residents either way."""
    from django.db.models import Q

    from fangkong.core.testing.factories import make_residents
    from fangkong.registry.selectors import search_residents

    make_residents(users["community"], areas["grid_a"], 3, prefix="张三")
    make_residents(users["community"], areas["grid_b"], 2, prefix="李四")
    qs = _page_queryset("registry:resident_list", users["command"])
    found = search_residents(qs, q)
    plain = qs.filter(Q(name_norm__contains="张三") | Q(name_initials__startswith="zs"))
    assert sorted(found.values_list("pk", flat=True)) == sorted(plain.values_list("pk", flat=True))
    assert found.count() == 3
    if connection.vendor == "sqlite":
        _city_statistics()
        plan = found.values_list("pk", flat=True)[:51].explain()
        assert "SEARCH registry_resident USING INTEGER PRIMARY KEY" in plan, plan
        assert "resident_list_order" not in plan.split("LIST SUBQUERY")[0], plan


def test_a_searched_page_reads_its_rows_by_key_only(users, areas):
    """The page's rows are read by key from the list before its filters: the name search,
    read once for the keys, is not run again for rows already known to match."""
    from django.test.utils import CaptureQueriesContext

    from fangkong.core.testing.factories import make_residents
    from fangkong.core.views.generic import paginate
    from fangkong.registry.selectors import search_residents

    make_residents(users["community"], areas["grid_a"], 3, prefix="张三")
    make_residents(users["community"], areas["grid_b"], 2, prefix="李四")
    base = _page_queryset("registry:resident_list", users["command"])
    found = search_residents(base, "张三")
    with CaptureQueriesContext(connection) as ctx:
        page = paginate(found, 2, 1, keys_first=True, rows=base)
        names = [r.name for r in page.object_list]
    assert names == [r.name for r in found[:2]] and all(n.startswith("张三") for n in names)
    assert page.paginator.count == 3
    rows_read = ctx.captured_queries[-1]["sql"]
    assert "name_norm" not in rows_read.split("WHERE")[1] and "张三" not in rows_read


def test_a_city_campaigns_unvisited_households_need_no_sort(users, areas):
    """不漏一户 for a city-wide campaign: the areas walked in path order and each area's
    households on their (area, number) index, the latest visit looked up once a household,
    so a page stops after its rows (SQLite read and sorted every unvisited household of the
    city: 1.0 s at full size). The same households in the same order as without the walk."""
    import datetime

    from fangkong.screening.choices import VisitOutcome
    from fangkong.screening.selectors import unvisited_households
    from fangkong.screening.services import create_campaign, record_visit
    from fangkong.status.testing import make_household

    today = datetime.date(2026, 3, 1)
    campaign = create_campaign(
        actor=users["command"],
        area=areas["city"],
        title="全市摸排",
        starts_on=today,
        due_on=today,
    )
    households = [
        make_household(areas[grid], f"{grid}-{i}")
        for grid in ("grid_b", "grid_a", "grid_c")
        for i in (2, 1, 3)
    ]
    for household, outcome in zip(
        households[:4], [VisitOutcome.VISITED, VisitOutcome.NOBODY_HOME] * 2, strict=True
    ):
        record_visit(
            actor=users["command"], campaign=campaign, household=household, outcome=outcome
        )
    walked = unvisited_households(campaign, users["command"], walk=True)
    plain = unvisited_households(campaign, users["command"])
    shown = [h.number for h in walked]
    assert shown == [h.number for h in plain]
    assert len(shown) == 7 and "grid_b-2" not in shown and "grid_b-1" in shown
    assert shown == sorted(shown, key=lambda n: (n.split("-")[0] != "grid_a", n))  # by path
    if connection.vendor == "sqlite":
        _city_statistics()
        plan = walked.values_list("pk", flat=True)[:51].explain()
        assert "TEMP B-TREE" not in plan, plan
