"""流调指认名单 import: the epidemiologists' list of a case's close contacts, matched to
residents registered in the area, recorded as ``name_contact`` records one person."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.audit import verify_chain
from fangkong.core.importing import ImportFileError, run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_id_number, make_user
from fangkong.status.models import PersonStatus
from fangkong.tracing.models import Contact, Exposure
from fangkong.tracing.services import create_contact, dismiss_contact, name_contact, void_case

pytestmark = pytest.mark.django_db
IMPORTER = "tracing.named_contact"
NOT_FOUND = "未找到该身份证号的居民（本区域内）"
REASON = "PZH-003 流调报告（4月10日）"
# Headers as an epidemiologist's list has them: aliases, a stray 序号 column.
HEADER = ["序号", "密接姓名", "公民身份号码", "最后接触时间", "接触方式"]
D = datetime.date(2022, 3, 8)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def workbook(target, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["C-12 病例密切接触者名单"])  # a title row above the header
    ws.append(header)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(target)
    return target


def row(person, when=D, detail=""):
    return [person.name, person.id_number, when, detail]


def counts(result):
    return (result.created, result.updated, result.unchanged, result.rejected)


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def _import(path, user, area, case, reason=REASON, **kwargs):
    return run_import(
        IMPORTER,
        path,
        actor=user,
        area=area,
        options={"case_id": case.pk, "reason": reason},
        **kwargs,
    )


def messy_rows(p):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return [
        # row 3: a full-width ID number, a date-time cell (taken as its date)
        [p["F"].name, fullwidth(p["F"].id_number), datetime.datetime(2022, 3, 9, 19, 30), "同住"],
        row(p["B"], "2022年3月8日", "同车出行"),  # row 4: a Chinese date
        row(p["C"], "2022年3月7日 14时"),  # row 5: a Chinese moment, no 接触情况
        ["未登记", make_id_number(birth=datetime.date(1966, 6, 6)), D, ""],  # row 6
        row(p["G"]),  # row 7: lives in 米易县, outside the community's area
        row(p["A"]),  # row 8: the case's own person
        row(p["D"], tomorrow),  # row 9: a date in the future
        row(p["B"], D, "同桌就餐"),  # row 10: B again
        row(p["H"], "三月八日"),  # row 11: no date one can read
    ]


def test_a_messy_list_previewed_then_imported_skipping_bad_rows(tmp_path, city, users, areas):
    p, _v, _w, case = city
    path = workbook(tmp_path / "密接名单.xlsx", messy_rows(p))
    actor, area = users["community"], areas["community"]
    dry = _import(path, actor, area, case, dry_run=True)
    assert counts(dry) == (3, 0, 0, 6)
    assert (dry.total, dry.committed) == (9, False)
    assert errors_of(dry) == [
        (6, "公民身份号码", NOT_FOUND),
        (7, "公民身份号码", NOT_FOUND),
        (8, "公民身份号码", "病例本人不能登记为其接触者"),
        (9, "最后接触时间", "末次暴露日期不能晚于今天"),
        (10, "公民身份号码", "与第 4 行公民身份号码重复"),
        (11, "最后接触时间", "日期格式无法识别，请填写如 2020-02-14 的日期"),
    ]
    assert not Contact.objects.exists() and not Exposure.objects.exists()

    refused = _import(path, actor, area, case)  # all or nothing
    assert counts(refused) == (3, 0, 0, 6) and not refused.committed
    assert not Contact.objects.exists() and not Exposure.objects.exists()

    result = _import(path, actor, area, case, skip_invalid=True)
    assert counts(result) == (3, 0, 0, 6) and result.committed
    made = {c.resident_id: c for c in Contact.objects.all()}
    assert set(made) == {p["F"].pk, p["B"].pk, p["C"].pk}
    for c in made.values():
        assert (c.case_id, c.degree, c.state, c.state_note) == (case.pk, "close", "suspected", "")
    assert made[p["F"].pk].last_exposure == datetime.date(2022, 3, 9)
    assert made[p["B"].pk].last_exposure == D
    assert made[p["C"].pk].last_exposure == datetime.date(2022, 3, 7)
    assert made[p["F"].pk].reason == f"{REASON}；同住"
    assert made[p["B"].pk].reason == f"{REASON}；同车出行"
    assert made[p["C"].pk].reason == REASON

    # Each with its named exposure, as ``name_contact`` keeps one: to the case's person.
    exposures = list(Exposure.objects.order_by("contact_id"))
    assert sorted((e.contact_id, e.kind, e.source_id) for e in exposures) == sorted(
        (c.pk, "named", case.resident_id) for c in made.values()
    )
    for e in exposures:
        assert timezone.localtime(e.exposed_at) == timezone.make_aware(
            datetime.datetime.combine(made_by_pk(made)[e.contact_id].last_exposure, datetime.time())
        )

    # Every audit entry of the run carries the basis.
    entries = AuditEntry.objects.filter(object_type="tracing.contact", action="create")
    assert entries.count() == 3
    for entry in entries:
        contact = made_by_pk(made)[int(entry.object_id)]
        assert entry.reason == REASON
        assert entry.actor_id == actor.pk
        assert entry.object_repr == f"密切接触者 {case.pk}"
        assert entry.changes["resident"] == contact.resident_id
        assert entry.area_path == contact.resident.area.path
    (event,) = AuditEntry.objects.filter(action="import", object_type="tracing.contact")
    assert event.reason == REASON
    assert (event.changes["importer"], event.changes["created"], event.changes["rejected"]) == (
        IMPORTER,
        3,
        6,
    )
    assert verify_chain().ok
    # A contact still to verify is no status fact: nobody's status was computed.
    assert not PersonStatus.objects.filter(resident_id__in=list(made)).exists()


def made_by_pk(made):
    return {c.pk: c for c in made.values()}


def test_the_import_records_what_the_form_records(tmp_path, city, users, areas):
    """One person named on the page and one by the list: the same records."""
    p, _v, _w, case = city
    actor = users["community"]
    by_hand = name_contact(actor=actor, case=case, resident=p["F"], last_exposure=D, reason=REASON)
    _import(workbook(tmp_path / "a.xlsx", [row(p["C"])]), actor, areas["community"], case)
    listed = Contact.objects.get(resident=p["C"])
    fields = ("case_id", "degree", "state", "last_exposure", "reason", "state_note", "version")
    assert [getattr(listed, f) for f in fields] == [getattr(by_hand, f) for f in fields]
    (mine,) = Exposure.objects.filter(contact=listed).values("kind", "source_id", "exposed_at")
    (theirs,) = Exposure.objects.filter(contact=by_hand).values("kind", "source_id", "exposed_at")
    assert mine == theirs


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_contact_named_on_the_page_while_the_list_is_imported(tmp_path, city, users, areas):
    """The case's page names a contact while the list naming the same person is imported:
    the import waits for the page and counts that person unchanged, instead of storing them
    again (a unique-key error that failed the whole list)."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    p, _v, _w, case = city
    actor = users["community"]
    path = workbook(tmp_path / "a.xlsx", [row(p["C"]), row(p["F"])])

    def on_the_page():
        return name_contact(actor=actor, case=case, resident=p["C"], last_exposure=D, reason=REASON)

    race = second_while_first_uncommitted(
        on_the_page, lambda: _import(path, actor, areas["community"], case)
    )
    assert race.first is None and race.second is None and race.second_waited
    assert counts(race.second_result) == (1, 0, 1, 0)
    assert Contact.objects.filter(case=case).count() == 2


