"""The 协查名单 import: a command office's quarantine/monitoring list in, matched to residents
registered in the area, checked by the rules of ``create_assignment``, statuses out."""

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

from fangkong.accounts.models import User
from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_id_number
from fangkong.health.models import Assignment
from fangkong.health.services import create_assignment, release_assignment
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident

pytestmark = pytest.mark.django_db
IMPORTER = "health.assignment"
NOT_FOUND = "未找到该身份证号的居民（本区域内）"
# Headers as a command office's list has them: aliases, a stray 序号 column.
HEADER = [
    "序号",
    "人员姓名",
    "公民身份号码",
    "管控措施",
    "起始日期",
    "截止日期",
    "隔离地点",
    "医生",
]
RUNNING_HOME = "该居民在此期间已有进行中的居家隔离安排；如需转换方式，请先解除原安排"


@pytest.fixture
def people(areas):
    return {
        "a1": make_resident(areas["grid_a"], name="欧阳明月"),
        "a2": make_resident(areas["grid_a"], name="李四"),
        "a3": make_resident(areas["grid_a"], name="张三"),
        "b1": make_resident(areas["grid_b"], name="王五"),
        "c1": make_resident(areas["grid_c"], name="赵六"),  # 米易县: outside 仁和区
    }


def day(n: int = 0) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def workbook(target, rows, header=HEADER, footer=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["仁和区疫情防控指挥部协查名单（第 12 批）"])  # a title row above the header
    ws.append(header)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    if footer:
        ws.append(footer)
    wb.save(target)
    return target


def row(person, kind, start, end, place="", doctor=""):
    return [person.name, person.id_number, kind, start, end, place, doctor]


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def counts(result):
    return (result.created, result.updated, result.unchanged, result.rejected)


def colour(resident):
    return PersonStatus.objects.filter(resident=resident).values_list("colour", flat=True).first()


def _import(path, user, area, **kwargs):
    return run_import(IMPORTER, path, actor=user, area=area, **kwargs)


def messy_rows(people):
    a1, a2, a3, b1, c1 = (people[k] for k in ("a1", "a2", "a3", "b1", "c1"))
    unknown = make_id_number(birth=datetime.date(1966, 6, 6))
    start_a2 = day(-2)
    return [
        # row 3: a full-width ID number, a short kind, a date cell and a Chinese date
        [
            a1.name,
            fullwidth(a1.id_number),
            "居家",
            day(),
            f"{day(13):%Y年%-m月%-d日}",
            "幸福小区3栋",
            "李医生",
        ],
        # row 4: slashes and a date typed as a number
        row(a2, "集中隔离", f"{start_a2:%Y/%-m/%-d}", int(f"{day(12):%Y%m%d}"), "仁和宾馆"),
        # row 5: full-width digits in a date, monitoring in its short form
        row(b1, "监测", fullwidth(day().isoformat()), day(6).isoformat()),
        ["未登记", unknown, "居家隔离", day(), day(13), "", ""],  # row 6
        row(c1, "居家隔离", day(), day(13)),  # row 7: a resident of another district
        row(a3, "隔离", day(), day(13)),  # row 8: which quarantine?
        row(a3, "居家隔离", day(10), day(24)),  # row 9: a mistyped start, far ahead
        row(a3, "健康监测", day(), day(-1)),  # row 10: ends before it starts
        row(a1, "健康监测", day(), day(6)),  # row 11: the other category: alongside row 3
        row(a1, "集中隔离", day(1), day(14)),  # row 12: a second quarantine beside row 3's
    ]


