"""The nucleic-acid result import: a lab's messy list in, exact counts, errors and statuses out."""

from __future__ import annotations

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_id_number
from fangkong.health.models import NucleicAcidTest
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident

IMPORTER = "health.nucleic_acid_test"
LAB = "仁和区人民医院"
NOT_FOUND = "未找到该身份证号的居民（本区域内）"
RECENT = timezone.localtime(timezone.now() - datetime.timedelta(hours=5)).replace(
    second=0, microsecond=0
)
RECENT_TEXT = RECENT.strftime("%Y-%m-%d %H:%M")
HEADER = ["序号", "受检者姓名", "公民身份号码", "采样日期", "结果", "检测单位", "报告时间"]


@pytest.fixture
def people(areas):
    return {
        "a1": make_resident(areas["grid_a"], name="欧阳明月"),
        "a2": make_resident(areas["grid_a"], name="李四"),
        "b1": make_resident(areas["grid_b"], name="王五"),
        "c1": make_resident(areas["grid_c"], name="赵六"),  # 米易县: outside 仁和区
    }


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def bad_checksum(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["核酸检测结果名单（仁和区人民医院）"])
        w.writerow(header)
        w.writerows(rows)
    return path


def messy_rows(people):
    unknown = make_id_number(birth=datetime.date(1966, 6, 6))
    return [
        # row 3: fine, with a full-width ID and a Chinese date
        [
            1,
            "欧阳明月",
            fullwidth(people["a1"].id_number),
            "2020年2月14日 10时30分",
            "阴性",
            LAB,
            "",
        ],
        [2, "错号", bad_checksum(people["a2"].id_number), "2020-02-14 10:31", "阴性", LAB, ""],
        [3, "未登记", unknown, "2020-02-14 10:32", "阴性", LAB, ""],
        [4, "赵六", people["c1"].id_number, "2020-02-14 10:33", "阴性", LAB, ""],
        [5, "李四", people["a2"].id_number, "2020-02-14 10:34", "弱阳", LAB, ""],
        # row 8: the same sample as row 3 again
        [6, "欧阳明月", people["a1"].id_number, "2020-02-14 10:30", "阴性", LAB, ""],
        [7, "王五", people["b1"].id_number, RECENT_TEXT, "阳性", LAB, ""],
        [8, "李四", people["a2"].id_number, "2020/2/15 9:00", "待出", LAB, ""],
    ]


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def colour(resident):
    return PersonStatus.objects.filter(resident=resident).values_list("colour", flat=True).first()