def test_reimport_changes_nothing_and_known_contacts_are_left_alone(tmp_path, city, users, areas):
    p, _v, _w, case = city
    actor, area = users["community"], areas["community"]
    # D was found earlier and dismissed; H is a close contact confirmed by hand.
    dismissed = create_contact(
        actor=actor, resident=p["D"], case=case, degree="close", last_exposure=D, reason="追踪"
    )
    dismiss_contact(actor=actor, contact=dismissed, reason="行程不符")
    confirmed = create_contact(
        actor=actor,
        resident=p["H"],
        case=case,
        degree="close",
        last_exposure=D,
        reason="追踪",
        confirmed=True,
    )
    path = workbook(
        tmp_path / "a.xlsx",
        [row(p["F"], D, "同住"), row(p["D"], D, "同车"), row(p["H"], D - datetime.timedelta(1))],
    )
    first = _import(path, actor, area, case)
    assert counts(first) == (1, 0, 2, 0) and first.committed
    dismissed.refresh_from_db()
    confirmed.refresh_from_db()
    assert (dismissed.state, dismissed.reason, dismissed.version) == ("dismissed", "追踪", 2)
    assert (confirmed.state, confirmed.last_exposure, confirmed.version) == ("confirmed", D, 1)
    assert not Exposure.objects.filter(contact__in=[dismissed, confirmed]).exists()
    before = (
        list(Contact.objects.order_by("pk").values()),
        list(Exposure.objects.order_by("pk").values()),
        AuditEntry.objects.exclude(action="import").count(),
    )

    again = _import(path, actor, area, case)
    assert counts(again) == (0, 0, 3, 0) and again.committed
    after = (
        list(Contact.objects.order_by("pk").values()),
        list(Exposure.objects.order_by("pk").values()),
        AuditEntry.objects.exclude(action="import").count(),
    )
    assert after == before


