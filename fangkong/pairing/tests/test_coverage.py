"""包联覆盖: per grid, the households, those a pairing covers (itself or its building, once
however many pairings), those none does, and the list of the latter — scoped, exportable,
counted in two queries whatever the number of households."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.testing import factories
from fangkong.pairing import selectors, services
from fangkong.registry import services as registry
from fangkong.volunteers.choices import PoolState

from .conftest import member_with_login, pair_building

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired(estate, users, areas):
    """grid_a: 1栋 (1-101, 1-102) paired whole and 1-101 once more, 2栋's 2-101 and 3-301
    (one member) not; grid_b: 2-201 paired, 2-202 not."""
    community = users["community"]
    grid_a, grid_b = areas["grid_a"], areas["grid_b"]
    second = registry.create_building(actor=community, area=grid_a, name="2栋")
    registry.create_household(actor=community, area=grid_a, number="2-101", building=second)
    h301 = registry.create_household(actor=community, area=grid_a, number="3-301")
    registry.create_household(actor=community, area=grid_b, number="2-202")
    (person,) = factories.make_residents(community, grid_a, 1, prefix="独居")
    registry.update_resident(
        actor=community, resident=person, data={"household": h301}, expected_version=person.version
    )
    pair_building(community, estate)
    other, _user = member_with_login(
        community, areas["community"], "党员丁", "member-d", state=PoolState.ACTIVE
    )
    services.pair(actor=community, volunteer=other, household=estate.h101)
    services.pair(actor=community, volunteer=other, household=estate.h201)
    return estate


def figures(rows) -> list[tuple[str, int, int, int]]:
    return [(r.area.name, r.households, r.covered, r.uncovered) for r in rows]


def test_coverage_per_grid_counts_each_household_once(paired, users, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.coverage_by_grid(users["community"])
    assert figures(rows) == [("第一网格", 4, 2, 2), ("第二网格", 2, 1, 1)]
    assert [r.percent for r in rows] == [50, 50]
    assert figures(selectors.coverage_by_grid(users["grid_b"])) == [("第二网格", 2, 1, 1)]
    (empty,) = selectors.coverage_by_grid(users["grid_c"])  # another district's grid
    assert (empty.households, empty.covered, empty.percent) == (0, 0, None)


def test_a_household_added_to_a_paired_building_is_covered(paired, users, areas):
    registry.create_household(
        actor=users["community"], area=areas["grid_a"], number="1-103", building=paired.building
    )
    assert figures(selectors.coverage_by_grid(users["grid_a"])) == [("第一网格", 5, 3, 2)]


def test_a_suspended_party_members_households_count_as_uncovered(paired, users, areas):
    from fangkong.volunteers import services as volunteers

    volunteers.review_volunteer(
        actor=users["community"],
        volunteer=paired.member,
        state=PoolState.SUSPENDED,
        expected_version=paired.member.version,
        note="外出务工",
    )
    # 1-101 keeps 党员丁's own pairing; 1-102 had only the suspended member's building.
    assert figures(selectors.coverage_by_grid(users["grid_a"])) == [("第一网格", 4, 1, 3)]
    assert "1-102" in {
        h.number
        for h in selectors.uncovered_households(
            paired.h102.__class__.objects.visible_to(users["grid_a"])
        )
    }
    assert selectors.party_members_of(paired.h102) == []


def test_the_dashboard_counts_the_households_of_the_coverage_page(client, paired, users, areas):
    """已包联户 and 未包联户 on the dashboard are the coverage page's totals, per area."""
    from django.utils import timezone

    from fangkong.dashboard.figures import figure_values

    keys = ["pairing_covered", "pairing_uncovered"]
    today = timezone.localdate()
    values = figure_values(users["community"], areas["community"], today, keys)
    assert values == {"pairing_covered": 3, "pairing_uncovered": 3}
    assert figure_values(users["grid_b"], areas["grid_b"], today, keys) == {
        "pairing_covered": 1,
        "pairing_uncovered": 1,
    }
    client.force_login(users["community"])
    page = client.get(reverse("dashboard:dashboard")).content.decode()
    assert "已包联户" in page and "未包联户" in page
    assert reverse("pairing:uncovered_list") in page
    # A party member sees their own households, not the area's figures.
    client.force_login(paired.member_user)
    assert client.get(reverse("dashboard:dashboard")).status_code == 403


def numbers(response) -> list[str]:
    assert response.status_code == 200
    return [obj.number for obj, _cells in response.context["table"]]


def test_the_uncovered_list_is_scoped_and_filtered_by_grid(client, paired, users, areas):
    url = reverse("pairing:uncovered_list")
    client.force_login(users["community"])
    assert numbers(client.get(url)) == ["2-101", "3-301", "2-202"]
    assert numbers(client.get(url, {"area": areas["grid_a"].pk})) == ["2-101", "3-301"]
    members = {obj.number: obj.member_count for obj, _c in client.get(url).context["table"]}
    assert members == {"2-101": 0, "3-301": 1, "2-202": 0}
    client.force_login(users["grid_b"])
    assert numbers(client.get(url)) == ["2-202"]


def test_the_coverage_page_links_each_grid_to_its_uncovered_households(
    client, paired, users, areas
):
    client.force_login(users["community"])
    assert (
        reverse("pairing:coverage").encode() in client.get(reverse("pairing:pairing_list")).content
    )
    page = client.get(reverse("pairing:coverage"))
    assert page.status_code == 200
    html = page.content.decode()
    uncovered = reverse("pairing:uncovered_list")
    assert f'href="{uncovered}?area={areas["grid_a"].pk}">2</a>' in html
    assert f'href="{uncovered}?area={areas["grid_b"].pk}">1</a>' in html
    assert f'href="{uncovered}">3</a>' in html  # the total
    assert [c.text for c in page.context["total"]] == ["合计", "6", "3", "3", "50"]


def test_both_lists_export_to_excel(client, paired, users, areas):
    client.force_login(users["grid_a"])  # a grid worker may export
    response = client.get(reverse("pairing:coverage"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(r)]
    assert rows[-3:] == [
        ["网格", "户数", "已包联户", "未包联户", "覆盖率(%)"],
        ["海棠花语社区第一网格", 4, 2, 2, 50],
        ["合计", 4, 2, 2, 50],
    ]
    response = client.get(reverse("pairing:uncovered_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(r)]
    assert rows[-3:] == [
        ["户编号", "楼栋", "网格", "人数"],
        ["2-101", "2栋", "海棠花语社区第一网格", 0],
        ["3-301", None, "海棠花语社区第一网格", 1],
    ]


def test_coverage_is_for_staff(client, paired, users):
    client.force_login(paired.member_user)  # a party member: their own households only
    assert client.get(reverse("pairing:coverage")).status_code == 403
    assert client.get(reverse("pairing:uncovered_list")).status_code == 403
    client.force_login(users["leader"])  # reads, exports nothing
    assert client.get(reverse("pairing:coverage")).status_code == 200
    assert client.get(reverse("pairing:coverage"), {"export": "xlsx"}).status_code == 403


def test_the_pages_ask_no_more_of_the_database_for_more_households(client, paired, users, areas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["community"])
    paths = [reverse("pairing:coverage"), reverse("pairing:uncovered_list")]

    def counts() -> list[int]:
        out = []
        for path in paths:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    before = counts()
    for n in range(5):
        registry.create_household(actor=users["community"], area=areas["grid_b"], number=f"9-{n}")
    assert counts() == before
