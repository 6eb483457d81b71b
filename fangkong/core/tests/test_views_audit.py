"""Audit viewer: area scoping, ciphertext hidden, filters, chain verification."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services


@pytest.fixture
def entries(users, areas):
    a = services.create_resident(
        actor=users["grid_a"],
        data={"area": areas["grid_a"], "name": "张三", "id_number": make_id_number(gender="M")},
    )
    c = services.create_resident(
        actor=users["grid_c"],
        data={"area": areas["grid_c"], "name": "赵六", "id_number": make_id_number(gender="F")},
    )
    services.update_resident(
        actor=users["grid_a"], resident=a, data={"phone": "13800001234"}, expected_version=1
    )
    return {"a": a, "c": c}


def listed(response):
    return [(e.action, e.object_id) for e, _changes in response.context["entries"]]


def test_community_sees_only_its_subtree(client, users, entries):
    client.force_login(users["community"])
    r = client.get(reverse("core:audit_list"))
    a = str(entries["a"].pk)
    assert listed(r) == [("update", a), ("create", a)]


def test_command_sees_all(client, users, entries):
    client.force_login(users["command"])
    r = client.get(reverse("core:audit_list"))
    assert len(listed(r)) == 3


def test_ciphertext_is_never_shown(client, users, entries):
    client.force_login(users["command"])
    body = client.get(reverse("core:audit_list")).content.decode()
    assert "（已加密）" in body
    assert "13800001234" not in body
    assert not re.search(r"\d+\$[A-Za-z0-9+/]{16,}", body)
    raw = AuditEntry.objects.get(action="update").changes["phone"][1]
    assert raw not in body


def test_update_changes_are_shown_as_old_and_new(client, users, entries):
    client.force_login(users["community"])
    r = client.get(reverse("core:audit_list"), {"action": "update"})
    ((_entry, changes),) = r.context["entries"]
    assert changes == [{"label": "联系电话", "old": "—", "new": "（已加密）"}]


def test_filters(client, users, entries):
    client.force_login(users["command"])
    url = reverse("core:audit_list")
    assert listed(client.get(url, {"action": "create", "actor": "grid_c"})) == [
        ("create", str(entries["c"].pk))
    ]
    assert listed(client.get(url, {"object_type": "registry.household"})) == []
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert listed(client.get(url, {"date_from": tomorrow})) == []
    assert len(listed(client.get(url, {"date_to": tomorrow}))) == 3


def test_verify_button(client, users, entries):
    client.force_login(users["community"])
    r = client.post(reverse("core:audit_verify"), headers={"HX-Request": "true"})
    body = r.content.decode()
    assert 'data-ok="1"' in body
    assert "已校验 3 条记录" in body
    assert "<html" not in body


def test_verify_reports_tampering(client, users, entries):
    # Tamper below the ORM's append-only guard, as an attacker with database access would.
    from django.db import connection

    from fangkong.core.models import AuditEntry

    second = AuditEntry.objects.order_by("id")[1].id  # ids come from a sequence on PostgreSQL
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["篡改", second])
    client.force_login(users["command"])
    body = client.post(reverse("core:audit_verify")).content.decode()
    assert 'data-ok="0"' in body
    assert f"自编号 {second} 的记录起出现问题" in body


def test_grid_worker_has_no_audit_viewer(client, users, entries):
    client.force_login(users["grid_a"])
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.post(reverse("core:audit_verify")).status_code == 403


def test_entries_read_in_the_pages_words(client, users, entries):
    """An object's type by its name (居民, not registry.resident), a choice by its label
    (男, not M), and a login's result and address in words (the user model's
    ``audit_labels``); the technical type stays in the tooltip."""
    client.post(reverse("login"), {"username": "community", "password": "pw-for-tests-only"})
    client.force_login(users["command"])
    r = client.get(reverse("core:audit_list"))
    body = r.content.decode()
    assert '<span title="registry.resident">居民</span>' in body
    a = str(entries["a"].pk)
    create = next(c for e, c in r.context["entries"] if (e.action, e.object_id) == ("create", a))
    shown = {row["label"]: row["new"] for row in create}
    assert shown["性别"] == "男" and shown["人员类别"] == "常住"
    login = next(c for e, c in r.context["entries"] if e.action == "login")
    assert {row["label"]: row["new"] for row in login} == {
        "登录结果": "成功",
        "来源地址": "127.0.0.1",
    }


def test_related_objects_are_named(client, users, areas, entries, django_assert_num_queries):
    """A foreign key reads as the related area's or account's name (one query per model
    for the page); a record's number where its model is not named (a household) or the
    object is gone."""
    resident = entries["a"]
    resident.refresh_from_db()
    services.update_resident(
        actor=users["command"],
        resident=resident,
        data={"area": areas["grid_b"]},
        expected_version=resident.version,
    )
    client.force_login(users["command"])
    r = client.get(reverse("core:audit_list"), {"object_type": "registry.resident"})
    move = next(
        c
        for e, c in r.context["entries"]
        if e.action == "update"
        and e.object_id == str(resident.pk)
        and any(row["label"] == "网格" for row in c)
    )
    row = next(row for row in move if row["label"] == "网格")
    assert (row["old"], row["new"]) == (areas["grid_a"].name, areas["grid_b"].name)
    create = next(
        c
        for e, c in r.context["entries"]
        if e.action == "create" and e.object_id == str(resident.pk)
    )
    shown = {row["label"]: row["new"] for row in create}
    assert shown["网格"] == areas["grid_a"].name
    assert shown["户"] == "—"  # no household: nothing to name

    from fangkong.core.views.audit import display_changes, related_names

    page = list(r.context["entries"])
    cache: dict = {}
    with django_assert_num_queries(1):  # the areas of the whole page at once
        names = related_names([e for e, _c in page], cache)
    gone = AuditEntry(
        object_type="registry.resident",
        action="update",
        changes={"area": [areas["grid_a"].pk, 999999], "household": [None, 5]},
    )
    rows = {row["label"]: (row["old"], row["new"]) for row in display_changes(gone, cache, names)}
    assert rows["网格"] == (areas["grid_a"].name, "999999")
    assert rows["户"] == ("—", "5")


def test_lists_dicts_and_yes_no_read_in_words(areas, users):
    """A many-to-many list by names, a price report's lines by commodity (the model's
    ``audit_keyed``), a yes-or-no field as 是 / 否."""
    from fangkong.core.views.audit import display_changes, related_names
    from fangkong.prices.models import Commodity

    rice = Commodity.objects.create(
        name="大米", category=Commodity._meta.get_field("category").choices[0][0]
    )
    group = AuditEntry(
        object_type="supervision.inspectiongroup",
        action="create",
        changes={
            "assigned_areas": [areas["grid_a"].pk, areas["grid_b"].pk],
            "members": [users["command"].pk],
            "active": True,
        },
    )
    report = AuditEntry(
        object_type="prices.pricereport",
        action="update",
        changes={"lines": {str(rice.pk): ["2.54", "671.00"], "999999": ["1.00", None]}},
    )
    cache: dict = {}
    names = related_names([group, report], cache)
    shown = {row["label"]: row["new"] for row in display_changes(group, cache, names)}
    assert shown == {
        "督导区域": f"{areas['grid_a'].name}、{areas['grid_b'].name}",
        "成员": str(users["command"]),
        "在岗": "是",
    }
    (lines,) = display_changes(report, cache, names)
    assert lines == {
        "label": "价格明细（价格 / 库存）",
        "old": None,
        "new": "大米：2.54 / 671.00；999999：1.00 / —",
    }


def test_changes_take_the_languages_colon(areas, users, compiled_locale):
    """An English reader saw "大米：2.54 / 671.00" and "Reason：—" in the audit log and its
    export: the colon was glued in code, outside any translation."""
    from django.utils import translation

    from fangkong.core.views.audit import changes_text, display_changes

    entry = AuditEntry(
        object_type="prices.pricereport",
        action="update",
        changes={"lines": {"999999": ["2.54", "671.00"]}},
    )
    with translation.override("en"):
        (row,) = display_changes(entry, {}, {})
        assert row["new"] == "999999: 2.54 / 671.00"
        assert changes_text([{"label": "Reason", "old": None, "new": "—"}]) == "Reason: —"
    with translation.override("zh-hans"):
        assert changes_text([{"label": "原因", "old": "甲", "new": "乙"}]) == "原因：甲 → 乙"


def test_recorded_date_times_read_in_local_time(settings):
    """A date-time field's change is recorded as UTC ISO text; the log shows it as the
    pages do (Asia/Shanghai: 03:09 UTC is 11:09)."""
    from fangkong.core.views.audit import display_changes

    settings.TIME_ZONE = "Asia/Shanghai"
    entry = AuditEntry(
        object_type="duty.noticereceipt",
        action="update",
        changes={"acknowledged_at": [None, "2026-12-02T03:09:12.650333+00:00"]},
    )
    (row,) = display_changes(entry, {}, {})
    assert (row["old"], row["new"]) == ("—", "2026-12-02 11:09")


def _sheet(data: bytes) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_export_writes_the_scoped_entries_in_words_and_is_audited(client, users, areas, entries):
    """The community's export holds its subtree's entries only, each change in the page's
    words (the area by name, ciphertext never), and is itself an audited read."""
    client.force_login(users["community"])
    r = client.get(
        reverse("core:audit_list"), {"object_type": "registry.resident", "export": "xlsx"}
    )
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    header, *rows = _sheet(b"".join(r.streaming_content))
    assert header == [
        "编号",
        "时间",
        "操作人",
        "操作",
        "对象类型",
        "对象编号",
        "对象",
        "变更内容",
        "原因",
    ]
    shown = {(row[3], row[5]) for row in rows}
    assert shown == {("新增", str(entries["a"].pk)), ("修改", str(entries["a"].pk))}  # not grid C's
    create = next(row for row in rows if row[3] == "新增")
    assert create[4] == "居民"
    assert f"网格：{areas['grid_a'].name}" in create[7].splitlines()
    assert "身份证号：（已加密）" in create[7].splitlines()
    assert not re.search(r"\d+\$[A-Za-z0-9+/]{16,}", "".join(str(c) for row in rows for c in row))
    export = AuditEntry.objects.get(action="export")
    assert export.object_type == "core.auditentry" and export.changes["rows"] == 2
    assert export.changes["filters"] == {"object_type": "registry.resident"}


def test_a_long_export_runs_as_a_job_with_the_same_words(
    client, users, areas, entries, settings, django_capture_on_commit_callbacks
):
    from fangkong.core.models import Job

    settings.FANGKONG_EXPORT_BACKGROUND_ROWS = 1
    client.force_login(users["command"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get(
            reverse("core:audit_list"), {"object_type": "registry.resident", "export": "xlsx"}
        )
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("core:job_detail", args=[job.pk])
    file = client.get(reverse("core:job_export_file", args=[job.pk]))
    _header, *rows = _sheet(b"".join(file.streaming_content))
    assert len(rows) == 3  # both residents' creates and the update
    areas_shown = {
        line for row in rows for line in row[7].splitlines() if line.startswith("网格：")
    }
    assert areas_shown == {f"网格：{areas['grid_a'].name}", f"网格：{areas['grid_c'].name}"}


def test_grid_worker_cannot_export_the_audit_log(client, users, entries):
    client.force_login(users["grid_a"])
    assert client.get(reverse("core:audit_list"), {"export": "xlsx"}).status_code == 403


def test_a_records_history_is_one_click_from_its_page(client, users, entries):
    """A detail page links to the audit log filtered to that record (操作记录) for whoever
    may read the log; the list then shows that record's entries alone."""
    a = entries["a"]
    client.force_login(users["community"])
    page = client.get(reverse("registry:resident_detail", args=[a.pk])).content.decode()
    url = f"{reverse('core:audit_list')}?object_type=registry.resident&amp;object_id={a.pk}"
    assert url in page
    r = client.get(
        reverse("core:audit_list"), {"object_type": "registry.resident", "object_id": a.pk}
    )
    assert sorted(listed(r)) == [("create", str(a.pk)), ("update", str(a.pk))]
    assert f"仅显示 居民 #{a.pk} 的操作记录" in r.content.decode()

    client.force_login(users["grid_a"])  # no audit viewer: no link
    page = client.get(reverse("registry:resident_detail", args=[a.pk])).content.decode()
    assert "操作记录" not in page
