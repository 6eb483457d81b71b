"""Importing the list of risk areas (风险地区名单导入): the rules of ``set_risk_level`` row by
row, unchanged places on a republished list, superseded levels, the platform's own areas by
code inside the import's area, and lifting the external places the list left out."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core import generations
from fangkong.core.audit import verify_chain
from fangkong.core.importing import ImportFileError, run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_user
from fangkong.formats import moment
from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.risk.services import end_risk_designation, set_risk_level
from fangkong.status.clock import at_local
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident

pytestmark = pytest.mark.django_db
IMPORTER = "risk.designation"
REASON = "国务院联防联控机制 4月10日公布名单"
D = datetime.date
# The file's own 生效时间 (the run option), for rows that leave theirs blank.
NOON = at_local(D(2022, 4, 10), 12)
OPTIONS = {"reason": REASON, "effective_from": NOON.isoformat()}
# As a command office re-keys the notice: a title row, aliases, a stray 序号 column.
HEADER = ["序号", "风险地区", "行政区划代码", "等级", "公布时间"]
AREA_NOT_FOUND = "未找到该区划代码的本平台区域（本区域内）"


def level(name: str) -> RiskLevel:
    return RiskLevel.objects.get(name=name)


def workbook(target, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["中高风险地区名单（4月10日）"])
    ws.append(header)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(target)
    return target


def messy_rows():
    return [
        # row 3: a full-width code and a date-time cell
        ["湖北省武汉市武昌区", "４２０１０６", "高风险", datetime.datetime(2022, 4, 10, 0, 0)],
        ["上海市浦东新区", "310115", "中", "2022年4月10日 8时30分"],  # a short level
        ["吉林省长春市", "", "高风险区", "2022/4/10 8:00"],  # no code, the list's ending
        ["某县", "42A1", "高风险", ""],  # row 6: a bad code
        ["某市", "", "极高风险", ""],  # row 7: no such level
        ["湖北省武汉市武昌区", "420106", "中风险", ""],  # row 8: row 3's place again
        ["仁和区", "510411", "低", ""],  # row 9: an area of the platform, by its code
        ["米易县", "510421", "低风险", ""],  # row 10: an area outside the import's area
    ]


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def test_messy_list_preview_then_skip_invalid_then_republished(tmp_path, users, areas):
    path = workbook(tmp_path / "名单.xlsx", messy_rows())
    actor, scope = users["command"], areas["renhe"]
    stamp = generations.stamp([generations.RISK])

    dry = run_import(IMPORTER, path, actor=actor, area=scope, dry_run=True, options=OPTIONS)
    assert (dry.created, dry.updated, dry.unchanged, dry.rejected, dry.total) == (4, 0, 0, 4, 8)
    assert errors_of(dry) == [
        (6, "行政区划代码", "区划代码应为 2–12 位数字"),
        (7, "等级", "无法识别“极高风险”，可填写：低风险、中风险、高风险"),
        (8, "风险地区", "与第 3 行风险地区重复"),
        (10, "行政区划代码", AREA_NOT_FOUND),
    ]
    assert (dry.committed, RiskDesignation.objects.count()) == (False, 0)

    result = run_import(IMPORTER, path, actor=actor, area=scope, skip_invalid=True, options=OPTIONS)
    assert (result.created, result.rejected, result.committed) == (4, 4, True)
    by_place = {(d.area_id, d.place_code, d.place_name): d for d in RiskDesignation.objects.all()}
    assert set(by_place) == {
        (None, "420106", "湖北省武汉市武昌区"),
        (None, "310115", "上海市浦东新区"),
        (None, "", "吉林省长春市"),
        (areas["renhe"].pk, "", ""),  # designated as the area, as the form's ``area=``
    }
    wuchang = by_place[(None, "420106", "湖北省武汉市武昌区")]
    assert (wuchang.level.name, wuchang.effective_from) == ("高风险", at_local(D(2022, 4, 10), 0))
    pudong = by_place[(None, "310115", "上海市浦东新区")]
    assert (pudong.level.name, pudong.effective_from) == (
        "中风险",
        NOON - datetime.timedelta(hours=3, minutes=30),
    )
    changchun = by_place[(None, "", "吉林省长春市")]
    assert (changchun.level.name, changchun.effective_from) == (
        "高风险",
        at_local(D(2022, 4, 10), 8),
    )
    renhe = by_place[(areas["renhe"].pk, "", "")]
    assert (renhe.level.name, renhe.effective_from) == ("低风险", NOON)
    for d in by_place.values():
        assert (d.reason, d.set_by_id, d.effective_to) == (REASON, actor.pk, None)
    creates = AuditEntry.objects.filter(object_type="risk.riskdesignation", action="create")
    assert creates.count() == 4
    assert set(creates.values_list("reason", flat=True)) == {REASON}
    assert creates.get(object_id=str(renhe.pk)).object_repr == "仁和区"
    assert AuditEntry.objects.get(action="import").reason == REASON
    assert generations.stamp([generations.RISK]) != stamp
    assert verify_chain().ok

    # The same list published again (the 武昌区 row under a shorter name): nothing changes.
    stamp = generations.stamp([generations.RISK])
    rows = messy_rows()
    rows[0][0] = "武汉市武昌区"
    again = run_import(
        IMPORTER,
        workbook(tmp_path / "again.xlsx", rows),
        actor=actor,
        area=scope,
        skip_invalid=True,
        options={
            "reason": "次日重复公布",
            "effective_from": (NOON + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 4)
    assert RiskDesignation.objects.count() == 4
    assert RiskDesignation.objects.filter(effective_to__isnull=True).count() == 4
    assert RiskDesignation.objects.get(pk=wuchang.pk).place_name == "湖北省武汉市武昌区"
    assert generations.stamp([generations.RISK]) == stamp
    assert not AuditEntry.objects.filter(
        action__in=["create", "update"], reason="次日重复公布"
    ).exists()


def test_a_new_level_supersedes_and_an_earlier_time_is_refused(tmp_path, users, areas):
    actor = users["command"]
    t1 = at_local(D(2022, 4, 1), 0)
    old = set_risk_level(
        actor=actor,
        level=level("高风险"),
        effective_from=t1,
        reason="通报",
        place_code="4201",
        place_name="湖北省武汉市",
    )
    path = workbook(tmp_path / "降级.xlsx", [["武汉市", "4201", "中风险", ""]])
    result = run_import(IMPORTER, path, actor=actor, area=areas["city"], options=OPTIONS)
    assert (result.created, result.updated, result.unchanged, result.committed) == (0, 1, 0, True)
    old.refresh_from_db()
    assert old.effective_to == NOON
    new = RiskDesignation.objects.get(effective_to__isnull=True)
    assert (new.place_code, new.place_name, new.level.name) == ("4201", "武汉市", "中风险")
    assert (new.effective_from, new.reason) == (NOON, REASON)
    update = AuditEntry.objects.get(object_type="risk.riskdesignation", action="update")
    assert update.object_id == str(old.pk)
    assert update.changes == {"effective_to": [None, NOON.isoformat()]}
    assert update.reason == REASON
    created = AuditEntry.objects.get(
        object_type="risk.riskdesignation", action="create", object_id=str(new.pk)
    )
    assert (created.reason, created.object_repr) == (REASON, "武汉市（4201）")

    # A row whose 生效时间 is not later than the place's current level: the service's message.
    early = workbook(tmp_path / "早.xlsx", [["武汉市", "4201", "高风险", "2022-04-10 11:00"]])
    refused = run_import(IMPORTER, early, actor=actor, area=areas["city"], options=OPTIONS)
    assert (refused.rejected, refused.committed) == (1, False)
    assert errors_of(refused) == [
        (3, "公布时间", f"生效时间必须晚于该地区当前等级的生效时间（{moment(NOON)}）")
    ]
    assert RiskDesignation.objects.count() == 2


def test_a_place_named_twice_under_one_code_is_a_duplicate(tmp_path, users, areas):
    rows = [["湖北省武汉市", "4201", "高风险", ""], ["武汉市", "4201", "中风险", ""]]
    result = run_import(
        IMPORTER,
        workbook(tmp_path / "dup.xlsx", rows),
        actor=users["command"],
        area=areas["city"],
        dry_run=True,
        options=OPTIONS,
    )
    assert errors_of(result) == [(4, "风险地区", "与第 3 行风险地区重复")]


def test_the_run_needs_its_basis(tmp_path, users, areas):
    path = workbook(tmp_path / "x.xlsx", [["武汉市", "4201", "高风险", ""]])
    with pytest.raises(ImportFileError, match="请填写认定依据"):
        run_import(IMPORTER, path, actor=users["command"], area=areas["city"], options={})


def test_command_line(tmp_path, users, areas, capsys):
    rows = [["武汉市", "4201", "高风险", ""], ["上海市浦东新区", "310115", "中风险", ""]]
    path = workbook(tmp_path / "名单.xlsx", rows)
    city = areas["city"].code
    # A designation records who set it: no --user, nothing read.
    with pytest.raises(CommandError) as exc:
        call_command("import_risk_designations", str(path), "--area", city, "--reason", REASON)
    assert (exc.value.returncode, str(exc.value)) == (2, "风险地区名单须由具体账号导入")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_risk_designations", str(path), "--user", users["command"].username,
            "--reason", REASON, "--effective-from", "4月10日",
        )  # fmt: skip
    assert (exc.value.returncode, str(exc.value)) == (
        2,
        "时间格式无法识别，请填写如 2020-02-14 10:30 的时间",
    )
    call_command(
        "import_risk_designations", str(path), "--user", users["command"].username,
        "--reason", REASON, "--effective-from", "2022年4月10日 12时", "--json",
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["rejected"], data["committed"]) == (2, 0, True)
    made = RiskDesignation.objects.order_by("place_code")
    assert [(d.place_code, d.effective_from, d.reason) for d in made] == [
        ("310115", NOON, REASON),
        ("4201", NOON, REASON),
    ]
    assert {d.set_by_id for d in made} == {users["command"].pk}
    # The next notice no longer lists 浦东新区: lifted from its 生效时间.
    later = workbook(tmp_path / "次日.xlsx", rows[:1])
    call_command(
        "import_risk_designations", str(later), "--user", users["command"].username,
        "--reason", "次日名单", "--effective-from", "2022-04-11 12:00", "--lift-unlisted",
    )  # fmt: skip
    assert capsys.readouterr().out.splitlines() == [
        "导入完成：新增 0 条，更新 0 条，未变化 1 条，未导入 0 行",
        "名单外地区解除 1 个：上海市浦东新区（310115）",
    ]
    pudong = RiskDesignation.objects.get(place_code="310115")
    assert pudong.effective_to == NOON + datetime.timedelta(days=1)


def test_lifting_the_places_the_list_leaves_out(tmp_path, users, areas):
    actor = users["command"]
    t1 = at_local(D(2022, 4, 1), 0)
    kept = set_risk_level(
        actor=actor,
        level=level("高风险"),
        effective_from=t1,
        reason="通报",
        place_code="4201",
        place_name="武汉市",
    )
    gone = set_risk_level(
        actor=actor,
        level=level("中风险"),
        effective_from=t1,
        reason="通报",
        place_name="吉林省长春市",
    )
    also_gone = set_risk_level(
        actor=actor,
        level=level("中风险"),
        effective_from=t1,
        reason="通报",
        place_code="310115",
        place_name="上海市浦东新区",
    )
    own = set_risk_level(
        actor=actor,
        level=level("高风险"),
        effective_from=t1,
        reason="本土疫情",
        area=areas["renhe"],
    )
    path = workbook(tmp_path / "名单.xlsx", [["武汉市", "4201", "高风险", ""]])
    options = {**OPTIONS, "lift_unlisted": True}

    dry = run_import(IMPORTER, path, actor=actor, area=areas["city"], dry_run=True, options=options)
    assert (dry.unchanged, dry.extra["lifted"]) == (1, 2)
    assert dry.extra["lifted_places"] == ["吉林省长春市", "上海市浦东新区（310115）"]
    assert RiskDesignation.objects.filter(effective_to__isnull=True).count() == 4

    result = run_import(IMPORTER, path, actor=actor, area=areas["city"], options=options)
    assert (result.committed, result.unchanged, result.extra["lifted"]) == (True, 1, 2)
    for d in (kept, gone, also_gone, own):
        d.refresh_from_db()
    assert (gone.effective_to, also_gone.effective_to) == (NOON, NOON)
    assert (kept.effective_to, own.effective_to) == (None, None)  # named; the platform's own
    lifts = AuditEntry.objects.filter(object_type="risk.riskdesignation", action="update")
    assert sorted(lifts.values_list("object_id", flat=True)) == sorted(
        [str(gone.pk), str(also_gone.pk)]
    )
    assert set(lifts.values_list("reason", flat=True)) == {REASON}
    assert AuditEntry.objects.get(action="import").changes["lifted"] == 2
    assert verify_chain().ok


def test_lifting_needs_the_change_permission(tmp_path, users, areas):
    from django.contrib.auth.models import Permission

    clerk = make_user(Role.COMMUNITY, areas["city"])
    clerk.user_permissions.add(Permission.objects.get(codename="add_riskdesignation"))
    path = workbook(tmp_path / "名单.xlsx", [["武汉市", "4201", "高风险", ""]])
    clerk = type(clerk).objects.get(pk=clerk.pk)  # fresh permission cache
    dry = run_import(IMPORTER, path, actor=clerk, area=areas["city"], dry_run=True, options=OPTIONS)
    assert dry.created == 1
    with pytest.raises(PermissionDenied):
        run_import(
            IMPORTER,
            path,
            actor=clerk,
            area=areas["city"],
            dry_run=True,
            options={**OPTIONS, "lift_unlisted": True},
        )


def test_a_community_account_may_not_import(tmp_path, users, areas, client):
    path = workbook(tmp_path / "名单.xlsx", [["武汉市", "4201", "高风险", ""]])
    with pytest.raises(PermissionDenied):
        run_import(
            IMPORTER, path, actor=users["community"], area=areas["community"], options=OPTIONS
        )
    client.force_login(users["community"])
    assert client.get(reverse("risk:designation_import")).status_code == 403
    assert client.get(reverse("risk:designation_import_template")).status_code == 403
    assert (
        reverse("risk:designation_import").encode()
        not in client.get(reverse("risk:designation_list")).content
    )
    assert RiskDesignation.objects.count() == 0


def test_residents_from_a_newly_listed_place_are_recomputed(
    tmp_path, users, areas, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    came = make_resident(
        areas["grid_a"], origin="武汉市武昌区", arrival_date=today - datetime.timedelta(days=2)
    )
    since = timezone.localtime(timezone.now() - datetime.timedelta(days=10)).replace(tzinfo=None)
    path = workbook(tmp_path / "名单.xlsx", [["湖北省武汉市", "", "高风险", since]])
    with django_capture_on_commit_callbacks(execute=True):
        run_import(IMPORTER, path, actor=users["command"], area=areas["city"], options=OPTIONS)
    assert PersonStatus.objects.get(pk=came.pk).colour == "yellow"


def test_web_upload_preview_lists_the_lifts_then_confirm(
    client, users, areas, django_capture_on_commit_callbacks
):
    actor = users["command"]
    gone = set_risk_level(
        actor=actor,
        level=level("中风险"),
        effective_from=at_local(D(2022, 4, 1), 0),
        reason="通报",
        place_name="吉林省长春市",
    )
    client.force_login(actor)
    listing = client.get(reverse("risk:designation_list"))
    assert reverse("risk:designation_import").encode() in listing.content
    page = client.get(reverse("risk:designation_import"))
    assert "lift_unlisted" in page.context["form"].fields
    template = client.get(reverse("risk:designation_import_template"))
    header = [
        c.value
        for c in next(
            openpyxl.load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1)
        )
    ]
    assert [h.rstrip("*") for h in header] == ["地区名称", "区划代码", "风险等级", "生效时间"]

    wb = openpyxl.Workbook()
    wb.active.append(["地区名称", "区划代码", "风险等级"])
    wb.active.append(["湖北省武汉市", "4201", "高风险"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("risk:designation_import"),
            {
                "file": buf,
                "area": areas["city"].pk,
                "reason": REASON,
                "effective_from": "2022-04-10 12:00",
                "lift_unlisted": "on",
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get()
    assert job.params["options"] == {
        "reason": REASON,
        "effective_from": NOON.isoformat(),
        "lift_unlisted": True,
    }
    preview = client.get(reverse("core:job_detail", args=[job.pk]))
    assert preview.context["counts"]["created"] == 1
    assert preview.context["can_confirm"] is True
    assert "名单外地区将解除 1 个" in preview.content.decode()
    assert "吉林省长春市" in preview.content.decode()
    gone.refresh_from_db()
    assert gone.effective_to is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    real = Job.objects.exclude(pk=job.pk).get()
    assert (real.result["created"], real.result["lifted"], real.result["committed"]) == (1, 1, True)
    gone.refresh_from_db()
    assert gone.effective_to == NOON


def test_the_lists_export_edited_in_excel_imports_back(tmp_path, users, areas):
    """The export gives a place as the import reads it (地区名称 and 区划代码: a platform
    area by its code), so the list sent back unchanged changes nothing; a lifted place's row
    (it has a 截止时间) is refused instead of opening the place again."""
    import io

    from django.test import Client

    actor, scope = users["command"], areas["renhe"]
    basis = {"actor": actor, "reason": REASON}
    set_risk_level(level=level("高风险"), effective_from=NOON, area=areas["street"], **basis)
    set_risk_level(
        level=level("中风险"),
        effective_from=NOON,
        place_name="上海市浦东新区",
        place_code="310115",
        **basis,
    )
    lifted = set_risk_level(
        level=level("高风险"), effective_from=NOON, place_name="吉林省长春市", **basis
    )
    end_risk_designation(
        designation=lifted, effective_to=NOON + datetime.timedelta(days=2), **basis
    )
    client = Client()
    client.force_login(actor)
    response = client.get("/risk/designations/", {"export": "xlsx"})
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["地区名称", "区划代码", "风险等级", "生效时间"]
    rows = list(sheet.iter_rows(values_only=True))
    lifted_row = next(n for n, r in enumerate(rows, start=1) if r[0] == "吉林省长春市")
    assert sorted(tuple(r[:2]) for r in rows[1:]) == [
        ("上海市浦东新区", "310115"),
        ("仁和街道", "510411001"),
        ("吉林省长春市", None),
    ]
    path = tmp_path / "导出.xlsx"
    path.write_bytes(data)

    result = run_import(IMPORTER, path, actor=actor, area=scope, skip_invalid=True, options=OPTIONS)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert errors_of(result) == [
        (
            lifted_row,
            "截止时间",
            "这是已截止的历史认定，不能导入；要重新设定该地区的等级，请清空截止时间并填写新的生效时间",
        )
    ]
    assert RiskDesignation.objects.filter(effective_to__isnull=True).count() == 2
