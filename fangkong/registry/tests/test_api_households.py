"""/api/v1/households/ and /api/v1/buildings/: scoping, masked address, create through services."""

import pytest
from rest_framework.test import APIClient

from fangkong.core.models import AuditEntry
from fangkong.registry import services
from fangkong.registry.models import Building, Household

HOUSEHOLDS = "/api/v1/households/"
BUILDINGS = "/api/v1/buildings/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def homes(users, areas):
    actor = users["command"]
    b1 = services.create_building(actor=actor, area=areas["grid_a"], name="1栋")
    b3 = services.create_building(actor=actor, area=areas["grid_c"], name="3栋")
    return {
        "b1": b1,
        "b3": b3,
        "h101": services.create_household(
            actor=actor, area=areas["grid_a"], number="1-101", address="海棠花语1栋101", building=b1
        ),
        "h201": services.create_household(actor=actor, area=areas["grid_b"], number="2-201"),
        "h301": services.create_household(
            actor=actor, area=areas["grid_c"], number="3-301", address="迷阳水岸3栋301", building=b3
        ),
    }


def numbers(response) -> list[str]:
    return sorted(row["number"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("grid_a", ["1-101"]),
        ("grid_b", ["2-201"]),
        ("community", ["1-101", "2-201"]),
        ("command", ["1-101", "2-201", "3-301"]),
    ],
)
def test_household_list_is_scoped(users, homes, user, expected):
    response = client_for(users[user]).get(HOUSEHOLDS)
    assert response.status_code == 200
    assert response.json()["count"] == len(expected)
    assert numbers(response) == expected


@pytest.mark.parametrize(
    ("user", "expected"),
    [("grid_a", ["1栋"]), ("grid_b", []), ("grid_c", ["3栋"]), ("command", ["1栋", "3栋"])],
)
def test_building_list_is_scoped(users, homes, user, expected):
    response = client_for(users[user]).get(BUILDINGS)
    assert response.status_code == 200
    assert sorted(row["name"] for row in response.json()["results"]) == expected


