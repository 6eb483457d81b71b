"""/api/v1/residents/: scoping, masking, reveal, optimistic locking, search, query counts."""

import random

import pytest
from rest_framework.test import APIClient

from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Household, Resident

URL = "/api/v1/residents/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def detail(resident) -> str:
    return f"{URL}{resident.pk}/"


def _data(area, name, seed, *, phone, address, **kw):
    rng = random.Random(seed)
    return {
        "area": area,
        "name": name,
        "id_number": make_id_number(rng=rng),
        "phone": phone,
        "address": address,
    } | kw


@pytest.fixture
def people(users, areas):
    """张三 and 李四 in grid A, 王五 in grid B, 张山 in grid C (another district)."""
    actor = users["command"]
    make = services.create_resident
    return {
        "zhangsan": make(
            actor=actor,
            data=_data(
                areas["grid_a"], "张三", 1, phone="13800001234", address="海棠花语小区1栋101"
            ),
        ),
        "lisi": make(
            actor=actor,
            data=_data(
                areas["grid_a"],
                "李四",
                2,
                phone="13900005678",
                address="海棠花语小区2栋202",
                category="inflow",
            ),
        ),
        "wangwu": make(
            actor=actor,
            data=_data(areas["grid_b"], "王五", 3, phone="13700002222", address="海棠花语小区3栋"),
        ),
        "zhangshan": make(
            actor=actor,
            data=_data(areas["grid_c"], "张山", 4, phone="15800001234", address="迷阳水岸5栋"),
        ),
    }


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# --- scoping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("grid_a", ["张三", "李四"]),
        ("grid_b", ["王五"]),
        ("grid_c", ["张山"]),
        ("community", ["张三", "李四", "王五"]),
        ("street", ["张三", "李四", "王五"]),
        ("command", ["张三", "李四", "王五", "张山"]),
        ("leader", ["张三", "李四", "王五", "张山"]),
    ],
)
def test_list_shows_exactly_the_users_area_subtree(users, people, user, expected):
    response = client_for(users[user]).get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == len(expected)
    assert sorted(names(response)) == sorted(expected)


def test_role_without_view_permission_is_forbidden(users, people):
    response = client_for(users["volunteer"]).get(URL)
    assert response.status_code == 403


def test_detail_outside_the_area_is_not_found(users, people):
    assert client_for(users["grid_b"]).get(detail(people["zhangsan"])).status_code == 404
    assert client_for(users["grid_c"]).get(detail(people["zhangsan"])).status_code == 404
    response = client_for(users["grid_a"]).get(detail(people["zhangsan"]))
    assert response.status_code == 200
    assert response.json()["name"] == "张三"


def test_area_filter_only_accepts_visible_areas(users, areas, people):
    client = client_for(users["community"])
    response = client.get(URL, {"area": areas["grid_b"].pk})
    assert names(response) == ["王五"]
    assert client.get(URL, {"area": areas["grid_c"].pk}).status_code == 400


def test_category_filter_uses_the_shared_filterset(users, people):
    response = client_for(users["command"]).get(URL, {"category": "inflow"})
    assert names(response) == ["李四"]


# --- masking and reveal -------------------------------------------------------------------


def test_personal_fields_are_masked_in_list_and_detail(users, people):
    zs = Resident.objects.get(pk=people["zhangsan"].pk)
    client = client_for(users["grid_a"])
    row = next(r for r in client.get(URL).json()["results"] if r["id"] == zs.pk)
    one = client.get(detail(zs)).json()
    for body in (row, one):
        assert body["id_number"] == zs.id_number[:6] + "********" + zs.id_number[-4:]
        assert body["phone"] == "138****1234"
        assert body["address"] == "海棠花****"
    content = client.get(URL).content.decode()
    assert zs.id_number not in content
    assert "13800001234" not in content


def test_reveal_returns_plaintext_and_writes_one_audit_entry(users, people):
    zs = Resident.objects.get(pk=people["zhangsan"].pk)
    before = AuditEntry.objects.count()
    response = client_for(users["grid_a"]).post(
        f"{detail(zs)}reveal/", {"reason": "核酸排查"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "id_number": zs.id_number,
        "phone": "13800001234",
        "address": "海棠花语小区1栋101",
    }
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id, entry.actor_name) == ("reveal", str(zs.pk), "grid_a")
    assert entry.changes == {"fields": ["address", "id_number", "phone"]}
    assert entry.reason == "核酸排查"


