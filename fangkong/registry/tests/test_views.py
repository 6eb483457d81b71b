"""Resident, household and building pages: scoping, masking, reveal, export, locking."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Resident

ID_A1 = make_id_number(birth=datetime.date(1980, 5, 1), gender="M")
ID_A2 = make_id_number(birth=datetime.date(1990, 7, 2), gender="F")
ID_B1 = make_id_number(birth=datetime.date(1975, 3, 3), gender="M")
ID_C1 = make_id_number(birth=datetime.date(1985, 9, 9), gender="F")


@pytest.fixture
def people(users, areas):
    actor = users["command"]
    hh = services.create_household(
        actor=actor, area=areas["grid_a"], number="A-101", address="仁和区海棠花语小区1栋101"
    )

    def make(area, name, id_number, **kw):
        return services.create_resident(
            actor=actor,
            data={
                "area": areas[area],
                "name": name,
                "id_number": id_number,
                "phone": kw.pop("phone", "13800001234"),
                "address": "仁和区海棠花语小区1栋101",
            }
            | kw,
        )

    return {
        "a1": make("grid_a", "张三", ID_A1, household=hh, tags=["party"]),
        "a2": make("grid_a", "李四", ID_A2, phone="13912345678", category="inflow"),
        "b1": make("grid_b", "王五", ID_B1),
        "c1": make("grid_c", "赵六", ID_C1, category="returnee"),
        "household": hh,
    }


def login(client, user):
    client.force_login(user)
    return client


def names_in(response) -> list[str]:
    table = response.context["table"]
    return [obj.name for obj, _cells in table]


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


# --- list and search --------------------------------------------------------------------


def test_grid_worker_lists_only_own_grid(client, users, people):
    r = login(client, users["grid_a"]).get(reverse("registry:resident_list"))
    assert r.status_code == 200
    assert names_in(r) == ["张三", "李四"]
    assert "王五" not in r.content.decode()
    assert ID_A1 not in r.content.decode()
    assert mask("id_number", ID_A1) in r.content.decode()


def test_community_sees_both_grids_and_command_sees_all(client, users, people):
    r = login(client, users["community"]).get(reverse("registry:resident_list"))
    assert names_in(r) == ["张三", "李四", "王五"]
    r = login(client, users["command"]).get(reverse("registry:resident_list"))
    assert sorted(names_in(r)) == sorted(["张三", "李四", "王五", "赵六"])


def test_search_is_scoped(client, users, people):
    c = login(client, users["grid_a"])
    assert names_in(c.get(reverse("registry:resident_list"), {"q": "zs"})) == ["张三"]
    assert names_in(c.get(reverse("registry:resident_list"), {"q": "張三"})) == ["张三"]
    assert names_in(c.get(reverse("registry:resident_list"), {"q": "王五"})) == []
    assert names_in(c.get(reverse("registry:resident_list"), {"q": ID_B1})) == []
    assert names_in(c.get(reverse("registry:resident_list"), {"q": ID_A2[-4:]})) == ["李四"]


def test_filter_by_category(client, users, people):
    r = login(client, users["command"]).get(
        reverse("registry:resident_list"), {"category": "returnee"}
    )
    assert names_in(r) == ["赵六"]


def test_htmx_request_gets_the_table_fragment_only(client, users, people):
    r = login(client, users["grid_a"]).get(
        reverse("registry:resident_list"), {"q": "ls"}, headers={"HX-Request": "true"}
    )
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="object-table">')
    assert "<html" not in body
    assert names_in(r) == ["李四"]


def test_resident_list_query_count_does_not_grow_with_rows(
    client, users, people, areas, django_assert_max_num_queries
):
    c = login(client, users["command"])
    for i in range(30):
        services.create_resident(
            actor=users["command"],
            data={
                "area": areas["grid_b"],
                "name": f"测试{i}",
                "id_number": make_id_number(
                    birth=datetime.date(1970, 1, 1) + datetime.timedelta(i)
                ),
                "household": None,
            },
        )
    # session, user, 2 x role/Django permissions, user's area, count, page rows, area choices
    with django_assert_max_num_queries(8):
        r = c.get(reverse("registry:resident_list"))
    assert r.context["page"].paginator.count == 34


def test_household_and_building_lists_query_counts(
    client, users, people, django_assert_max_num_queries
):
    c = login(client, users["community"])
    # On SQLite the page's keys come first (core.views.generic.KeysFirst), then its rows.
    with django_assert_max_num_queries(8 + (connection.vendor == "sqlite")):
        r = c.get(reverse("registry:household_list"))
    assert [(o.number, o.member_count) for o, _ in r.context["table"]] == [("A-101", 1)]
    with django_assert_max_num_queries(8):
        r = c.get(reverse("registry:building_list"))
    assert r.status_code == 200


def test_volunteer_gets_403_in_chinese(client, users, people):
    r = login(client, users["volunteer"]).get(reverse("registry:resident_list"))
    assert r.status_code == 403
    assert "没有权限" in r.content.decode()


# --- detail, reveal ---------------------------------------------------------------------


def test_detail_is_masked_and_out_of_scope_is_404(client, users, people):
    c = login(client, users["grid_a"])
    r = c.get(reverse("registry:resident_detail", args=[people["a1"].pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert mask("id_number", ID_A1) in body
    assert ID_A1 not in body
    assert "13800001234" not in body
    for name in ("resident_detail", "resident_edit", "resident_delete"):
        assert c.get(reverse(f"registry:{name}", args=[people["b1"].pk])).status_code == 404


def test_reveal_returns_plaintext_and_is_audited(client, users, people):
    c = login(client, users["grid_a"])
    before = AuditEntry.objects.filter(action="reveal").count()
    r = c.post(
        reverse("registry:resident_reveal", args=[people["a1"].pk]),
        {"reason": "入户核对身份"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store"
    body = r.content.decode()
    assert ID_A1 in body and "13800001234" in body and "仁和区海棠花语小区1栋101" in body
    entries = AuditEntry.objects.filter(action="reveal")
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.object_id == str(people["a1"].pk)
    assert entry.actor_name == "grid_a"
    assert entry.changes == {"fields": ["address", "id_number", "phone"]}
    assert entry.reason == "入户核对身份"


def test_reveal_without_a_reason_shows_nothing_and_asks_for_one(client, users, people):
    c = login(client, users["grid_a"])
    url = reverse("registry:resident_reveal", args=[people["a1"].pk])
    for data in ({}, {"reason": "   "}):
        r = c.post(url, data, headers={"HX-Request": "true"})
        assert r.status_code == 200
        body = r.content.decode()
        assert ID_A1 not in body and "13800001234" not in body
        assert mask("id_number", ID_A1) in body
        assert "必须填写查看原因" in body
    assert AuditEntry.objects.filter(action="reveal").count() == 0


def test_reveal_denied_for_leader_and_outside_scope(client, users, people):
    r = login(client, users["leader"]).post(
        reverse("registry:resident_reveal", args=[people["a1"].pk])
    )
    assert r.status_code == 403
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_reveal", args=[people["b1"].pk])
    )
    assert r.status_code == 404
    assert AuditEntry.objects.filter(action="reveal").count() == 0


def test_detail_shows_reveal_button_only_with_permission(client, users, people):
    url = reverse("registry:resident_detail", args=[people["a1"].pk])
    reveal_url = reverse("registry:resident_reveal", args=[people["a1"].pk])
    assert reveal_url in login(client, users["grid_a"]).get(url).content.decode()
    assert reveal_url not in login(client, users["leader"]).get(url).content.decode()


# --- export -----------------------------------------------------------------------------


def test_export_is_scoped_masked_and_audited(client, users, people):
    r = login(client, users["grid_a"]).get(reverse("registry:resident_list"), {"export": "xlsx"})
    assert r.status_code == 200
    rows = read_xlsx(r)
    assert rows[0][:4] == ["姓名", "性别", "出生日期", "身份证号"]
    assert [row[0] for row in rows[1:]] == ["张三", "李四"]
    assert [row[3] for row in rows[1:]] == [mask("id_number", ID_A1), mask("id_number", ID_A2)]
    assert [row[4] for row in rows[1:]] == ["138****1234", "139****5678"]
    assert rows[1][11] == "党员"
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes["rows"] == 2
    assert entry.changes["revealed"] == []
    assert entry.area_path == users["grid_a"].area.path


def test_export_with_filters_records_them(client, users, people):
    r = login(client, users["command"]).get(
        reverse("registry:resident_list"), {"export": "xlsx", "category": "returnee"}
    )
    assert [row[0] for row in read_xlsx(r)[1:]] == ["赵六"]
    assert AuditEntry.objects.get(action="export").changes["filters"] == {"category": "returnee"}


def test_unmasked_export_needs_purpose_and_permission(client, users, people):
    url = reverse("registry:resident_list") + "?category=inflow"
    c = login(client, users["community"])
    r = c.post(url, {"export": "xlsx", "purpose": ""})
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="export").count() == 0

    r = c.post(url, {"export": "xlsx", "purpose": "核对流入人员名单"})
    rows = read_xlsx(r)
    assert [row[:5] for row in rows[1:]] == [
        ["李四", "女", datetime.datetime(1990, 7, 2), ID_A2, "13912345678"]
    ]
    entry = AuditEntry.objects.get(action="export")
    assert entry.reason == "核对流入人员名单"
    assert entry.changes["revealed"] == ["id_number", "phone", "address"]
    assert entry.changes["rows"] == 1

    # a grid worker may export masked lists only
    r = login(client, users["grid_a"]).post(url, {"export": "xlsx", "purpose": "x"})
    assert r.status_code == 403
    assert AuditEntry.objects.filter(action="export").count() == 1


def test_export_names_each_grid_with_its_community_and_imports_back(
    client, users, people, tmp_path
):
    """A city's (or street's) export said 第一网格 for grids of different communities: the
    reader could not tell them apart and re-importing the file refused every row."""
    from fangkong.core.importing import run_import

    r = login(client, users["command"]).post(
        reverse("registry:resident_list"), {"export": "xlsx", "purpose": "核对名单"}
    )
    rows = read_xlsx(r)
    grid = rows[0].index("网格")
    by_name = {row[0]: row[grid] for row in rows[1:]}
    assert by_name["张三"] == "海棠花语社区第一网格"
    assert by_name["赵六"] == "迷阳水岸社区第一网格"
    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    result = run_import(
        "registry.resident", path, actor=users["command"], area=users["command"].area
    )
    assert [e.message for e in result.errors] == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)


def test_leader_cannot_export(client, users, people):
    r = login(client, users["leader"]).get(reverse("registry:resident_list"), {"export": "xlsx"})
    assert r.status_code == 403


# --- create, edit, delete ---------------------------------------------------------------


def test_create_resident_through_the_form(client, users, areas, people):
    number = make_id_number(birth=datetime.date(2001, 2, 3), gender="F")
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_add"),
        {
            "area": areas["grid_a"].pk,
            "household": people["household"].pk,
            "name": " 孙七 ",
            "id_number": number,
            "phone": "138 0000 9999",
            "address": "海棠花语小区2栋",
            "category": "permanent",
            "tags": ["elderly", "alone"],
        },
    )
    created = Resident.objects.get(name="孙七")
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:resident_detail", args=[created.pk])
    assert (created.gender, created.birth_date) == ("F", datetime.date(2001, 2, 3))
    assert created.phone == "13800009999"
    assert created.tags == ",elderly,alone,"
    assert created.household_id == people["household"].pk
    assert AuditEntry.objects.filter(action="create", object_id=str(created.pk)).count() == 1


def test_create_shows_rule_errors_on_the_fields(client, users, areas, people):
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_add"),
        {
            "area": areas["grid_a"].pk,
            "name": "周八",
            "id_number": ID_A1,  # already registered
            "category": "permanent",
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["id_number"] == ["该身份证号已登记，请勿重复录入"]
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_add"),
        {
            "area": areas["grid_a"].pk,
            "name": "周八",
            "id_number": make_id_number(gender="M"),
            "gender": "F",
            "category": "permanent",
        },
    )
    assert list(r.context["form"].errors) == ["gender"]
    assert not Resident.objects.filter(name="周八").exists()


def test_future_arrival_date_is_an_error_on_its_field(client, users, areas, people):
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_add"),
        {
            "area": areas["grid_a"].pk,
            "name": "周八",
            "id_number": make_id_number(gender="M"),
            "category": "inflow",
            "arrival_date": "2099-01-01",
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors == {"arrival_date": ["抵达日期不能晚于今天"]}
    assert not Resident.objects.filter(name="周八").exists()


def test_grid_select_offers_only_visible_grids(client, users, areas):
    r = login(client, users["grid_a"]).get(reverse("registry:resident_add"))
    assert list(r.context["form"].fields["area"].queryset) == [areas["grid_a"]]
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_add"),
        {"area": areas["grid_b"].pk, "name": "周八", "id_number": make_id_number()},
    )
    assert "area" in r.context["form"].errors
    assert Resident.objects.count() == 0


def test_edit_keeps_personal_fields_when_left_empty(client, users, people):
    a1 = people["a1"]
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_edit", args=[a1.pk]),
        {
            "version": 1,
            "area": a1.area_id,
            "household": a1.household_id,
            "name": "张叁",
            "category": "permanent",
            "tags": ["party"],
        },
    )
    assert r.status_code == 302
    a1 = Resident.objects.get(pk=a1.pk)
    assert (a1.name, a1.version, a1.id_number, a1.phone) == ("张叁", 2, ID_A1, "13800001234")


def test_edit_with_stale_version_shows_conflict_and_changes_nothing(client, users, people):
    a1 = people["a1"]
    services.update_resident(
        actor=users["community"], resident=a1, data={"notes": "已走访"}, expected_version=1
    )
    r = login(client, users["grid_a"]).post(
        reverse("registry:resident_edit", args=[a1.pk]),
        {"version": 1, "area": a1.area_id, "name": "张三丰", "category": "permanent"},
    )
    assert r.status_code == 409
    assert "该记录已被其他人修改（当前版本 2，您编辑的是版本 1），请刷新后重新修改" in (
        r.content.decode()
    )
    fresh = Resident.objects.get(pk=a1.pk)
    assert (fresh.name, fresh.version, fresh.notes) == ("张三", 2, "已走访")
    assert AuditEntry.objects.filter(action="update", object_id=str(a1.pk)).count() == 1


def test_edit_form_does_not_show_plaintext(client, users, people):
    r = login(client, users["grid_a"]).get(
        reverse("registry:resident_edit", args=[people["a1"].pk])
    )
    body = r.content.decode()
    assert ID_A1 not in body and "13800001234" not in body
    assert mask("id_number", ID_A1) in body
    assert 'name="version" value="1"' in body


def test_delete_needs_reason_and_is_audited(client, users, people):
    url = reverse("registry:resident_delete", args=[people["a2"].pk])
    c = login(client, users["grid_a"])
    r = c.post(url, {"reason": ""})
    assert r.status_code == 200
    assert Resident.objects.filter(pk=people["a2"].pk).exists()
    r = c.post(url, {"reason": "已搬离本网格"})
    assert r.status_code == 302
    assert not Resident.objects.filter(pk=people["a2"].pk).exists()
    assert AuditEntry.objects.get(action="delete").reason == "已搬离本网格"


def test_cross_scope_writes_are_404_and_change_nothing(client, users, people):
    b1 = people["b1"]
    c = login(client, users["grid_a"])
    r = c.post(
        reverse("registry:resident_edit", args=[b1.pk]),
        {"version": 1, "area": b1.area_id, "name": "改名", "category": "permanent"},
    )
    assert r.status_code == 404
    r = c.post(reverse("registry:resident_delete", args=[b1.pk]), {"reason": "x"})
    assert r.status_code == 404
    fresh = Resident.objects.get(pk=b1.pk)
    assert (fresh.name, fresh.version) == ("王五", 1)


def test_leader_cannot_open_the_edit_form(client, users, people):
    c = login(client, users["leader"])
    assert c.get(reverse("registry:resident_add")).status_code == 403
    assert c.get(reverse("registry:resident_edit", args=[people["a1"].pk])).status_code == 403


# --- households -------------------------------------------------------------------------


def test_household_detail_lists_members_masked(client, users, people):
    r = login(client, users["grid_a"]).get(
        reverse("registry:household_detail", args=[people["household"].pk])
    )
    body = r.content.decode()
    assert [o.name for o, _ in r.context["members"]] == ["张三"]
    assert "仁和区海棠花语小区1栋101" not in body
    assert mask("address", "仁和区海棠花语小区1栋101") in body
    r = login(client, users["grid_b"]).get(
        reverse("registry:household_detail", args=[people["household"].pk])
    )
    assert r.status_code == 404


def test_household_options_for_the_chosen_grid(client, users, areas, people):
    c = login(client, users["grid_a"])
    r = c.get(reverse("registry:household_options"), {"area": areas["grid_a"].pk})
    assert f'<option value="{people["household"].pk}">A-101</option>' in r.content.decode()
    r = login(client, users["grid_b"]).get(
        reverse("registry:household_options"), {"area": areas["grid_a"].pk}
    )
    assert "A-101" not in r.content.decode()


# --- home -------------------------------------------------------------------------------


def _registry_panel(response) -> dict:
    (panel,) = (p for p in response.context["panels"] if p["template"].startswith("registry/"))
    return panel


def test_home_counts_are_those_of_the_users_area(client, users, people):
    r = login(client, users["community"]).get(reverse("home"))
    panel = _registry_panel(r)
    assert panel["residents"] == 3
    assert panel["households"] == 1
    assert panel["grids"] == 2
    assert {c["value"]: c["count"] for c in panel["categories"]} == {
        "permanent": 2,
        "inflow": 1,
        "returnee": 0,
        "temporary": 0,
        "outflow": 0,
    }
    r = login(client, users["grid_c"]).get(reverse("home"))
    assert _registry_panel(r)["residents"] == 1


def test_home_for_volunteer_is_short(client, users, people):
    r = login(client, users["volunteer"]).get(reverse("home"))
    # Only their own tasks (none yet), no area's figures.
    assert [p["template"] for p in r.context["panels"]] == [
        "volunteers/includes/my_home_panel.html"
    ]
    assert r.context["capabilities"] == []
    # Volunteers work from their own task page, linked in the menu.
    assert reverse("volunteers:my_tasks") in r.content.decode()
