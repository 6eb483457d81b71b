"""Area tree, children fragment, counts, detail scoping, create/edit through services."""

import datetime

import pytest
from django.urls import reverse

from fangkong.areas.models import Area
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services


@pytest.fixture
def residents(users, areas):
    for i, grid in enumerate(["grid_a", "grid_a", "grid_b", "grid_c"]):
        services.create_resident(
            actor=users["command"],
            data={
                "area": areas[grid],
                "name": f"居民{i}",
                "id_number": make_id_number(birth=datetime.date(1980, 1, 1 + i)),
            },
        )


def nodes(response):
    return [(n["area"].name, n["has_children"], n["residents"]) for n in response.context["nodes"]]


def test_tree_root_is_the_users_area(client, users, residents):
    client.force_login(users["community"])
    r = client.get(reverse("areas:area_tree"))
    assert nodes(r) == [("海棠花语社区", True, 3)]


def test_children_fragment_counts_in_one_grouped_query(
    client, users, areas, residents, django_assert_max_num_queries
):
    client.force_login(users["command"])
    client.get(reverse("home"))
    with django_assert_max_num_queries(8):
        r = client.get(
            reverse("areas:area_children", args=[areas["city"].pk]),
            headers={"HX-Request": "true"},
        )
    assert nodes(r) == [("仁和区", True, 3), ("米易县", True, 1)]
    assert r.content.decode().lstrip().startswith("<li>")
    r = client.get(reverse("areas:area_children", args=[areas["community"].pk]))
    assert nodes(r) == [("第一网格", False, 2), ("第二网格", False, 1)]


def test_children_outside_scope_are_404(client, users, areas):
    client.force_login(users["grid_a"])
    assert (
        client.get(reverse("areas:area_children", args=[areas["community"].pk])).status_code == 404
    )
    assert client.get(reverse("areas:area_detail", args=[areas["grid_b"].pk])).status_code == 404
    assert client.get(reverse("areas:area_detail", args=[areas["grid_a"].pk])).status_code == 200


def test_grid_worker_counts_only_own_grid(client, users, areas, residents):
    client.force_login(users["grid_a"])
    r = client.get(reverse("areas:area_detail", args=[areas["grid_a"].pk]))
    assert r.context["residents"] == 2


@pytest.mark.parametrize("role", ["liaison", "inspector"])
def test_roles_that_may_not_read_residents_see_no_resident_counts(
    client, users, areas, residents, role
):
    from fangkong.core.testing.factories import make_user

    client.force_login(make_user(role, areas["street"]))
    tree = client.get(reverse("areas:area_tree"))
    assert [n[2] for n in nodes(tree)] == [None]
    assert "data-residents" not in tree.content.decode()
    detail = client.get(reverse("areas:area_detail", args=[areas["community"].pk]))
    assert detail.status_code == 200
    assert detail.context["residents"] is None
    assert [c["residents"] for c in detail.context["children"]] == [None, None]
    assert "data-residents" not in detail.content.decode()


def test_area_list_is_scoped_and_searchable(client, users, areas):
    client.force_login(users["street"])
    r = client.get(reverse("areas:area_list"))
    assert [o.name for o, _ in r.context["table"]] == [
        "仁和街道",
        "海棠花语社区",
        "第一网格",
        "第二网格",
    ]
    r = client.get(reverse("areas:area_list"), {"q": "第二"})
    assert [o.code for o, _ in r.context["table"]] == ["510411001001G02"]


def test_create_and_rename_area(client, users, areas):
    client.force_login(users["community"])
    r = client.post(
        reverse("areas:area_add"),
        {
            "code": "510411001001G03",
            "name": "第三网格",
            "level": 6,
            "parent": areas["community"].pk,
        },
    )
    grid = Area.objects.get(code="510411001001G03")
    assert r.status_code == 302
    assert grid.path == areas["community"].path + "510411001001G03/"
    r = client.post(
        reverse("areas:area_edit", args=[grid.pk]),
        {"version": 1, "name": "三网格", "parent": areas["community"].pk},
    )
    assert r.status_code == 302
    grid.refresh_from_db()
    assert (grid.name, grid.version, grid.code) == ("三网格", 2, "510411001001G03")
    assert AuditEntry.objects.filter(object_type="areas.area").count() == 2


def test_create_area_outside_scope_is_rejected(client, users, areas):
    client.force_login(users["community"])
    r = client.post(
        reverse("areas:area_add"),
        {"code": "X1", "name": "越权", "level": 6, "parent": areas["miyi_community"].pk},
    )
    assert r.status_code == 200
    assert "parent" in r.context["form"].errors
    assert not Area.objects.filter(code="X1").exists()


def test_grid_worker_cannot_add_areas(client, users):
    client.force_login(users["grid_a"])
    assert client.get(reverse("areas:area_add")).status_code == 403
