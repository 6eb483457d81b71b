"""The campaign finding import: residents registered as the resident import does, plus one
finding per person and campaign."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fangkong.core.importing import ImportFileError, run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Resident
from fangkong.screening.models import Finding
from fangkong.screening.services import close_campaign, create_campaign, record_finding
from fangkong.status.testing import make_resident, today

IMPORTER = "screening.finding"
DAY = datetime.timedelta(days=1)
HEADER = ["序号", "姓名", "身份证号", "网格", "人员类别", "从何地返回", "类型"]
ID_ZHANG = make_id_number(birth=datetime.date(1981, 3, 3), gender="M")
ID_LI = make_id_number(birth=datetime.date(1992, 4, 4), gender="F")


@pytest.fixture
def campaign(users, areas):
    return create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="湖北返乡人员摸排",
        starts_on=today() - 3 * DAY,
        due_on=today() + 3 * DAY,
    )


@pytest.fixture
def people(areas):
    return {
        "a1": make_resident(areas["grid_a"], name="欧阳明月"),
        "c1": make_resident(areas["grid_c"], name="赵六"),  # 米易县
    }


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["摸排发现人员名单"])
        w.writerow(header)
        w.writerows(rows)
    return path


def messy_rows(people):
    bad = ID_LI[:-1] + ("1" if ID_LI[-1] != "1" else "2")
    return [
        [1, "张三", ID_ZHANG, "第一网格", "返乡", "湖北省武汉市", ""],  # row 3
        [2, "李四", ID_LI, "第一网格", "", "", "流入"],
        [3, "欧阳明月", people["a1"].id_number, "第一网格", "", "", ""],
        [4, "错号", bad, "第一网格", "", "", ""],
        [5, "张三", ID_ZHANG, "第一网格", "返乡", "湖北省武汉市", ""],  # same as row 3
        [6, "王二", make_id_number(birth=datetime.date(1970, 2, 2)), "第一网格", "", "", "外地"],
        [7, "赵六", people["c1"].id_number, "第一网格", "", "", ""],
    ]


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def kinds(campaign):
    return {
        name: kind
        for name, kind in (
            (f.resident.name, f.kind)
            for f in Finding.objects.filter(campaign=campaign).select_related("resident")
        )
    }


def test_messy_list_registers_people_and_findings(tmp_path, users, areas, people, campaign):
    path = write_csv(tmp_path / "名单.csv", messy_rows(people))
    actor, area = users["grid_a"], areas["grid_a"]
    options = {"campaign_id": campaign.pk}
    dry = run_import(IMPORTER, path, actor=actor, area=area, dry_run=True, options=options)
    assert (dry.created, dry.updated, dry.unchanged, dry.rejected, dry.total) == (2, 1, 0, 4, 7)
    assert dry.extra["findings_created"] == 3
    assert (Finding.objects.count(), Resident.objects.count()) == (0, 2)
    assert errors_of(dry) == [
        (6, "身份证号", "身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"),
        (7, "身份证号", "与第 3 行身份证号重复"),
        (8, "类型", "无法识别“外地”，可填写：返乡人员、流入人员、其他"),
        (9, "身份证号", "该身份证号已在其他辖区登记，无法在此导入，请联系上级部门处理"),
    ]

    result = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True, options=options)
    # 欧阳明月 was registered without gender and birth date: the ID number fills them in.
    assert (result.created, result.updated, result.rejected, result.committed) == (2, 1, 4, True)
    assert result.extra["findings_created"] == 3
    assert kinds(campaign) == {"张三": "returnee", "李四": "inflow", "欧阳明月": "other"}
    finding = Finding.objects.get(resident__name="张三")
    assert (finding.found_by, finding.visit, finding.resident.area) == (
        users["grid_a"],
        None,
        areas["grid_a"],
    )
    entries = AuditEntry.objects.filter(object_type="screening.finding", action="create")
    assert entries.count() == 3
    assert set(entries.values_list("area_path", flat=True)) == {areas["grid_a"].path}
    assert entries.get(object_id=str(finding.pk)).changes["kind"] == "returnee"

    again = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True, options=options)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 4)
    assert "findings_created" not in again.extra
    assert Finding.objects.count() == 3


def test_rows_evaluated_in_worker_processes_keep_their_kind(
    tmp_path, users, areas, campaign, settings, monkeypatch
):
    """A worker sends back only the parsed values the importer's hooks read
    (``kept_values``): the kind ``after_batch`` records is one of them."""
    from fangkong.screening.importers import FindingImporter

    settings.FANGKONG_IMPORT_WORKERS = 2
    settings.FANGKONG_IMPORT_WORKERS_MIN_ROWS = 0
    monkeypatch.setattr(FindingImporter, "batch_size", 2)  # the first chunk stays here
    names = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六"]
    kinds_given = ["返乡", "", "流入", "返乡", "", "流入"]
    rows = [
        [i, name, make_id_number(), "第一网格", "返乡" if i % 2 else "", "", kind]
        for i, (name, kind) in enumerate(zip(names, kinds_given, strict=True), start=1)
    ]
    path = write_csv(tmp_path / "名单.csv", rows)
    result = run_import(
        IMPORTER,
        path,
        actor=users["grid_a"],
        area=areas["grid_a"],
        options={"campaign_id": campaign.pk},
    )
    assert (result.created, result.rejected, result.committed) == (6, 0, True)
    assert kinds(campaign) == {
        "甲一": "returnee",
        "乙二": "other",  # no kind, no 返乡 category
        "丙三": "inflow",
        "丁四": "returnee",
        "戊五": "returnee",  # no kind: from the 返乡 category
        "己六": "inflow",
    }


def test_a_finding_already_recorded_is_kept(tmp_path, users, areas, people, campaign):
    record_finding(actor=users["grid_a"], campaign=campaign, resident=people["a1"], kind="inflow")
    rows = [[1, "欧阳明月", people["a1"].id_number, "第一网格", "", "", "返乡"]]
    result = run_import(
        IMPORTER,
        write_csv(tmp_path / "a.csv", rows),
        actor=users["grid_a"],
        area=areas["grid_a"],
        options={"campaign_id": campaign.pk},
    )
    assert (result.updated, result.rejected, result.committed) == (1, 0, True)
    assert kinds(campaign) == {"欧阳明月": "inflow"}


def test_campaign_must_be_open_visible_and_cover_the_area(tmp_path, users, areas, campaign):
    path = write_csv(tmp_path / "x.csv", [[1, "张三", ID_ZHANG, "第一网格", "", "", ""]])
    with pytest.raises(ImportFileError, match="导入区域不在摸排行动“湖北返乡人员摸排”的范围"):
        run_import(
            IMPORTER,
            path,
            actor=users["command"],
            area=areas["grid_c"],
            options={"campaign_id": campaign.pk},
        )
    with pytest.raises(ImportFileError, match="未找到该摸排行动"):
        run_import(
            IMPORTER,
            path,
            actor=users["grid_c"],
            area=areas["grid_c"],
            options={"campaign_id": campaign.pk},
        )
    with pytest.raises(ImportFileError, match="未找到该摸排行动"):
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    close_campaign(actor=users["street"], campaign=campaign)
    with pytest.raises(ImportFileError, match="该摸排行动已结束，不能再登记"):
        run_import(
            IMPORTER,
            path,
            actor=users["grid_a"],
            area=areas["grid_a"],
            options={"campaign_id": campaign.pk},
        )
    assert (Resident.objects.count(), Finding.objects.count()) == (0, 0)


def test_command_line(tmp_path, areas, people, campaign, capsys):
    path = write_csv(tmp_path / "c.csv", messy_rows(people))
    with pytest.raises(CommandError) as exc:
        call_command("import_findings", str(path), "--campaign", str(campaign.pk), "--json")
    assert exc.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert {k: data[k] for k in ("created", "updated", "rejected", "committed")} == {
        "created": 2,
        "updated": 1,
        "rejected": 4,
        "committed": False,
    }
    with pytest.raises(CommandError) as exc:
        call_command("import_findings", str(path), "--campaign", str(campaign.pk), "--skip-invalid")
    assert exc.value.returncode == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "导入完成：新增 2 条，更新 1 条，未变化 0 条，未导入 4 行"
    )
    assert Finding.objects.filter(campaign=campaign).count() == 3
    with pytest.raises(CommandError) as exc:
        call_command("import_findings", str(path), "--campaign", "999999")
    assert exc.value.returncode == 2


def test_web_flow_from_campaign_page(
    client, users, areas, campaign, django_capture_on_commit_callbacks
):
    client.force_login(users["grid_a"])
    detail = client.get(reverse("screening:campaign_detail", args=[campaign.pk]))
    url = reverse("screening:finding_import", args=[campaign.pk])
    assert url.encode() in detail.content
    data = io.StringIO()
    w = csv.writer(data)
    w.writerow(HEADER)
    w.writerow([1, "张三", ID_ZHANG, "", "返乡", "湖北省武汉市", ""])
    upload = io.BytesIO(data.getvalue().encode("utf-8"))
    upload.name = "名单.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload, "area": areas["grid_a"].pk})
    job = Job.objects.get()
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert job.params["options"] == {"campaign_id": campaign.pk}
    preview = client.get(response.url)
    assert (preview.context["counts"]["created"], preview.context["can_confirm"]) == (1, True)
    assert preview.context["reupload_url"] == url
    assert Finding.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    real = Job.objects.exclude(pk=job.pk).get()
    assert (real.result["created"], real.result["findings_created"]) == (1, 1)
    assert kinds(campaign) == {"张三": "returnee"}

    template = client.get(reverse("screening:finding_import_template", args=[campaign.pk]))
    assert template.status_code == 200
    # The form offers only areas inside the campaign the user can see.
    form = client.get(url).context["form"]
    assert list(form.fields["area"].queryset) == [areas["grid_a"]]


def test_closed_campaign_and_permissions(client, users, campaign):
    client.force_login(users["volunteer"])
    url = reverse("screening:finding_import", args=[campaign.pk])
    assert client.get(url).status_code == 403
    close_campaign(actor=users["street"], campaign=campaign)
    client.force_login(users["grid_a"])
    response = client.get(url)
    assert response.url == reverse("screening:campaign_detail", args=[campaign.pk])
    detail = client.get(response.url)
    assert url.encode() not in detail.content
