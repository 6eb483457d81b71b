import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.areas import services
from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area


def test_paths_are_materialised(areas):
    assert areas["grid_a"].path == "510400/510411/510411001/510411001001/510411001001G01/"
    assert areas["grid_a"].depth == 4
    assert [a.name for a in areas["grid_a"].ancestors()] == [
        "攀枝花市",
        "仁和区",
        "仁和街道",
        "海棠花语社区",
    ]


def test_subtree_is_one_query(areas, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = list(Area.objects.subtree(areas["community"]).values_list("code", flat=True))
    assert codes == ["510411001001", "510411001001G01", "510411001001G02"]


def test_visible_to_limits_areas_to_the_users_subtree(users, areas):
    grid_user_codes = set(Area.objects.visible_to(users["grid_a"]).values_list("code", flat=True))
    assert grid_user_codes == {"510411001001G01"}
    assert Area.objects.visible_to(users["command"]).count() == 10


def test_moving_an_area_moves_its_subtree(users, areas):
    services.update_area(
        actor=users["command"],
        area=areas["community"],
        name="海棠花语社区",
        parent=areas["miyi_street"],
        expected_version=1,
    )
    grid = Area.objects.get(pk=areas["grid_a"].pk)
    assert grid.path == "510400/510421/510421100/510411001001/510411001001G01/"
    assert set(
        Area.objects.subtree(Area.objects.get(code="510421")).values_list("code", flat=True)
    ) >= {"510411001001", "510411001001G01", "510411001001G02"}


def test_cannot_move_into_own_subtree(users, areas):
    with pytest.raises(ValidationError):
        services.update_area(
            actor=users["command"],
            area=areas["street"],
            name="仁和街道",
            parent=areas["community"],
            expected_version=1,
        )


def test_street_user_cannot_create_outside_its_area(users, areas):
    with pytest.raises(PermissionDenied):
        services.create_area(
            actor=users["street"],
            code="510421100002",
            name="新社区",
            level=AreaLevel.COMMUNITY,
            parent=areas["miyi_street"],
        )
    assert not Area.objects.filter(code="510421100002").exists()


@pytest.mark.django_db
def test_a_county_adopting_the_platform_alone_starts_its_tree_at_itself():
    """On an empty database the county's administrator creates the county as the top area,
    without inventing a city above it; a street still needs its county."""
    from fangkong.accounts.models import User

    admin = User.objects.create_superuser("admin", "a@example.invalid", "pw-for-tests-only")

    county = services.create_area(
        actor=admin, code="510421", name="米易县", level=AreaLevel.DISTRICT, parent=None
    )
    town = services.create_area(
        actor=admin, code="510421100", name="攀莲镇", level=AreaLevel.STREET, parent=county
    )

    assert (county.path, county.depth, county.parent_id) == ("510421/", 0, None)
    assert town.path == "510421/510421100/"
    with pytest.raises(ValidationError) as refused:
        services.create_area(
            actor=admin, code="510421200", name="丙谷镇", level=AreaLevel.STREET, parent=None
        )
    assert refused.value.message_dict == {"parent": ["除省、市、区县外，区域必须有上级区域"]}
    assert list(Area.objects.values_list("code", flat=True)) == ["510421", "510421100"]