def test_messy_lab_list_dry_run_then_skip_invalid(
    tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "核酸.csv", messy_rows(people))
    actor, area = users["community"], areas["community"]
    dry = run_import(IMPORTER, path, actor=actor, area=area, dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged, dry.rejected, dry.total) == (3, 0, 0, 5, 8)
    assert (dry.committed, NucleicAcidTest.objects.count()) == (False, 0)
    assert errors_of(dry) == [
        (4, "公民身份号码", "身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"),
        (5, "公民身份号码", NOT_FOUND),
        (6, "公民身份号码", NOT_FOUND),
        (7, "结果", "无法识别“弱阳”，可填写：待出结果、阴性、阳性"),
        (8, "公民身份号码", "与第 3 行公民身份号码重复"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True)
    assert (result.created, result.rejected, result.committed) == (3, 5, True)
    tests = {
        t.resident_id: t
        for t in NucleicAcidTest.objects.select_related("resident").order_by("sampled_at")
    }
    assert sorted(tests) == sorted([people["a1"].pk, people["a2"].pk, people["b1"].pk])
    a1 = tests[people["a1"].pk]
    assert (a1.result, a1.institution, a1.reported_at) == ("negative", LAB, None)
    assert timezone.localtime(a1.sampled_at).strftime("%Y-%m-%d %H:%M") == "2020-02-14 10:30"
    assert tests[people["a2"].pk].result == "pending"
    assert tests[people["b1"].pk].result == "positive"
    # Each record audited like the service's create, with the resident's grid as area.
    entries = AuditEntry.objects.filter(object_type="health.nucleicacidtest", action="create")
    assert entries.count() == 3
    b1_entry = entries.get(object_id=str(tests[people["b1"].pk].pk))
    assert b1_entry.area_path == areas["grid_b"].path
    assert b1_entry.changes["result"] == "positive"
    assert AuditEntry.objects.filter(action="import").count() == 1
    assert verify_chain().ok
    # The positive result turned 王五 red; only the affected residents were recomputed.
    assert colour(people["b1"]) == "red"
    assert PersonStatus.objects.count() == 2  # b1 (positive) and a1 (negative); a2 pending


def test_reimport_is_idempotent_and_pending_takes_result(tmp_path, users, areas, people):
    actor, area = users["grid_a"], areas["grid_a"]
    rows = [
        [1, "欧阳明月", people["a1"].id_number, "2020-02-14 10:30", "阴性", LAB, ""],
        [2, "李四", people["a2"].id_number, "2020-02-15 09:00", "待出", LAB, ""],
    ]
    first = run_import(IMPORTER, write_csv(tmp_path / "1.csv", rows), actor=actor, area=area)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2, 0, 0, 0)
    again = run_import(IMPORTER, write_csv(tmp_path / "2.csv", rows), actor=actor, area=area)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert NucleicAcidTest.objects.count() == 2

    rows[1][4], rows[1][6] = "阴性", "2020-02-15 20:00"
    later = run_import(IMPORTER, write_csv(tmp_path / "3.csv", rows), actor=actor, area=area)
    assert (later.created, later.updated, later.unchanged, later.rejected) == (0, 1, 1, 0)
    a2 = NucleicAcidTest.objects.get(resident=people["a2"])
    assert (a2.result, a2.version) == ("negative", 2)
    assert timezone.localtime(a2.reported_at).strftime("%H:%M") == "20:00"

    rows[0][4] = "阳性"  # a result never turns into another one
    bad = run_import(IMPORTER, write_csv(tmp_path / "4.csv", rows), actor=actor, area=area)
    assert (bad.updated, bad.unchanged, bad.rejected, bad.committed) == (0, 1, 1, False)
    assert errors_of(bad) == [(3, "结果", "该样本已有检测结果，不能改为其他结果")]
    assert NucleicAcidTest.objects.get(resident=people["a1"]).result == "negative"


