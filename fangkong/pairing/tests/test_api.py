"""/api/v1/pairings/: the list scoped as the pages are (a party member, who has no list, is
refused), filtered with the list's FilterSet, created as the page names a target, ended with
a reason; never edited."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fangkong.core.models import AuditEntry
from fangkong.pairing import services
from fangkong.pairing.models import Pairing
from fangkong.volunteers.choices import PoolState

from .conftest import member_with_login, pair_building

pytestmark = pytest.mark.django_db
URL = "/api/v1/pairings/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def two(estate, users, areas):
    """党员甲 pairs 1栋 (grid_a); 党员丁 pairs 2-201 (grid_b)."""
    building = pair_building(users["community"], estate)
    other, other_user = member_with_login(
        users["community"], areas["community"], "党员丁", "member-d", state=PoolState.ACTIVE
    )
    household = services.pair(actor=users["community"], volunteer=other, household=estate.h201)
    return {"building": building, "household": household, "other_user": other_user}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_the_list_is_scoped_like_the_pages(estate, users, two):
    building, household = two["building"].pk, two["household"].pk
    assert ids(api(users["community"]).get(URL)) == sorted([building, household])
    assert ids(api(users["grid_a"]).get(URL)) == [building]
    assert ids(api(users["grid_b"]).get(URL)) == [household]  # not grid_a's
    assert ids(api(users["grid_c"]).get(URL)) == []
    assert api(users["grid_b"]).get(f"{URL}{building}/").status_code == 404
    # A party member has no list, not even of their own: their households are their pages.
    assert api(estate.member_user).get(URL).status_code == 403
    assert api(estate.member_user).get(f"{URL}{building}/").status_code == 403


def test_a_row_shows_its_target_and_the_list_filters_with_the_pages_filterset(estate, users, two):
    client = api(users["community"])
    row = client.get(f"{URL}{two['building'].pk}/").json()
    assert {k: row[k] for k in ("volunteer", "volunteer_name", "area", "area_name")} == {
        "volunteer": estate.member.pk,
        "volunteer_name": "党员甲",
        "area": estate.building.area_id,
        "area_name": "第一网格",
    }
    assert (row["building_id"], row["household_id"], row["target"]) == (
        estate.building.pk,
        None,
        "1栋（整栋）",
    )
    assert row["household_count"] == 2
    assert "building" not in row and "household" not in row  # written as names only
    assert ids(client.get(URL, {"whole_building": "true"})) == [two["building"].pk]
    assert ids(client.get(URL, {"whole_building": "false"})) == [two["household"].pk]
    assert ids(client.get(URL, {"q": "党员丁"})) == [two["household"].pk]


def test_create_names_the_target_as_the_page_does(estate, users, areas):
    client = api(users["community"])
    body = {
        "volunteer": estate.member.pk,
        "area": areas["grid_a"].pk,
        "building": "1栋",
        "household": "1-102",
        "notes": "独居老人",
    }
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    created = Pairing.objects.get()
    assert (created.volunteer, created.household, created.building) == (
        estate.member,
        estate.h102,
        None,
    )
    assert response.json()["id"] == created.pk and response.json()["target"] == "1栋 1-102"
    assert AuditEntry.objects.filter(
        object_type="pairing.pairing", object_id=str(created.pk), action="create"
    ).exists()
    # The service's rules answer per field.
    again = client.post(URL, body, format="json")
    assert again.status_code == 400 and "household" in again.json()
    unknown = client.post(URL, body | {"household": "9-999", "building": ""}, format="json")
    assert unknown.status_code == 400 and "该网格内没有户编号" in str(unknown.json())
    assert Pairing.objects.count() == 1


@pytest.fixture
def miyi(areas):
    """Community staff of the other district."""
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    return make_user(Role.COMMUNITY, areas["miyi_community"], username="miyi")


def test_create_is_refused_outside_the_callers_reach(estate, users, areas, miyi):
    body = {"volunteer": estate.member.pk, "area": areas["grid_a"].pk, "building": "1栋"}
    # A grid worker reads pairings but does not assign them.
    assert api(users["grid_a"]).post(URL, body, format="json").status_code == 403
    # Another district's staff: the member is none of theirs (no such id), nor the grid.
    outsider = api(miyi).post(URL, body, format="json")
    assert outsider.status_code == 400 and list(outsider.json()) == ["volunteer"]
    # A grid outside the caller's area is refused before any name in it is looked up.
    far = body | {"area": areas["grid_c"].pk, "building": "9栋"}
    assert api(users["community"]).post(URL, far, format="json").status_code == 403
    assert not Pairing.objects.exists()


def test_a_party_member_may_not_create_or_end_a_pairing(estate, users, two):
    client = api(estate.member_user)
    body = {"volunteer": estate.member.pk, "area": estate.h201.area_id, "household": "2-201"}
    assert client.post(URL, body, format="json").status_code == 403
    assert client.delete(f"{URL}{two['building'].pk}/").status_code == 403
    assert Pairing.objects.count() == 2


def test_delete_unpairs_with_its_reason(estate, users, two, miyi):
    pk = two["building"].pk
    # Staff of another area: not found; the grid's own worker: may not.
    assert api(miyi).delete(f"{URL}{pk}/", {"reason": "x"}, format="json").status_code == 404
    assert api(users["grid_a"]).delete(f"{URL}{pk}/").status_code == 403
    response = api(users["community"]).delete(f"{URL}{pk}/", {"reason": "党员调离"}, format="json")
    assert response.status_code == 204
    assert not Pairing.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(
        object_type="pairing.pairing", object_id=str(pk), action="delete"
    )
    assert entry.reason == "党员调离"
    assert services.paired_households(estate.member_user).count() == 0


def test_a_pairing_is_never_edited(users, two):
    client = api(users["community"])
    url = f"{URL}{two['building'].pk}/"
    assert client.put(url, {"notes": "x"}, format="json").status_code == 405
    assert client.patch(url, {"notes": "x"}, format="json").status_code == 405
