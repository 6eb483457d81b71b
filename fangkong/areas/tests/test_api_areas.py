"""/api/v1/areas/: the caller's subtree; create, rename and move through the area services."""

import pytest
from rest_framework.test import APIClient

from fangkong.areas.models import Area
from fangkong.core.models import AuditEntry

URL = "/api/v1/areas/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("grid_a", ["510411001001G01"]),
        ("community", ["510411001001", "510411001001G01", "510411001001G02"]),
        ("grid_c", ["510421100001G01"]),
    ],
)
def test_list_is_the_users_subtree(users, user, expected):
    response = client_for(users[user]).get(URL)
    assert response.status_code == 200
    assert codes(response) == expected


def test_command_sees_the_whole_city(users, areas):
    response = client_for(users["command"]).get(URL)
    assert response.json()["count"] == 10
    assert codes(response)[0] == "510400"


def test_filters_come_from_the_area_filterset(users, areas):
    client = client_for(users["command"])
    assert codes(client.get(URL, {"level": 6})) == [
        "510411001001G01",
        "510411001001G02",
        "510421100001G01",
    ]
    assert codes(client.get(URL, {"q": "米易"})) == ["510421"]
    assert codes(client.get(URL, {"within": areas["miyi"].pk})) == [
        "510421",
        "510421100",
        "510421100001",
        "510421100001G01",
    ]
    assert codes(client.get(URL, {"parent": areas["community"].pk})) == [
        "510411001001G01",
        "510411001001G02",
    ]


def test_detail_outside_the_subtree_is_not_found(users, areas):
    client = client_for(users["community"])
    assert client.get(f"{URL}{areas['grid_c'].pk}/").status_code == 404
    assert client.get(f"{URL}{areas['street'].pk}/").status_code == 404
    body = client.get(f"{URL}{areas['grid_a'].pk}/").json()
    assert body == {
        "id": areas["grid_a"].pk,
        "code": "510411001001G01",
        "name": "第一网格",
        "level": 6,
        "parent": areas["community"].pk,
        "path": "510400/510411/510411001/510411001001/510411001001G01/",
        "depth": 4,
        "version": 1,
    }


def test_community_creates_a_grid_below_itself(users, areas):
    response = client_for(users["community"]).post(
        URL,
        {
            "code": "510411001001G03",
            "name": "第三网格",
            "level": 6,
            "parent": areas["community"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    area = Area.objects.get(code="510411001001G03")
    assert area.path == "510400/510411/510411001/510411001001/510411001001G03/"
    assert response.json()["path"] == area.path
    assert AuditEntry.objects.filter(object_id=str(area.pk), action="create").count() == 1


def test_create_outside_the_subtree_or_read_only_is_forbidden(users, areas):
    data = {"code": "X1", "name": "新网格", "level": 6, "parent": areas["miyi_community"].pk}
    assert client_for(users["community"]).post(URL, data, format="json").status_code == 403
    data["parent"] = areas["community"].pk
    assert client_for(users["leader"]).post(URL, data, format="json").status_code == 403
    assert not Area.objects.filter(code="X1").exists()


def test_create_reports_service_errors(users, areas):
    response = client_for(users["community"]).post(
        URL,
        {"code": "X2", "name": "错层", "level": 5, "parent": areas["community"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"level": ["下级区域的层级必须低于上级区域"]}
    assert not Area.objects.filter(code="X2").exists()


def test_rename_needs_the_current_version(users, areas):
    client = client_for(users["community"])
    url = f"{URL}{areas['grid_b'].pk}/"
    missing = client.patch(url, {"name": "二网格"}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"version": ["修改时必须提供版本号（version）"]}
    ok = client.patch(url, {"name": "二网格", "version": 1}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["name"], ok.json()["version"]) == ("二网格", 2)
    stale = client.patch(url, {"name": "第二网格", "version": 1}, format="json")
    assert stale.status_code == 409
    fresh = Area.objects.get(pk=areas["grid_b"].pk)
    assert (fresh.name, fresh.version, fresh.parent_id) == ("二网格", 2, areas["community"].pk)


def test_code_and_level_are_read_only_on_update(users, areas):
    response = client_for(users["community"]).patch(
        f"{URL}{areas['grid_b'].pk}/", {"code": "Z", "level": 5, "version": 1}, format="json"
    )
    assert response.status_code == 200
    fresh = Area.objects.get(pk=areas["grid_b"].pk)
    assert (fresh.code, fresh.level, fresh.version) == ("510411001001G02", 6, 2)


def test_move_into_another_subtree_is_forbidden(users, areas):
    response = client_for(users["community"]).patch(
        f"{URL}{areas['grid_b'].pk}/",
        {"parent": areas["miyi_community"].pk, "version": 1},
        format="json",
    )
    assert response.status_code == 403
    assert Area.objects.get(pk=areas["grid_b"].pk).parent_id == areas["community"].pk


def test_update_outside_the_subtree_is_not_found(users, areas):
    response = client_for(users["community"]).patch(
        f"{URL}{areas['grid_c'].pk}/", {"name": "改", "version": 1}, format="json"
    )
    assert response.status_code == 404
    assert Area.objects.get(pk=areas["grid_c"].pk).name == "第一网格"


def test_areas_cannot_be_deleted_through_the_api(users, areas):
    response = client_for(users["command"]).delete(f"{URL}{areas['grid_b'].pk}/")
    assert response.status_code == 405
    assert Area.objects.filter(pk=areas["grid_b"].pk).exists()


def test_list_query_count(users, areas, django_assert_max_num_queries):
    # session, user, user's area, 2 × role permissions, count, page
    client = client_for(users["command"])
    with django_assert_max_num_queries(7):
        assert client.get(URL).json()["count"] == 10
