"""The roster import: a unit's messy 值班表 in, exact counts and (row, column) errors out."""

import io

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.duty.models import Shift

from .conftest import at

pytestmark = pytest.mark.django_db
IMPORTER = "duty.shift"


def workbook(path, rows, header=("单位", "值班人", "岗位", "上班时间", "下班时间", "备注")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["海棠花语社区 2020 年 2 月值班表"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def named(users):
    users["grid_a"].full_name = "王网格"
    users["grid_a"].save()
    return users


def messy(areas):
    # Rows with errors have distinct starts: a repeated (unit, person, start) is itself an error.
    return [
        # row 3: fine, crossing midnight, person by full name
        ("海棠花语社区", "王网格", "值班员", "2020-02-14 20:00", "2020-02-15 08:00", "夜班"),
        # row 4: fine, by account and area code, leader
        (areas["community"].code, "community", "带班领导", "2020-02-14 08:00", "2020-02-14 20:00"),
        # row 5: end before start
        ("海棠花语社区", "grid_b", "值班员", "2020-02-16 08:00", "2020-02-16 07:00", ""),
        # row 6: a unit outside the import's area
        ("迷阳水岸社区", "grid_b", "值班员", "2020-02-17 08:00", "2020-02-17 20:00", ""),
        # row 7: unknown person
        ("海棠花语社区", "李雷", "值班员", "2020-02-15 08:00", "2020-02-15 20:00", ""),
        # row 8: unreadable time
        ("海棠花语社区", "grid_b", "值班员", "明天早上", "2020-02-15 20:00", ""),
        # row 9: blank unit → the import's unit
        ("", "grid_b", "", "2020-02-15 08:00", "2020-02-15 20:00", ""),
    ]


def errors(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def test_messy_roster_exact_counts_and_errors(tmp_path, areas, named):
    path = workbook(tmp_path / "roster.xlsx", messy(areas))
    result = run_import(
        IMPORTER, path, actor=named["community"], area=areas["community"], skip_invalid=True
    )
    assert (result.created, result.updated, result.rejected, result.total) == (3, 0, 4, 7)
    assert errors(result) == [
        (5, "下班时间", "结束时间必须晚于开始时间（跨夜班次请填写次日日期）"),
        (6, "单位", "单位“迷阳水岸社区”不在本次导入范围（海棠花语社区）内"),
        (7, "值班人", "未找到值班人员“李雷”，请填写其账号或姓名"),
        (8, "上班时间", "时间格式无法识别，请填写如 2020-02-14 10:30 的时间"),
    ]
    shifts = Shift.objects.order_by("start").select_related("person", "area")
    assert [(s.person.username, s.role, s.start, s.end, s.area.name) for s in shifts] == [
        ("community", "leader", at(8), at(20), "海棠花语社区"),
        ("grid_a", "officer", at(20), at(8, day=1), "海棠花语社区"),
        ("grid_b", "officer", at(8, day=1), at(20, day=1), "海棠花语社区"),
    ]
    creates = AuditEntry.objects.filter(object_type="duty.shift", action="create")
    assert creates.count() == 3
    assert set(creates.values_list("area_path", flat=True)) == {areas["community"].path}


def test_roster_by_date_and_shift_name(tmp_path, areas, named):
    """Most rosters say 2月14日 白班, not a start and an end: the date with its 班次 (a name or
    the hours), or with times of day, gives the shift; a night ends the next morning."""
    header = ("值班日期", "班次", "值班人员", "值班角色", "上班时间", "下班时间")
    rows = [
        ("2020-02-14", "白班", "community", "带班领导", "", ""),  # row 3
        ("2020年2月14日", "夜班", "王网格", "", "", ""),  # row 4
        ("2020-02-15", "8:30-17:30", "grid_b", "", "", ""),  # row 5
        ("2020-02-15", "20:00至次日8:00", "community", "", "", ""),  # row 6
        ("2020-02-16", "", "grid_b", "", "8:00", "20:00"),  # row 7: times of day
        ("2020-02-16", "白班", "王网格", "", "9:00", ""),  # row 8: the hour overrides
        ("2020-02-17", "早晚班", "grid_b", "", "", ""),  # row 9: unknown 班次
        ("", "白班", "grid_b", "", "", ""),  # row 10: no date
        ("2020-02-18", "", "grid_b", "", "", ""),  # row 11: nothing says when
        ("2020-02-18", "", "grid_b", "", "8点", "25:00"),  # row 12: not a time
    ]
    path = workbook(tmp_path / "roster.xlsx", rows, header=header)
    result = run_import(
        IMPORTER, path, actor=named["community"], area=areas["community"], skip_invalid=True
    )
    assert errors(result) == [
        (9, "班次", "班次“早晚班”无法识别，请填写白班、夜班、全天或时段（如 8:30-17:30）"),
        (10, "值班日期", "只填写了时刻，请填写值班日期"),
        (
            11,
            "上班时间",
            "请填写开始和结束时间，或填写值班日期和班次（如 白班、夜班、8:30-17:30）",
        ),
        (12, "下班时间", "时刻格式无法识别，请填写如 8:30 或 20:00 的时刻"),
    ]
    assert (result.created, result.rejected) == (6, 4)
    shifts = Shift.objects.order_by("start").select_related("person")
    assert [(s.person.username, s.start, s.end) for s in shifts] == [
        ("community", at(8), at(20)),
        ("grid_a", at(20), at(8, day=1)),
        ("grid_b", at(8, 30, day=1), at(17, 30, day=1)),
        ("community", at(20, day=1), at(8, day=2)),
        ("grid_b", at(8, day=2), at(20, day=2)),
        ("grid_a", at(9, day=2), at(20, day=2)),
    ]
    again = run_import(
        IMPORTER, path, actor=named["community"], area=areas["community"], skip_invalid=True
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_all_or_nothing_without_skip(tmp_path, areas, named):
    path = workbook(tmp_path / "roster.xlsx", messy(areas))
    result = run_import(IMPORTER, path, actor=named["community"], area=areas["community"])
    assert result.committed is False
    assert Shift.objects.count() == 0


def test_reimport_is_idempotent_and_a_corrected_end_updates(tmp_path, areas, named):
    rows = messy(areas)[:2]
    path = workbook(tmp_path / "roster.xlsx", rows)
    run_import(IMPORTER, path, actor=named["community"], area=areas["community"])
    again = run_import(IMPORTER, path, actor=named["community"], area=areas["community"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    fixed = [(*rows[0][:4], "2020-02-15 09:00", "夜班"), rows[1]]
    path2 = workbook(tmp_path / "roster2.xlsx", fixed)
    third = run_import(IMPORTER, path2, actor=named["community"], area=areas["community"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert Shift.objects.get(person=named["grid_a"]).end == at(9, day=1)


def test_import_needs_permission(tmp_path, areas, users):
    from django.core.exceptions import PermissionDenied

    path = workbook(tmp_path / "roster.xlsx", [])
    with pytest.raises(PermissionDenied):
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])


def test_web_import_and_export_round_trip(
    client, tmp_path, areas, named, django_capture_on_commit_callbacks
):
    client.force_login(named["community"])
    page = client.get(reverse("duty:shift_list"))
    assert reverse("duty:shift_import").encode() in page.content
    buf = io.BytesIO()
    workbook(buf, messy(areas)[:2])
    buf.seek(0)
    buf.name = "roster.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("duty:shift_import"), {"file": buf, "area": areas["community"].pk}
        )
    assert response.status_code == 302
    job = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    assert Shift.objects.count() == 2
    exported = client.get(reverse("duty:shift_list"), {"export": "xlsx"})
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:7] == [
        "值班单位",
        "值班人员",
        "账号",
        "值班角色",
        "值班电话",
        "开始时间",
        "结束时间",
    ]
    assert [r[1:4] for r in rows[1:]] == [
        ["community", "community", "带班领导"],
        ["王网格", "grid_a", "值班员"],
    ]
    # The export reads back as an import: nothing new, nothing changed.
    out = tmp_path / "export.xlsx"
    again = client.get(reverse("duty:shift_list"), {"export": "xlsx"})
    out.write_bytes(b"".join(again.streaming_content))
    result = run_import(IMPORTER, out, actor=named["community"], area=areas["community"])
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 2, 0)


def test_template_download(client, users):
    client.force_login(users["community"])
    response = client.get(reverse("duty:shift_import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {str(v) for row in sheet.iter_rows(max_row=5, values_only=True) for v in row if v}
    assert {"值班单位", "值班人员", "值班角色", "开始时间", "结束时间"} <= {
        c.rstrip("*") for c in cells
    }
    client.force_login(users["grid_a"])
    assert client.get(reverse("duty:shift_import_template")).status_code == 403


def test_command_line_import_as_the_system(tmp_path, areas, named, capsys):
    from django.core.management import call_command

    path = workbook(tmp_path / "roster.xlsx", messy(areas)[:2])
    call_command("import_duty_roster", str(path), "--area", areas["community"].code)
    assert Shift.objects.count() == 2
    entry = AuditEntry.objects.filter(object_type="duty.shift").first()
    assert entry.actor_name == "system"


def test_a_roster_carries_each_shifts_duty_phone(tmp_path, areas, named):
    """Every posted 值班表 lists the number to call: the import reads it (a wrong one is the
    row's error), the list and its export show it, and the export reads back unchanged."""
    header = ("单位", "值班人", "岗位", "上班时间", "下班时间", "值班电话")
    rows = [
        (
            "海棠花语社区",
            "王网格",
            "值班员",
            "2020-02-14 20:00",
            "2020-02-15 08:00",
            "0812-3335678",
        ),
        ("海棠花语社区", "community", "带班领导", "2020-02-14 08:00", "2020-02-14 20:00", "12345"),
    ]
    path = workbook(tmp_path / "roster.xlsx", rows, header=header)
    result = run_import(IMPORTER, path, actor=named["community"], area=areas["community"])
    assert errors(result) == [
        (4, "值班电话", "联系电话格式不正确：应为 11 位手机号或带区号的固定电话")
    ]
    rows[1] = (*rows[1][:5], "13800001111")
    path = workbook(tmp_path / "roster.xlsx", rows, header=header)
    result = run_import(IMPORTER, path, actor=named["community"], area=areas["community"])
    assert result.created == 2
    assert sorted(Shift.objects.values_list("phone", flat=True)) == ["08123335678", "13800001111"]


def test_a_shift_refuses_a_wrong_duty_phone_by_its_field(areas, users):
    from django.core.exceptions import ValidationError

    from fangkong.duty.services import create_shift

    data = {
        "area": areas["community"],
        "person": users["grid_a"],
        "start": at(8),
        "end": at(20),
        "phone": "12345",
    }
    with pytest.raises(ValidationError) as e:
        create_shift(actor=users["community"], data=data)
    assert list(e.value.message_dict) == ["phone"]
    shift = create_shift(actor=users["community"], data=data | {"phone": "138 0000 1111"})
    assert shift.phone == "13800001111"