def test_a_messy_list_previewed_then_imported_skipping_bad_rows(
    tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    path = workbook(tmp_path / "协查名单.xlsx", messy_rows(people), footer=["合计：10 人"])
    actor, area = users["community"], areas["community"]
    dry = _import(path, actor, area, dry_run=True)
    assert counts(dry) == (4, 0, 0, 6)
    assert (dry.total, dry.committed) == (10, False)  # the 合计 footer is no row
    assert errors_of(dry) == [
        (6, "公民身份号码", NOT_FOUND),
        (7, "公民身份号码", NOT_FOUND),
        (8, "管控措施", "无法识别“隔离”，可填写：居家隔离、集中隔离、健康监测、出院后随访监测"),
        (9, "起始日期", "开始日期最多只能晚于今天 3 天"),
        (10, "截止日期", "结束日期不能早于开始日期"),
        (12, "起始日期", "与第 3 行该居民的居家隔离安排时间重叠"),
    ]
    assert not Assignment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = _import(path, actor, area, skip_invalid=True)
    assert counts(result) == (4, 0, 0, 6)
    assert result.committed
    made = {(a.resident_id, a.kind): a for a in Assignment.objects.all()}
    assert set(made) == {
        (people["a1"].pk, "home_quarantine"),
        (people["a1"].pk, "health_monitoring"),
        (people["a2"].pk, "central_quarantine"),
        (people["b1"].pk, "health_monitoring"),
    }
    home = made[(people["a1"].pk, "home_quarantine")]
    assert (home.start_date, home.end_date, home.place, home.doctor) == (
        day(),
        day(13),
        "幸福小区3栋",
        "李医生",
    )
    assert home.state == "active" and home.checkin_token
    central = made[(people["a2"].pk, "central_quarantine")]
    assert (central.start_date, central.end_date, central.place) == (day(-2), day(12), "仁和宾馆")
    # No one named: each grid's only grid worker follows the person up.
    assert home.responsible == users["grid_a"]
    assert made[(people["b1"].pk, "health_monitoring")].responsible == users["grid_b"]
    # Each a token of its own for the person's self-report link.
    assert len({a.checkin_token for a in made.values()}) == 4
    # Statuses recomputed on commit: quarantine is red, monitoring yellow.
    assert colour(people["a1"]) == colour(people["a2"]) == "red"
    assert colour(people["b1"]) == "yellow"
    assert colour(people["a3"]) is None


def test_every_assignment_is_audited_and_the_place_is_not_in_clear(tmp_path, users, areas, people):
    rows = [row(people["a1"], "居家隔离", day(), day(13), "幸福小区3栋")]
    _import(workbook(tmp_path / "a.xlsx", rows), users["community"], areas["community"])
    a = Assignment.objects.get()
    (entry,) = AuditEntry.objects.filter(
        object_type="health.assignment", object_id=str(a.pk), action="create"
    )
    assert entry.area_path == areas["grid_a"].path
    assert (entry.changes["kind"], entry.changes["end_date"]) == ("home_quarantine", str(day(13)))
    assert entry.changes["resident"] == people["a1"].pk
    assert entry.changes["place"] and "幸福小区" not in str(entry.changes)
    assert entry.object_repr == f"居家隔离 {day():%Y-%m-%d}"
    (event,) = AuditEntry.objects.filter(action="import", object_type="health.assignment")
    assert (event.changes["importer"], event.changes["created"]) == (IMPORTER, 1)
    assert verify_chain().ok


def test_overlap_with_a_stored_assignment_is_refused_on_the_start_date(
    tmp_path, users, areas, people
):
    a1 = people["a1"]
    create_assignment(
        actor=users["community"], resident=a1, kind="home_quarantine",
        start_date=day(), end_date=day(13),
    )  # fmt: skip
    rows = [
        row(a1, "集中", day(2), day(16)),  # a second quarantine: refused
        row(a1, "健康监测", day(), day(6)),  # monitoring beside it: allowed
    ]
    result = _import(workbook(tmp_path / "o.xlsx", rows), users["community"], areas["community"])
    assert counts(result) == (1, 0, 0, 1)
    assert errors_of(result) == [(3, "起始日期", RUNNING_HOME)]
    assert not result.committed and Assignment.objects.count() == 1
    # After the home quarantine is released, the central one may start.
    release_assignment(
        actor=users["community"], assignment=Assignment.objects.get(), note="转集中隔离"
    )
    again = _import(workbook(tmp_path / "o.xlsx", rows), users["community"], areas["community"])
    assert counts(again) == (2, 0, 0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_quarantine_entered_while_the_list_is_imported(tmp_path, users, areas, people):
    """A community enters a home quarantine on the form while the street imports its list
    naming the same person for central quarantine: the import waits for the form and
    refuses that row, instead of both checks passing and the person held twice."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    a1 = people["a1"]
    path = workbook(tmp_path / "race.xlsx", [row(a1, "集中", day(2), day(16))])

    def enter():
        return create_assignment(
            actor=users["community"], resident=a1, kind="home_quarantine",
            start_date=day(), end_date=day(13),
        )  # fmt: skip

    race = second_while_first_uncommitted(
        enter, lambda: _import(path, users["community"], areas["community"])
    )
    assert race.first is None and race.second is None
    assert race.second_waited
    assert errors_of(race.second_result) == [(3, "起始日期", RUNNING_HOME)]
    assert list(Assignment.objects.values_list("kind", flat=True)) == ["home_quarantine"]


def test_reimport_changes_nothing_a_later_end_extends_an_earlier_is_refused(
    tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    actor, area = users["grid_a"], areas["grid_a"]
    rows = [
        row(people["a1"], "居家隔离", day(-3), day(10), "幸福小区3栋", "李医生"),
        row(people["a2"], "健康监测", day(-1), day(5)),
    ]
    first = _import(workbook(tmp_path / "1.xlsx", rows), actor, area)
    assert counts(first) == (2, 0, 0, 0)
    entries = AuditEntry.objects.count()
    again = _import(workbook(tmp_path / "2.xlsx", rows), actor, area)
    assert counts(again) == (0, 0, 2, 0) and again.committed
    assert AuditEntry.objects.count() == entries + 1  # only the import's own entry

    home = Assignment.objects.get(resident=people["a1"])
    rows[0][4] = day(14)  # the office extends the quarantine…
    rows[0][5], rows[0][6] = "另一地点", "王医生"  # …and sends other details: kept as they are
    with django_capture_on_commit_callbacks(execute=True):
        later = _import(workbook(tmp_path / "3.xlsx", rows), actor, area)
    assert counts(later) == (0, 1, 1, 0)
    home.refresh_from_db()
    assert (home.end_date, home.version, home.place, home.doctor) == (
        day(14),
        2,
        "幸福小区3栋",
        "李医生",
    )
    (update,) = AuditEntry.objects.filter(
        object_type="health.assignment", object_id=str(home.pk), action="update"
    )
    assert update.changes == {"end_date": [str(day(10)), str(day(14))]}
    assert colour(people["a1"]) == "red"  # recomputed for the extension

    rows[0][4] = day(12)  # an earlier end is a release, not an import
    earlier = _import(workbook(tmp_path / "4.xlsx", rows), actor, area)
    assert counts(earlier) == (0, 0, 1, 1) and not earlier.committed
    assert errors_of(earlier) == [
        (
            3,
            "截止日期",
            f"结束日期只能延后（原为 {day(14)}）；提前结束请用“解除隔离/监测”并填写说明",
        )
    ]
    home.refresh_from_db()
    assert home.end_date == day(14)


def test_a_released_assignment_is_not_changed(tmp_path, users, areas, people):
    a1 = people["a1"]
    rows = [row(a1, "居家隔离", day(-3), day(10))]
    _import(workbook(tmp_path / "1.xlsx", rows), users["community"], areas["community"])
    home = Assignment.objects.get()
    release_assignment(actor=users["community"], assignment=home, note="核酸阴性，提前解除")
    for end in (day(10), day(20)):
        rows[0][4] = end
        result = _import(
            workbook(tmp_path / "2.xlsx", rows), users["community"], areas["community"]
        )
        assert counts(result) == (0, 0, 0, 1)
        assert errors_of(result) == [
            (
                3,
                "起始日期",
                "该居民同一类型、同一开始日期的安排已解除，导入不会修改或重新启用已解除的安排",
            )
        ]
    home.refresh_from_db()
    assert (home.state, home.end_date, home.version) == ("released", day(10), 2)


def test_an_arrangement_made_twice_by_hand_is_left_to_its_pages(tmp_path, users, areas, people):
    """Released, then arranged again on the form with the same kind and start: a row naming
    that key cannot tell which of the two it means."""
    a1, actor = people["a1"], users["community"]
    first = create_assignment(
        actor=actor, resident=a1, kind="home_quarantine", start_date=day(), end_date=day(13)
    )
    release_assignment(actor=actor, assignment=first, note="登记有误")
    create_assignment(
        actor=actor, resident=a1, kind="home_quarantine", start_date=day(), end_date=day(13)
    )
    rows = [row(a1, "居家隔离", day(), day(20))]
    result = _import(workbook(tmp_path / "t.xlsx", rows), actor, areas["community"])
    assert errors_of(result) == [
        (3, "起始日期", "该居民有多条同一类型、同一开始日期的安排，请在页面上逐条办理")
    ]
    assert sorted(Assignment.objects.values_list("end_date", flat=True)) == [day(13), day(13)]


def test_an_extension_into_another_running_assignment_is_refused(tmp_path, users, areas, people):
    a1 = people["a1"]
    rows = [row(a1, "健康监测", day(-6), day(-1))]
    _import(workbook(tmp_path / "1.xlsx", rows), users["community"], areas["community"])
    create_assignment(
        actor=users["community"], resident=a1, kind="post_discharge",
        start_date=day(), end_date=day(13),
    )  # fmt: skip
    rows[0][4] = day(3)
    result = _import(workbook(tmp_path / "2.xlsx", rows), users["community"], areas["community"])
    assert errors_of(result) == [
        (3, "截止日期", "延长后与该居民另一项进行中的出院后随访监测安排重叠")
    ]


def test_the_responsible_grid_worker_by_login_name(tmp_path, users, areas, people):
    header = [*HEADER, "网格员账号"]
    retired = User.objects.create_user(
        username="retired", password="pw-for-tests-only", role="grid_worker", area=areas["grid_a"]
    )
    retired.is_active = False
    retired.save()
    rows = [
        [*row(people["a1"], "居家隔离", day(), day(13)), "grid_a"],
        [*row(people["a2"], "居家隔离", day(), day(13)), "grid_b"],  # another grid's worker
        [*row(people["a3"], "居家隔离", day(), day(13)), "nobody"],
        [*row(people["b1"], "居家隔离", day(), day(13)), "retired"],
        [*row(people["c1"], "居家隔离", day(), day(13)), "grid_c"],
    ]
    path = workbook(tmp_path / "r.xlsx", rows, header=header)
    result = _import(path, users["community"], areas["community"])
    assert counts(result) == (1, 0, 0, 4)
    assert errors_of(result) == [
        (4, "网格员账号", "责任网格员不负责该居民所在的网格"),
        (5, "网格员账号", "未找到账号“nobody”（本区域内）"),
        (6, "网格员账号", "该账号已停用，不能作为责任网格员"),
        # Another district's resident and account: neither is revealed.
        (7, "公民身份号码", NOT_FOUND),
        (7, "网格员账号", "未找到账号“grid_c”（本区域内）"),
    ]


def test_a_preview_writes_nothing_and_the_import_ends_a_green_override(
    tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    """As on the form: a new quarantine ends a running override that made the person green."""
    from fangkong.status.models import StatusOverride
    from fangkong.status.testing import approve_override

    a1 = people["a1"]
    with django_capture_on_commit_callbacks(execute=True):
        override = approve_override(users["grid_a"], users["community"], a1)
    assert colour(a1) == "green"
    path = workbook(tmp_path / "g.xlsx", [row(a1, "居家隔离", day(), day(13))])
    entries = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        dry = _import(path, users["community"], areas["community"], dry_run=True)
    assert (dry.created, dry.committed) == (1, False)
    assert not Assignment.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert StatusOverride.objects.get(pk=override.pk).expires_at > timezone.now()
    assert colour(a1) == "green"
    with django_capture_on_commit_callbacks(execute=True):
        _import(path, users["community"], areas["community"])
    assert StatusOverride.objects.get(pk=override.pk).expires_at <= timezone.now()
    assert colour(a1) == "red"


def test_all_or_nothing_unless_skipping(tmp_path, users, areas, people):
    rows = [
        row(people["a1"], "居家隔离", day(), day(13)),
        row(people["a2"], "居家隔离", day(), ""),  # no end date
    ]
    path = workbook(tmp_path / "s.xlsx", rows)
    refused = _import(path, users["community"], areas["community"])
    assert counts(refused) == (1, 0, 0, 1) and not refused.committed
    assert errors_of(refused) == [(4, "截止日期", "不能为空")]
    assert not Assignment.objects.exists()
    # The rejected rows come back as a file with their reasons, to correct and upload again.
    back = openpyxl.load_workbook(refused.rejected_file).active
    lines = list(back.iter_rows(values_only=True))
    assert len(lines) == 2 and "第 4 行：截止日期：不能为空" in lines[1]
    kept = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert counts(kept) == (1, 0, 0, 1) and kept.committed
    assert Assignment.objects.get().resident_id == people["a1"].pk


def test_command_line(tmp_path, users, areas, people, capsys):
    rows = [
        row(people["a1"], "居家隔离", day(), day(13)),
        row(people["a2"], "居家隔离", day(), ""),  # no end date
    ]
    path = workbook(tmp_path / "协查名单.xlsx", rows)
    community = areas["community"].code
    with pytest.raises(CommandError) as exc:
        call_command("import_assignments", str(path), "--area", community, "--json")
    assert exc.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["rejected"], data["committed"]) == (1, 1, False)
    assert data["errors"] == [{"row": 4, "field": "截止日期", "message": "不能为空"}]
    assert not Assignment.objects.exists()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_assignments",
            str(path),
            "--area",
            community,
            "--skip-invalid",
            "--user",
            users["community"].username,
        )
    assert exc.value.returncode == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "导入完成：新增 1 条，更新 0 条，未变化 0 条，未导入 1 行"
    )
    made = Assignment.objects.get()
    assert made.resident_id == people["a1"].pk
    entry = AuditEntry.objects.get(object_type="health.assignment", action="create")
    assert (entry.object_id, entry.actor_id) == (str(made.pk), users["community"].pk)
    # A grid worker's command-line import sees only their grid, as on the web.
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_assignments", str(path), "--area", areas["grid_b"].code,
            "--user", users["grid_a"].username,
        )  # fmt: skip
    assert exc.value.returncode == 2


def test_scope_and_permission(tmp_path, users, areas, people):
    rows = [
        row(people["a1"], "居家隔离", day(), day(13)),
        row(people["b1"], "居家隔离", day(), day(13)),
    ]
    path = workbook(tmp_path / "p.xlsx", rows)
    # A grid worker of grid A: grid B's resident is not found.
    mine = _import(path, users["grid_a"], areas["grid_a"])
    assert errors_of(mine) == [(4, "公民身份号码", NOT_FOUND)]
    with pytest.raises(PermissionDenied):  # nor can they import into grid B
        _import(path, users["grid_a"], areas["grid_b"])
    with pytest.raises(PermissionDenied):  # a volunteer may not arrange quarantines
        _import(path, users["volunteer"], areas["community"])
    assert not Assignment.objects.exists()


def test_web_upload_preview_confirm_and_template(
    client, tmp_path, users, areas, people, django_capture_on_commit_callbacks
):
    client.force_login(users["community"])
    listing = client.get(reverse("health:assignment_list"))
    assert reverse("health:assignment_import").encode() in listing.content
    page = client.get(reverse("health:assignment_import"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "退回文件" in body and "晚于今天 3 天" in body
    assert reverse("health:assignment_import_template") in body

    response = client.get(reverse("health:assignment_import_template"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "姓名",
        "身份证号*",
        "类型*",
        "开始日期*",
        "结束日期*",
        "隔离/监测地点",
        "责任医生",
        "责任网格员",
    ]
    sheet.append([people["b1"].name, people["b1"].id_number, "居家隔离", day(), day(13)])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "协查名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            reverse("health:assignment_import"), {"file": buf, "area": areas["community"].pk}
        )
    assert posted.status_code == 302
    job = Job.objects.get()
    assert job.params["importer"] == IMPORTER
    preview = client.get(reverse("core:job_detail", args=[job.pk]))
    assert preview.context["counts"]["created"] == 1
    assert preview.context["reupload_url"] == reverse("health:assignment_import")
    assert not Assignment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    a = Assignment.objects.get()
    assert (a.resident_id, a.kind, a.responsible) == (
        people["b1"].pk,
        "home_quarantine",
        users["grid_b"],
    )
    assert colour(people["b1"]) == "red"


def test_only_those_who_arrange_quarantines_see_the_import(client, users):
    client.force_login(users["volunteer"])
    assert client.get(reverse("health:assignment_import")).status_code == 403
    assert client.get(reverse("health:assignment_import_template")).status_code == 403
    client.force_login(users["leader"])
    listing = client.get(reverse("health:assignment_list"))
    assert listing.status_code == 200
    assert reverse("health:assignment_import").encode() not in listing.content