def test_household_detail_masks_the_address(users, homes):
    response = client_for(users["grid_a"]).get(f"{HOUSEHOLDS}{homes['h101'].pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["address"] == "海棠花****"
    assert (body["building"], body["building_name"], body["area_name"]) == (
        homes["b1"].pk,
        "1栋",
        "第一网格",
    )
    assert "海棠花语1栋101" not in response.content.decode()


def test_details_outside_the_area_are_not_found(users, homes):
    client = client_for(users["grid_a"])
    assert client.get(f"{HOUSEHOLDS}{homes['h301'].pk}/").status_code == 404
    assert client.get(f"{HOUSEHOLDS}{homes['h201'].pk}/").status_code == 404
    assert client.get(f"{BUILDINGS}{homes['b3'].pk}/").status_code == 404


def test_household_filter_by_building(users, homes):
    response = client_for(users["command"]).get(HOUSEHOLDS, {"building": homes["b3"].pk})
    assert numbers(response) == ["3-301"]


def test_create_household_through_the_service(users, areas, homes):
    response = client_for(users["grid_a"]).post(
        HOUSEHOLDS,
        {
            "area": areas["grid_a"].pk,
            "number": " 1-102 ",
            "address": "海棠花语1栋102",
            "building": homes["b1"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    household = Household.objects.get(pk=response.json()["id"])
    assert (household.number, household.address, household.building_id) == (
        "1-102",
        "海棠花语1栋102",
        homes["b1"].pk,
    )
    assert response.json()["address"] == "海棠花****"
    assert AuditEntry.objects.filter(object_id=str(household.pk), action="create").count() == 1


def test_create_household_duplicate_number_is_a_field_error(users, areas, homes):
    response = client_for(users["grid_a"]).post(
        HOUSEHOLDS, {"area": areas["grid_a"].pk, "number": "1-101"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"number": ["该网格内已有相同户编号"]}
    assert Household.objects.count() == 3


def test_create_household_in_another_area_is_forbidden(users, areas, homes):
    response = client_for(users["grid_a"]).post(
        HOUSEHOLDS, {"area": areas["grid_c"].pk, "number": "9"}, format="json"
    )
    assert response.status_code == 403
    assert Household.objects.count() == 3


def test_a_building_outside_the_scope_cannot_be_referenced(users, areas, homes):
    response = client_for(users["grid_a"]).post(
        HOUSEHOLDS,
        {"area": areas["grid_a"].pk, "number": "9", "building": homes["b3"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["building"]
    assert Household.objects.count() == 3


def test_create_building_and_refusals(users, areas):
    grid_a = client_for(users["grid_a"])
    response = grid_a.post(BUILDINGS, {"area": areas["grid_a"].pk, "name": "5栋"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "5栋"
    assert response.json()["version"] == 1
    outside = grid_a.post(BUILDINGS, {"area": areas["grid_b"].pk, "name": "6栋"}, format="json")
    assert outside.status_code == 403
    leader = client_for(users["leader"]).post(
        BUILDINGS, {"area": areas["grid_a"].pk, "name": "7栋"}, format="json"
    )
    assert leader.status_code == 403
    assert list(Building.objects.values_list("name", flat=True)) == ["5栋"]


def test_non_grid_area_is_rejected_by_the_service(users, areas):
    response = client_for(users["community"]).post(
        BUILDINGS, {"area": areas["community"].pk, "name": "8栋"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"area": ["楼栋必须属于网格"]}
    assert Building.objects.count() == 0


def test_household_patch_needs_current_version_and_stays_in_scope(users, homes, areas):
    url = f"{HOUSEHOLDS}{homes['h101'].pk}/"
    grid_a = client_for(users["grid_a"])
    assert grid_a.patch(url, {"number": "1-102"}, format="json").status_code == 400
    ok = grid_a.patch(url, {"number": "1-102", "version": 1}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["number"], ok.json()["version"]) == ("1-102", 2)
    stale = grid_a.patch(url, {"number": "1-103", "version": 1}, format="json")
    assert stale.status_code == 409
    moved = grid_a.patch(url, {"area": areas["grid_b"].pk, "version": 2}, format="json")
    assert moved.status_code in (400, 403)
    other = client_for(users["grid_b"]).patch(url, {"number": "x", "version": 2}, format="json")
    assert other.status_code == 404
    assert Household.objects.get(pk=homes["h101"].pk).number == "1-102"


def test_household_delete_refuses_while_members_remain_and_is_audited(users, homes, areas):
    from fangkong.core.testing.factories import make_id_number

    services.create_resident(
        actor=users["grid_a"],
        data={
            "area": areas["grid_a"],
            "name": "赵六",
            "id_number": make_id_number(),
            "household": homes["h101"],
        },
    )
    url = f"{HOUSEHOLDS}{homes['h101'].pk}/"
    client = client_for(users["grid_a"])
    assert client.delete(url).status_code == 400
    assert Household.objects.filter(pk=homes["h101"].pk).exists()
    empty = f"{HOUSEHOLDS}{homes['h201'].pk}/"
    assert client.delete(empty).status_code == 404
    assert client_for(users["grid_b"]).delete(empty).status_code == 204
    assert not Household.objects.filter(pk=homes["h201"].pk).exists()
    assert (
        AuditEntry.objects.filter(
            action="delete", object_type="registry.household", object_id=str(homes["h201"].pk)
        ).count()
        == 1
    )


def test_household_building_must_be_in_the_same_grid(users, homes, areas):
    response = client_for(users["command"]).post(
        HOUSEHOLDS,
        {"area": areas["grid_b"].pk, "number": "9", "building": homes["b1"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"building": ["所选楼栋不在该网格内"]}


def test_list_query_counts_do_not_grow_with_rows(users, areas, django_assert_max_num_queries):
    actor = users["command"]
    for i in range(15):
        b = services.create_building(actor=actor, area=areas["grid_a"], name=f"{i}栋")
        services.create_household(actor=actor, area=areas["grid_a"], number=f"{i}", building=b)
    client = client_for(users["grid_a"])
    # session, user, user's area, 2 × role permissions, count, page: none per row
    with django_assert_max_num_queries(7):
        assert client.get(HOUSEHOLDS).json()["count"] == 15
    with django_assert_max_num_queries(7):
        assert client.get(BUILDINGS).json()["count"] == 15