def test_a_voided_or_unreadable_case_or_no_basis_refuses_the_file(tmp_path, city, users, areas):
    p, _v, _w, case = city
    path = workbook(tmp_path / "a.xlsx", [row(p["F"])])
    actor, area = users["community"], areas["community"]
    with pytest.raises(ImportFileError) as exc:
        _import(path, actor, area, case, reason="  ")
    assert str(exc.value) == "请填写指认依据"
    elsewhere = make_user(Role.COMMUNITY, areas["miyi_community"])
    with pytest.raises(ImportFileError) as exc:  # a case of another district's
        _import(path, elsewhere, areas["miyi_community"], case)
    assert str(exc.value) == "未找到该病例"
    void_case(actor=actor, case=case, reason="复核阴性")
    with pytest.raises(ImportFileError) as exc:
        _import(path, actor, area, case)
    assert str(exc.value) == "该病例已撤销，不能再登记或追踪其接触者"
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.filter(action="import").exists()


def test_a_grid_workers_scope(tmp_path, city, users, areas):
    p, _v, _w, case = city
    path = workbook(tmp_path / "a.xlsx", [row(p["F"]), row(p["B"])])
    with pytest.raises(PermissionDenied):  # a grid worker does not name contacts…
        _import(path, users["grid_a"], areas["grid_a"], case)
    # …unless given the right: then only their own grid's residents are found.
    users["grid_a"].user_permissions.add(
        Permission.objects.get(content_type__app_label="tracing", codename="add_contact")
    )
    grid_a = User.objects.get(pk=users["grid_a"].pk)
    mine = _import(path, grid_a, areas["grid_a"], case, skip_invalid=True)
    assert counts(mine) == (1, 0, 0, 1)
    assert errors_of(mine) == [(4, "公民身份号码", NOT_FOUND)]
    assert list(Contact.objects.values_list("resident_id", flat=True)) == [p["F"].pk]
    with pytest.raises(PermissionDenied):  # nor can they look beyond it
        _import(path, grid_a, areas["community"], case)