@pytest.mark.parametrize(("user", "status"), [("leader", 403), ("volunteer", 403), ("grid_b", 404)])
def test_reveal_is_refused_without_permission_or_scope(users, people, user, status):
    before = AuditEntry.objects.count()
    response = client_for(users[user]).post(f"{detail(people['zhangsan'])}reveal/")
    assert response.status_code == status
    assert AuditEntry.objects.count() == before


def test_reveal_needs_a_reason(users, people):
    before = AuditEntry.objects.count()
    client = client_for(users["grid_a"])
    for body in ({}, {"reason": " "}):
        response = client.post(f"{detail(people['zhangsan'])}reveal/", body, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
        assert people["zhangsan"].id_number not in response.content.decode()
    assert AuditEntry.objects.count() == before


# --- writes -------------------------------------------------------------------------------


def test_create_goes_through_the_service_and_answers_masked(users, areas):
    id_number = make_id_number(rng=random.Random(9), gender="F")
    response = client_for(users["grid_a"]).post(
        URL,
        {
            "area": areas["grid_a"].pk,
            "name": "孙七",
            "id_number": id_number,
            "phone": "138 0000 9999",
            "address": "海棠花语小区9栋",
            "tags": ["elderly", "party"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    resident = Resident.objects.get(pk=body["id"])
    assert resident.id_number == id_number
    assert resident.phone == "13800009999"
    assert resident.gender == "F"
    assert resident.tags == ",elderly,party,"
    assert body["version"] == 1
    assert body["phone"] == "138****9999"
    assert body["id_number"] == mask("id_number", id_number)
    assert body["tags"] == ["elderly", "party"]
    assert body["gender"] == "F"
    assert body["area_name"] == "第一网格"
    assert list(
        AuditEntry.objects.filter(object_id=str(resident.pk)).values_list("action", flat=True)
    ) == ["create"]


def test_create_reports_service_errors_per_field(users, areas):
    response = client_for(users["grid_a"]).post(
        URL,
        {"area": areas["grid_a"].pk, "name": "孙七", "id_number": "51041119800101123"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["身份证号应为 18 位，当前为 17 位"]}
    assert Resident.objects.count() == 0


def test_create_rejects_a_duplicate_id_number(users, areas, people):
    response = client_for(users["grid_c"]).post(
        URL,
        {
            "area": areas["grid_c"].pk,
            "name": "张三",
            "id_number": Resident.objects.get(pk=people["zhangsan"].pk).id_number,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["该身份证号已登记，请勿重复录入"]}
    assert Resident.objects.count() == 4


def test_create_into_another_area_is_forbidden_and_writes_nothing(users, areas):
    response = client_for(users["grid_a"]).post(
        URL,
        {
            "area": areas["grid_b"].pk,
            "name": "孙七",
            "id_number": make_id_number(rng=random.Random(9)),
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "该区域不在您的管辖范围内"}
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_household_outside_the_scope_cannot_be_referenced(users, areas):
    household = services.create_household(actor=users["command"], area=areas["grid_c"], number="1")
    response = client_for(users["grid_a"]).post(
        URL,
        {
            "area": areas["grid_a"].pk,
            "household": household.pk,
            "name": "孙七",
            "id_number": make_id_number(rng=random.Random(9)),
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["household"]
    assert Resident.objects.count() == 0


def test_patch_without_version_is_rejected(users, people):
    zs = people["zhangsan"]
    response = client_for(users["grid_a"]).patch(detail(zs), {"name": "张叁"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"version": ["修改时必须提供版本号（version）"]}
    assert Resident.objects.get(pk=zs.pk).name == "张三"


def test_put_without_version_is_rejected(users, areas, people):
    zs = Resident.objects.get(pk=people["zhangsan"].pk)
    response = client_for(users["grid_a"]).put(
        detail(zs),
        {"area": areas["grid_a"].pk, "name": "张叁", "id_number": zs.id_number},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"version": ["修改时必须提供版本号（version）"]}
    assert Resident.objects.get(pk=zs.pk).name == "张三"


def test_patch_with_a_stale_version_is_a_conflict_and_changes_nothing(users, people):
    zs = people["zhangsan"]
    client = client_for(users["grid_a"])
    assert (
        client.patch(detail(zs), {"name": "张叁", "version": 1}, format="json").status_code == 200
    )
    response = client.patch(detail(zs), {"name": "张三丰", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "该记录已被其他人修改（当前版本 2，您编辑的是版本 1），请刷新后重新修改"
    }
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.name, fresh.version) == ("张叁", 2)


def test_a_patch_that_changes_nothing_keeps_the_version(users, people):
    # Read-only fields are ignored, the rest equal what is stored: nothing to write, so no
    # new version (another editor's form stays valid) and no empty audit entry.
    zs = people["zhangsan"]
    entries = AuditEntry.objects.count()
    response = client_for(users["grid_a"]).patch(
        detail(zs),
        {"created_at": "2020-01-01T00:00:00Z", "name": "张三", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert Resident.objects.get(pk=zs.pk).version == 1
    assert AuditEntry.objects.count() == entries


def test_patch_with_the_current_version_saves_and_bumps_it(users, people):
    zs = people["zhangsan"]
    response = client_for(users["grid_a"]).patch(
        detail(zs), {"phone": "13911112222", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["phone"] == "139****2222"
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.phone, fresh.version, fresh.name) == ("13911112222", 2, "张三")
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id) == ("update", str(zs.pk))
    assert list(entry.changes) == ["phone"]


def test_put_replaces_the_fields_with_the_current_version(users, areas, people):
    zs = Resident.objects.get(pk=people["zhangsan"].pk)
    response = client_for(users["grid_a"]).put(
        detail(zs),
        {
            "area": areas["grid_a"].pk,
            "name": "张三",
            "id_number": zs.id_number,
            "category": "returnee",
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.category, fresh.version) == ("returnee", 2)


def test_moving_a_resident_out_of_the_users_area_is_forbidden(users, areas, people):
    zs = people["zhangsan"]
    response = client_for(users["grid_a"]).patch(
        detail(zs), {"area": areas["grid_b"].pk, "version": 1}, format="json"
    )
    assert response.status_code == 403
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.area_id, fresh.version) == (areas["grid_a"].pk, 1)


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_writes_to_a_resident_outside_the_area_are_not_found(users, people, method):
    zs = people["zhangsan"]
    audit_before = AuditEntry.objects.count()
    response = getattr(client_for(users["grid_b"]), method)(
        detail(zs), {"name": "改名", "version": 1}, format="json"
    )
    assert response.status_code == 404
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.name, fresh.version) == ("张三", 1)
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_leader_is_read_only(users, areas, people, method):
    zs = people["zhangsan"]
    client = client_for(users["leader"])
    audit_before = AuditEntry.objects.count()
    if method == "post":
        response = client.post(
            URL, {"area": areas["grid_a"].pk, "name": "孙七", "id_number": "x"}, format="json"
        )
    else:
        response = getattr(client, method)(
            detail(zs), {"name": "改名", "version": 1}, format="json"
        )
    assert response.status_code == 403
    assert Resident.objects.count() == 4
    fresh = Resident.objects.get(pk=zs.pk)
    assert (fresh.name, fresh.version) == ("张三", 1)
    assert AuditEntry.objects.count() == audit_before


def test_delete_goes_through_the_service(users, people):
    zs = people["zhangsan"]
    response = client_for(users["grid_a"]).delete(detail(zs), {"reason": "迁出"}, format="json")
    assert response.status_code == 204
    assert not Resident.objects.filter(pk=zs.pk).exists()
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id, entry.reason) == ("delete", str(zs.pk), "迁出")


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "q", "expected"),
    [
        ("grid_a", "zs", ["张三"]),
        ("grid_a", "張三", ["张三"]),
        ("grid_a", "1234", ["张三"]),
        ("grid_a", "zhangsan", ["张三"]),
        ("grid_b", "zs", []),
        ("grid_b", "1234", []),
        ("grid_c", "zs", ["张山"]),
        ("grid_c", "1234", ["张山"]),
        ("command", "zs", ["张三", "张山"]),
        ("command", "1234", ["张三", "张山"]),
        ("command", "張三", ["张三"]),
    ],
)
def test_search_by_initials_traditional_and_last_digits_is_scoped(users, people, user, q, expected):
    response = client_for(users[user]).get(URL, {"q": q})
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)


def test_search_by_last_four_id_digits(users, people):
    zs = Resident.objects.get(pk=people["zhangsan"].pk)
    response = client_for(users["grid_a"]).get(URL, {"q": zs.id_number[-4:]})
    assert "张三" in names(response)


# --- query counts -------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_rows(users, areas, django_assert_max_num_queries):
    household = services.create_household(
        actor=users["command"], area=areas["grid_a"], number="101"
    )
    for seed in range(20):
        services.create_resident(
            actor=users["command"],
            data=_data(
                areas["grid_a"],
                f"居民{seed}",
                100 + seed,
                phone=f"1380000{seed:04d}",
                address="小区",
                household=household,
            ),
        )
    client = client_for(users["community"])
    # session, user, user's area, 2 × role permissions, count, page: none per row
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.json()["count"] == 20
    assert Household.objects.count() == 1
