"""Seed 004: "4 支调研督导组, covering 3 streets/towns, 9 villages and 16 communities"."""

import pytest

from fangkong.areas.choices import AreaLevel
from fangkong.core.testing import factories
from fangkong.supervision import selectors, services
from fangkong.supervision.models import InspectionGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(areas):
    """3 streets/towns under 仁和区 with 3 villages each and 5, 5 and 6 communities."""
    streets = []
    for s, communities in enumerate((5, 5, 6), start=1):
        street = factories.area(f"51041120{s}", f"第{s}镇", AreaLevel.STREET, areas["renhe"])
        for v in range(1, 4):
            factories.area(f"{street.code}2{v:02d}", f"{s}镇{v}村", AreaLevel.COMMUNITY, street)
        for c in range(1, communities + 1):
            factories.area(f"{street.code}0{c:02d}", f"{s}镇{c}社区", AreaLevel.COMMUNITY, street)
        streets.append(street)
    return streets


def test_four_groups_cover_three_streets_nine_villages_sixteen_communities(areas, users, county):
    command = users["command"]
    one_village = county[0].children.get(name="1镇1村")
    assignments = [[county[0]], [county[1]], [county[2]], [one_village]]  # the 4th overlaps
    for i, assigned in enumerate(assignments, start=1):
        services.create_group(
            actor=command,
            data={
                "name": f"第{i}督导组",
                "area": areas["city"],
                "members": [users["leader"]],
                "assigned_areas": assigned,
            },
        )
    groups = InspectionGroup.objects.visible_to(command)
    assert selectors.group_coverage(groups) == {
        "groups": 4,
        "streets": 3,
        "villages": 9,
        "communities": 16,
    }
    # Scoped: a street office of another district sees none of the city's groups.
    miyi = factories.make_user("street", areas["miyi_street"])
    assert selectors.group_coverage(InspectionGroup.objects.visible_to(miyi)) == {
        "groups": 0,
        "streets": 0,
        "villages": 0,
        "communities": 0,
    }


def test_assigned_area_outside_the_forming_office_is_refused(areas, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        services.create_group(
            actor=users["command"],
            data={"name": "x", "area": areas["renhe"], "assigned_areas": [areas["miyi_street"]]},
        )
    assert e.value.message_dict["assigned_areas"] == ["“攀莲镇”不在组建单位的辖区内"]
    assert InspectionGroup.objects.count() == 0