def test_command_line(tmp_path, city, users, areas, capsys):
    p, _v, _w, _case = city
    rows = [row(p["F"], D, "同住"), row(p["G"]), [p["B"].name, p["B"].id_number, "", ""]]
    path = str(workbook(tmp_path / "密接名单.xlsx", rows))
    args = ("import_named_contacts", path, "--case", "C-12", "--reason", REASON)

    # As the system: the whole city, G of 米易县 included; B has no date.
    with pytest.raises(CommandError) as exc:
        call_command(*args, "--json")
    assert exc.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["rejected"], data["committed"]) == (2, 1, False)
    assert data["errors"] == [{"row": 5, "field": "最后接触时间", "message": "不能为空"}]
    assert not Contact.objects.exists()

    with pytest.raises(CommandError) as exc:
        call_command(*args, "--dry-run")
    assert exc.value.returncode == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "预检完成（未写入）：新增 2 条，更新 0 条，未变化 0 条，未导入 1 行"
    )

    # As the community: their scope (G is not found there); the valid row is written.
    with pytest.raises(CommandError) as exc:
        call_command(*args, "--skip-invalid", "--user", users["community"].username)
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "导入完成：新增 1 条，更新 0 条，未变化 0 条，未导入 2 行"
    assert f"第 4 行 公民身份号码：{NOT_FOUND}" in out
    made = Contact.objects.get()
    assert (made.resident_id, made.reason) == (p["F"].pk, f"{REASON}；同住")
    entry = AuditEntry.objects.get(object_type="tracing.contact", action="create")
    assert (entry.actor_id, entry.reason) == (users["community"].pk, REASON)

    # The corrected list again, by the command office: F unchanged, exit 0.
    path = str(workbook(tmp_path / "改.xlsx", [row(p["F"], D, "同住"), row(p["G"])]))
    call_command(
        "import_named_contacts", path, "--case", "C-12", "--reason", REASON, "--json",
        "--user", users["command"].username,
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["unchanged"], data["rejected"], data["committed"]) == (
        1,
        1,
        0,
        True,
    )
    assert Contact.objects.count() == 2

    with pytest.raises(CommandError) as exc:
        call_command("import_named_contacts", path, "--case", "X-99", "--reason", REASON)
    assert exc.value.returncode == 2 and str(exc.value) == "未找到病例编号为“X-99”的病例"
    with pytest.raises(CommandError) as exc:
        call_command("import_named_contacts", path, "--case", "X-99", "--reason", "r", "--json")
    assert exc.value.returncode == 2
    assert json.loads(capsys.readouterr().out)["error"] == "未找到病例编号为“X-99”的病例"
    with pytest.raises(CommandError) as exc:  # a grid worker may not name contacts
        call_command(*args, "--user", users["grid_a"].username)
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:  # no basis
        call_command("import_named_contacts", path, "--case", "C-12", "--reason", " ")
    assert exc.value.returncode == 2 and str(exc.value) == "请填写指认依据"
    assert Contact.objects.count() == 2


def test_web_upload_preview_confirm_and_template(
    client, city, users, areas, django_capture_on_commit_callbacks
):
    p, _v, _w, case = city
    client.force_login(users["community"])
    url = reverse("tracing:named_contact_import", args=[case.pk])
    template_url = reverse("tracing:named_contact_import_template", args=[case.pk])
    detail = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert url in detail and "批量导入指认名单" in detail
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "指认依据" in body and template_url in body and case.label in body

    response = client.get(template_url)
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号*", "末次暴露日期*", "接触情况"]
    sheet.append([p["B"].name, p["B"].id_number, D, "同车出行"])

    def upload(**data):
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "密接名单.xlsx"
        return client.post(url, {"file": buf, "area": areas["community"].pk, **data})

    refused = upload()  # the basis is required
    assert refused.status_code == 200 and not Job.objects.exists()
    assert refused.context["form"].errors["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        posted = upload(reason=REASON)
    assert posted.status_code == 302
    job = Job.objects.get()
    assert job.params["importer"] == IMPORTER
    preview = client.get(reverse("core:job_detail", args=[job.pk]))
    assert preview.context["counts"]["created"] == 1
    assert preview.context["reupload_url"] == url
    assert not Contact.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    contact = Contact.objects.get()
    assert (contact.resident_id, contact.case_id, contact.reason) == (
        p["B"].pk,
        case.pk,
        f"{REASON}；同车出行",
    )
    assert Exposure.objects.get(contact=contact).kind == "named"
    detail = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert p["B"].name in detail


def test_who_sees_the_import(client, city, users):
    _p, _v, _w, case = city
    url = reverse("tracing:named_contact_import", args=[case.pk])
    template_url = reverse("tracing:named_contact_import_template", args=[case.pk])
    client.force_login(users["volunteer"])
    assert client.get(url).status_code == 403
    assert client.get(template_url).status_code == 403
    client.force_login(users["grid_a"])  # reads the case, names no contacts
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    client.force_login(users["grid_c"])  # another district's: no such case
    assert client.get(reverse("tracing:case_detail", args=[case.pk])).status_code == 404
    client.force_login(users["community"])
    void_case(actor=users["community"], case=case, reason="复核阴性")
    assert client.get(url).status_code == 302
    assert url not in client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