def test_row_rules_of_the_service(tmp_path, users, areas, people):
    future = timezone.localtime(timezone.now() + datetime.timedelta(days=2))
    rows = [
        [1, "欧阳明月", people["a1"].id_number, future.strftime("%Y-%m-%d %H:%M"), "阴性", LAB],
        [2, "李四", people["a2"].id_number, "2020-02-15 09:00", "阴性", LAB, "2020-02-14"],
        [3, "李四", people["a2"].id_number, "2020-02-16 09:00", "阴性", ""],
        [4, "李四", people["a2"].id_number, "2020-02-31 09:00", "阴性", LAB],
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    result = run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    assert (result.created, result.rejected) == (0, 4)
    assert errors_of(result) == [
        (3, "采样日期", "采样时间不能晚于当前时间"),
        (4, "报告时间", "报告时间不能早于采样时间"),
        (5, "检测单位", "不能为空"),
        (6, "采样日期", "日期不存在，请核对年月日"),
    ]


def test_grid_worker_cannot_reach_another_grid(tmp_path, users, areas, people):
    rows = [[1, "王五", people["b1"].id_number, "2020-02-14 10:30", "阴性", LAB, ""]]
    path = write_csv(tmp_path / "b.csv", rows)
    result = run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    assert (result.created, result.rejected) == (0, 1)
    assert errors_of(result) == [(3, "公民身份号码", NOT_FOUND)]


def test_command_line(tmp_path, areas, people, capsys):
    path = write_csv(tmp_path / "c.csv", messy_rows(people))
    with pytest.raises(CommandError) as exc:
        call_command("import_nat_results", str(path), "--area", areas["renhe"].code, "--json")
    assert exc.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert {k: data[k] for k in ("created", "rejected", "total", "committed")} == {
        "created": 3,
        "rejected": 5,
        "total": 8,
        "committed": False,
    }
    with pytest.raises(CommandError):
        call_command(
            "import_nat_results",
            str(path),
            "--area",
            areas["renhe"].code,
            "--skip-invalid",
            "--dry-run",
        )
    assert capsys.readouterr().out.splitlines()[0] == (
        "预检完成（未写入）：新增 3 条，更新 0 条，未变化 0 条，未导入 5 行"
    )
    assert NucleicAcidTest.objects.count() == 0


def test_web_flow_upload_preview_confirm(
    client, users, areas, people, django_capture_on_commit_callbacks
):
    client.force_login(users["community"])
    page = client.get(reverse("health:nat_list"))
    assert reverse("health:nat_import").encode() in page.content
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "采样时间", "检测结果", "检测机构", "报告时间"])
    ws.append(["王五", people["b1"].id_number, RECENT.replace(tzinfo=None), "阳性", LAB, None])
    ws.append(["欧阳明月", people["a1"].id_number, "2020-02-14 10:30", "阴性", LAB, None])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "lab.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("health:nat_import"), {"file": buf, "area": areas["community"].pk}
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert job.params["importer"] == IMPORTER
    preview = client.get(reverse("core:job_detail", args=[job.pk]))
    assert preview.context["counts"] == {
        "total": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert preview.context["can_confirm"] is True
    assert preview.context["reupload_url"] == reverse("health:nat_import")
    assert NucleicAcidTest.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("core:job_confirm", args=[job.pk]))
    real = Job.objects.exclude(pk=job.pk).get()
    assert confirmed.url == reverse("core:job_detail", args=[real.pk])
    assert (real.result["created"], real.result["committed"]) == (2, True)
    assert NucleicAcidTest.objects.count() == 2


def test_template_download_and_permission(client, users):
    client.force_login(users["grid_a"])
    page = client.get(reverse("health:nat_import"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["area"].queryset) == [users["grid_a"].area]
    assert reverse("health:nat_import_template").encode() in page.content
    response = client.get(reverse("health:nat_import_template"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in next(wb.active.iter_rows(max_row=1))]
    assert [h.rstrip("*") for h in header] == [
        "姓名",
        "身份证号",
        "采样时间",
        "检测结果",
        "检测机构",
        "报告时间",
    ]
    client.force_login(users["volunteer"])
    assert client.get(reverse("health:nat_import")).status_code == 403


def test_imported_positive_ends_a_green_override(
    tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    """A person made green by an approved override stayed green when the lab's list brought
    a positive result (entering it on the form ended the override; importing it did not)."""
    from fangkong.status.models import StatusOverride
    from fangkong.status.testing import approve_override

    a1 = people["a1"]
    with django_capture_on_commit_callbacks(execute=True):
        override = approve_override(users["grid_a"], users["community"], a1)
    assert colour(a1) == "green"
    row = [1, "欧阳明月", a1.id_number, RECENT_TEXT, "阳性", LAB, ""]
    path = write_csv(tmp_path / "核酸.csv", [row])
    dry = run_import(
        IMPORTER, path, actor=users["community"], area=areas["community"], dry_run=True
    )
    assert dry.created == 1
    assert StatusOverride.objects.get(pk=override.pk).expires_at > timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        run_import(IMPORTER, path, actor=users["community"], area=areas["community"])
    assert StatusOverride.objects.get(pk=override.pk).expires_at <= timezone.now()
    assert colour(a1) == "red"
