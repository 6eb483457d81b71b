"""Campaign coverage per grid and community on a constructed campaign; households to visit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.areas.choices import AreaLevel
from fangkong.screening.models import Visit
from fangkong.screening.selectors import (
    campaign_coverage,
    campaign_list,
    unvisited_households,
    visit_list,
)
from fangkong.screening.services import (
    close_campaign,
    create_campaign,
    record_finding,
    record_visit,
)
from fangkong.status.clock import at_local
from fangkong.status.testing import make_household, make_resident

D = datetime.date


def t(day, hour=10):
    return at_local(D(2020, 2, day), hour)


@pytest.fixture
def campaign(users, areas):
    """grid_a: a1 visited, a2 nobody home then visited, a3 visited then refused (still done);
    grid_b: b1 nobody home, b2 never visited; grid_c (another district): c1 outside scope."""
    c = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="湖北返乡人员摸排",
        starts_on=D(2020, 2, 1),
        due_on=D(2020, 2, 5),
        origin_filter="湖北",
        since=D(2020, 1, 10),
    )
    h = {
        n: make_household(areas[g], n)
        for n, g in [
            ("a1", "grid_a"),
            ("a2", "grid_a"),
            ("a3", "grid_a"),
            ("b1", "grid_b"),
            ("b2", "grid_b"),
            ("c1", "grid_c"),
        ]
    }
    ga, gb = users["grid_a"], users["grid_b"]
    v1 = record_visit(
        actor=ga,
        campaign=c,
        household=h["a1"],
        outcome="visited",
        visited_at=t(2),
        people_found=3,
        new_people=1,
    )
    record_visit(actor=ga, campaign=c, household=h["a2"], outcome="nobody_home", visited_at=t(2))
    record_visit(
        actor=ga,
        campaign=c,
        household=h["a2"],
        outcome="visited",
        visited_at=t(3),
        people_found=2,
    )
    record_visit(
        actor=ga,
        campaign=c,
        household=h["a3"],
        outcome="visited",
        visited_at=t(2),
        people_found=4,
    )
    record_visit(actor=ga, campaign=c, household=h["a3"], outcome="refused", visited_at=t(3, 9))
    record_visit(actor=gb, campaign=c, household=h["b1"], outcome="nobody_home", visited_at=t(3))
    returnee = make_resident(areas["grid_a"], household=h["a1"], name="返乡甲")
    inflow = make_resident(areas["grid_a"], household=h["a1"], name="流入乙")
    other = make_resident(areas["grid_b"], household=h["b1"], name="返乡丙")
    record_finding(actor=ga, campaign=c, resident=returnee, kind="returnee", visit=v1)
    record_finding(actor=ga, campaign=c, resident=inflow, kind="inflow", visit=v1)
    record_finding(actor=gb, campaign=c, resident=other, kind="returnee")
    return c, h


def row_values(rows):
    return {
        r.area.name: (
            r.households,
            r.visited,
            r.nobody_home,
            r.refused,
            r.not_visited,
            r.people_found,
            r.new_people,
            r.found,
            r.returnees,
            r.inflow,
            r.percent,
            r.overdue_grids,
        )
        for r in rows
    }


def test_coverage_per_grid(users, campaign, django_assert_max_num_queries):
    c, _ = campaign
    # The areas, the households per grid, their latest visits per grid, the findings per grid.
    with django_assert_max_num_queries(4):
        rows = campaign_coverage(c, users["street"], level=AreaLevel.GRID, today=D(2020, 2, 4))
    assert row_values(rows) == {
        #         total visited nobody refused not  people new found ret inflow % overdue
        "第一网格": (3, 3, 0, 0, 0, 9, 1, 2, 1, 1, 100, 0),
        "第二网格": (2, 0, 1, 0, 2, 0, 0, 1, 1, 0, 0, 0),
    }


def test_coverage_per_community_and_overdue_grids(users, campaign):
    c, _ = campaign
    rows = campaign_coverage(c, users["street"], level=AreaLevel.COMMUNITY, today=D(2020, 2, 6))
    assert row_values(rows) == {"海棠花语社区": (5, 3, 1, 0, 2, 9, 1, 3, 2, 1, 60, 1)}
    assert rows[0].grids == 2 and rows[0].overdue


def test_latest_visit_counts_for_people_found(users, campaign):
    c, h = campaign
    record_visit(
        actor=users["grid_a"],
        campaign=c,
        household=h["a1"],
        outcome="visited",
        visited_at=t(4),
        people_found=5,
        new_people=2,
    )
    rows = campaign_coverage(c, users["street"], level=AreaLevel.GRID, today=D(2020, 2, 4))
    assert row_values(rows)["第一网格"][5:7] == (11, 2)


def test_unvisited_households(users, campaign):
    c, _ = campaign
    assert [x.number for x in unvisited_households(c, users["community"])] == ["b1", "b2"]
    assert [x.number for x in unvisited_households(c, users["grid_a"])] == []


def test_grid_worker_sees_the_street_campaign_but_only_their_grid(users, campaign):
    c, _ = campaign
    assert list(campaign_list(users["grid_a"])) == [c]
    assert list(campaign_list(users["grid_c"])) == []
    assert {v.household.number for v in visit_list(users["grid_a"], c)} == {"a1", "a2", "a3"}
    rows = campaign_coverage(c, users["grid_a"], level=AreaLevel.GRID, today=D(2020, 2, 4))
    assert list(row_values(rows)) == ["第一网格"]


def test_grid_worker_cannot_record_a_visit_in_another_grid(users, campaign):
    c, h = campaign
    before = Visit.objects.count()
    with pytest.raises(PermissionDenied):
        record_visit(actor=users["grid_a"], campaign=c, household=h["b2"], outcome="visited")
    assert Visit.objects.count() == before


def test_household_outside_the_campaign_and_closed_campaign(users, campaign):
    c, h = campaign
    with pytest.raises(ValidationError) as e:
        record_visit(actor=users["command"], campaign=c, household=h["c1"], outcome="visited")
    assert e.value.message_dict == {"household": ["不在本次摸排范围内"]}
    close_campaign(actor=users["street"], campaign=c)
    with pytest.raises(ValidationError) as e:
        record_visit(actor=users["grid_a"], campaign=c, household=h["a3"], outcome="visited")
    assert e.value.message_dict == {"campaign": ["该摸排行动已结束，不能再登记"]}


def test_visit_numbers_are_checked(users, campaign):
    c, h = campaign
    with pytest.raises(ValidationError) as e:
        record_visit(
            actor=users["grid_b"],
            campaign=c,
            household=h["b2"],
            outcome="visited",
            people_found=1,
            new_people=2,
        )
    assert e.value.message_dict == {"new_people": ["新发现人数不能多于在户人数"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_grid_workers_at_one_door_record_one_finding(users, areas):
    """Two grid workers register the same returnee in one campaign at the same moment: the
    second is told the person is registered, instead of a database error."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted
    from fangkong.screening.models import Finding

    c = create_campaign(
        actor=users["street"], area=areas["street"], title="返乡人员摸排",
        starts_on=D(2020, 2, 1), due_on=D(2020, 2, 5),
    )  # fmt: skip
    person = make_resident(areas["grid_a"], name="返乡丁")

    def register():
        return record_finding(actor=users["grid_a"], campaign=c, resident=person, kind="returnee")

    race = second_while_first_uncommitted(register, register)
    assert race.first is None and race.second_waited
    assert isinstance(race.second, ValidationError)
    assert race.second.message_dict == {"resident": ["该居民已在本次摸排中登记"]}
    assert Finding.objects.filter(campaign=c, resident=person).count() == 1
