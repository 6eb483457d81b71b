"""账号批量导入: a street's staff list in, accounts out with the rules of opening one by hand,
and their initial passwords handed over once."""

import io
import json
import os
import stat

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry, Job
from fangkong.core.testing.factories import make_user

pytestmark = pytest.mark.django_db
IMPORTER = "accounts.user"
HEADER = ("姓名", "登录名", "角色", "所属网格/社区", "手机号")


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.FANGKONG_UPLOAD_DIR = tmp_path / "uploads"


def workbook(target, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["仁和街道防控人员账号名单"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(target)
    return target


MESSY = [
    ("张三", "", "网格员", "第一网格", ""),  # 3: zhangsan
    ("张三", "", "社区", "海棠花语社区", "13800001234"),  # 4: zhangsan2
    ("李四", "lisi", "志愿者", "510411001001G02", ""),  # 5: by the grid's code
    ("王五", "", "指挥部", "海棠花语社区", ""),  # 6: above the street's own role
    ("赵六", "", "网格员", "迷阳水岸社区", ""),  # 7: another district's community
    ("钱七", "lisi", "网格员", "第二网格", ""),  # 8: row 5's login again
    ("孙八", "grid_a", "网格员", "第一网格", ""),  # 9: an existing account
    ("", "nobody", "网格员", "第一网格", ""),  # 10: no name
    ("周九", "", "队长", "第一网格", ""),  # 11: no such role
    ("吴十", "", "网格", "", ""),  # 12: blank area: the import's own
    ("郑一", "zheng yi", "网格员", "第一网格", ""),  # 13: a space in the login
    ("冯二", "", "网格员", "第一网格", "12345"),  # 14: not a phone number
    ("陈三", "Grid_B", "网格员", "第二网格", ""),  # 15: grid_b in other letters
]
TAKEN = "该登录名已有账号使用：导入不会修改已有账号，请换一个登录名或留空自动生成"
MESSY_ERRORS = [
    (6, "角色", "您不能开设该角色的账号"),
    (7, "所属网格/社区", "区域“迷阳水岸社区”不在本次导入范围（仁和街道）内"),
    (8, "登录名", "与第 5 行登录名重复"),
    (9, "登录名", TAKEN),
    (10, "姓名", "不能为空"),
    (
        11,
        "角色",
        "无法识别“队长”，可填写：指挥部/专班、街道/乡镇、社区/村、网格员、企业联络员、督导检查、"
        "志愿者、领导(只读)",
    ),
    (13, "登录名", "登录名只能包含字母、数字和 @ . + - _，不能有空格或汉字"),
    (14, "手机号", "联系电话格式不正确：应为 11 位手机号或带区号的固定电话"),
    (15, "登录名", TAKEN),
]


def errors(result):
    return [(e.row, e.field, e.message) for e in result.errors]


def account_entries():
    return AuditEntry.objects.filter(object_type="accounts.user", action="create")


def test_a_messy_list_is_refused_whole_with_each_rows_errors(tmp_path, users, areas):
    before = set(User.objects.values_list("username", flat=True))
    path = workbook(tmp_path / "staff.xlsx", MESSY)

    result = run_import(IMPORTER, path, actor=users["street"], area=areas["street"])

    assert (result.total, result.created, result.rejected) == (13, 4, 9)
    assert result.committed is False
    assert errors(result) == MESSY_ERRORS
    assert set(User.objects.values_list("username", flat=True)) == before
    assert not account_entries().exists()
    assert "password_sheet" not in result.extra
    assert not (tmp_path / "uploads" / "passwords").exists()


def test_the_accepted_rows_become_accounts_that_must_change_their_password(tmp_path, users, areas):
    from fangkong.accounts import password_sheets

    path = workbook(tmp_path / "staff.xlsx", MESSY)

    result = run_import(
        IMPORTER, path, actor=users["street"], area=areas["street"], skip_invalid=True
    )

    assert (result.created, result.rejected, result.committed) == (4, 9, True)
    opened = {
        u.username: (u.full_name, u.role, u.area_id, u.phone, u.password_change_required)
        for u in User.objects.filter(username__in=["zhangsan", "zhangsan2", "lisi", "wushi"])
    }
    assert opened == {
        "zhangsan": ("张三", Role.GRID_WORKER, areas["grid_a"].pk, "", True),
        "zhangsan2": ("张三", Role.COMMUNITY, areas["community"].pk, "13800001234", True),
        "lisi": ("李四", Role.VOLUNTEER, areas["grid_b"].pk, "", True),
        "wushi": ("吴十", Role.GRID_WORKER, areas["street"].pk, "", True),
    }
    assert User.objects.get(username="grid_a").full_name == ""  # never changed by the import
    shown = sorted(e.object_repr for e in account_entries())
    assert shown == sorted(["张三", "张三", "李四", "吴十"])
    lisi = account_entries().get(object_id=str(User.objects.get(username="lisi").pk))
    assert lisi.actor_name == "street"
    assert lisi.area_path == areas["grid_b"].path
    assert {k: v for k, v in lisi.changes.items() if k != "phone"} == {
        "id": User.objects.get(username="lisi").pk,
        "username": "lisi",
        "full_name": "李四",
        "role": "volunteer",
        "area": areas["grid_b"].pk,
    }
    for entry in account_entries():
        assert "password" not in entry.changes
    sheet = password_sheets.take(result.extra["password_sheet"])
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True))
    assert rows[0] == ("登录名", "姓名", "初始密码")
    assert [r[:2] for r in rows[1:5]] == [
        ("zhangsan", "张三"),
        ("zhangsan2", "张三"),
        ("lisi", "李四"),
        ("wushi", "吴十"),
    ]
    passwords = {r[0]: r[2] for r in rows[1:5]}
    assert len(set(passwords.values())) == 4
    for login, password in passwords.items():
        assert User.objects.get(username=login).check_password(password)
        assert password not in json.dumps([e.changes for e in AuditEntry.objects.all()])
    assert password_sheets.take(result.extra["password_sheet"]) is None  # once


def test_a_password_sheet_that_cannot_be_kept_opens_no_account(tmp_path, users, areas, monkeypatch):
    """The sheet was written after the commit: a full disk then left accounts whose initial
    passwords nobody had, under a message that said nothing was written."""
    from fangkong.accounts import password_sheets

    def full_disk(data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(password_sheets, "store", full_disk)
    before = set(User.objects.values_list("username", flat=True))
    path = workbook(tmp_path / "staff.xlsx", MESSY[:3])

    with pytest.raises(OSError):
        run_import(IMPORTER, path, actor=users["street"], area=areas["street"])

    assert set(User.objects.values_list("username", flat=True)) == before
    assert not account_entries().exists()


def test_blank_logins_come_from_the_names_pinyin_and_stay_unique(tmp_path, users, areas):
    make_user(Role.GRID_WORKER, areas["grid_a"], username="ZhangSan")
    rows = [
        ("张三", "", "网格员", "第一网格", ""),
        ("張三", "", "网格员", "第一网格", ""),  # the same name in Traditional characters
        ("吕布", "", "网格员", "第一网格", ""),
        ("Alice Wang", "", "志愿者", "第一网格", ""),
        ("李四", "", "网格员", "第一网格", ""),
        ("李思", "lisi2", "网格员", "第一网格", ""),  # given: the next 李四 skips it
        ("李四", "", "网格员", "第一网格", ""),
    ]
    path = workbook(tmp_path / "staff.xlsx", rows)

    result = run_import(IMPORTER, path, actor=users["community"], area=areas["community"])

    assert (result.created, result.rejected) == (7, 0), errors(result)
    created = list(
        User.objects.filter(pk__in=[int(e.object_id) for e in account_entries()])
        .order_by("pk")
        .values_list("username", "full_name")
    )
    assert created == [
        ("zhangsan2", "张三"),
        ("zhangsan3", "張三"),
        ("lvbu", "吕布"),
        ("alicewang", "Alice Wang"),
        ("lisi", "李四"),
        ("lisi2", "李思"),
        ("lisi3", "李四"),
    ]


def test_the_same_list_imported_again_opens_no_second_accounts(tmp_path, users, areas):
    """A blank 登录名 on a row whose person has an account (the same name, role and area,
    and phone where both give one) is refused: the list sent twice opened zhangsan2 beside
    zhangsan. A namesake with another phone, or another role, still gets one."""
    rows = [
        ("张三", "", "网格员", "第一网格", "13800001234"),
        ("李四", "", "网格员", "第一网格", ""),
    ]
    kw = {"actor": users["community"], "area": areas["community"]}
    first = run_import(IMPORTER, workbook(tmp_path / "a.xlsx", rows), **kw)
    assert (first.created, first.rejected) == (2, 0), errors(first)

    again = run_import(IMPORTER, workbook(tmp_path / "b.xlsx", rows), **kw)
    assert errors(again) == [
        (
            3,
            "登录名",
            "该区域已有同名、同角色的账号“zhangsan”：同一人无需再导入；确为另一人请填写登录名",
        ),
        (
            4,
            "登录名",
            "该区域已有同名、同角色的账号“lisi”：同一人无需再导入；确为另一人请填写登录名",
        ),
    ]
    others = [
        ("张三", "", "网格员", "第一网格", "13900005678"),  # another phone: another 张三
        ("李四", "", "社区", "第一网格", ""),  # another role
        ("李四", "lisi.b", "网格员", "第一网格", ""),  # a 登录名 given
    ]
    more = run_import(IMPORTER, workbook(tmp_path / "c.xlsx", others), **kw)
    assert (more.created, more.rejected) == (3, 0), errors(more)
    assert sorted(User.objects.filter(full_name__in=["张三", "李四"]).values_list("username")) == [
        ("lisi",),
        ("lisi.b",),
        ("lisi2",),
        ("zhangsan",),
        ("zhangsan2",),
    ]


def test_a_preview_lists_the_logins_it_makes_up_to_a_limit_and_counts_the_rest(
    tmp_path, users, areas, monkeypatch
):
    from fangkong.accounts import importers

    monkeypatch.setattr(importers, "PREVIEW_LOGINS", 2)
    rows = [(name, "", "网格员", "第一网格", "") for name in ("张三", "李四", "王五", "赵六")]
    path = workbook(
        tmp_path / "staff.xlsx", [*rows[:2], ("钱七", "qianqi", "网格员", "", ""), *rows[2:]]
    )

    result = run_import(
        IMPORTER, path, actor=users["community"], area=areas["community"], dry_run=True
    )

    assert result.extra["generated_logins"] == [[3, "张三", "zhangsan"], [4, "李四", "lisi"]]
    assert result.extra["generated_logins_unlisted"] == 2
    assert not User.objects.filter(full_name__in=["张三", "钱七"]).exists()


def test_a_street_opens_no_command_account_and_nothing_outside_its_street(tmp_path, users, areas):
    rows = [("王五", "", "指挥部/专班", "仁和街道", ""), ("赵六", "", "网格员", "第一网格", "")]
    path = workbook(tmp_path / "staff.xlsx", rows)

    result = run_import(IMPORTER, path, actor=users["street"], area=areas["street"])
    assert errors(result) == [(3, "角色", "您不能开设该角色的账号")]
    with pytest.raises(PermissionDenied):  # 米易县 is not the street's
        run_import(IMPORTER, path, actor=users["street"], area=areas["miyi"])
    with pytest.raises(PermissionDenied):  # a grid worker opens no accounts
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    assert not User.objects.filter(full_name__in=["王五", "赵六"]).exists()
    assert not account_entries().exists()

    result = run_import(IMPORTER, path, actor=users["command"], area=areas["street"])
    assert (result.created, result.rejected, result.committed) == (2, 0, True)
    assert User.objects.get(full_name="王五").role == Role.COMMAND


def test_the_web_import_previews_then_hands_the_passwords_over_once(
    client, tmp_path, users, areas, django_capture_on_commit_callbacks
):
    client.force_login(users["street"])
    page = client.get(reverse("accounts:user_list"))
    assert reverse("accounts:user_import").encode() in page.content
    upload = client.get(reverse("accounts:user_import"))
    assert reverse("accounts:user_import_template") in upload.content.decode()
    # The street's own area is chosen to start with.
    assert upload.context["form"]["area"].value() == areas["street"].pk
    assert f'<option value="{areas["street"].pk}" selected>' in upload.content.decode()
    buf = io.BytesIO()
    workbook(buf, MESSY[:3])
    buf.seek(0)
    buf.name = "staff.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_import"), {"file": buf, "area": areas["street"].pk}
        )
    assert response.status_code == 302
    preview = Job.objects.get()
    assert not User.objects.filter(username="zhangsan").exists()
    checked = client.get(response.url).content.decode()
    assert "下载初始密码表" not in checked
    # The logins it will make from names are shown before anything is written; lisi was given.
    assert "将由姓名生成的登录名" in checked
    assert "<td>3</td><td>张三</td><td><code>zhangsan</code></td>" in checked
    assert "<td>4</td><td>张三</td><td><code>zhangsan2</code></td>" in checked
    assert "<code>lisi</code>" not in checked
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:job_confirm", args=[preview.pk]))
    job = Job.objects.exclude(pk=preview.pk).get()
    assert User.objects.filter(username__in=["zhangsan", "zhangsan2", "lisi"]).count() == 3
    result_page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    download = reverse("accounts:import_passwords", args=[job.pk])
    assert download in result_page
    assert "将由姓名生成的登录名" not in result_page

    other = Client()
    other.force_login(users["command"])  # not the one who ran the import
    assert other.post(download).status_code == 404
    assert client.get(download).status_code == 405
    response = client.post(download)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    logins = {r[0]: r[2] for r in rows[1:4]}
    assert sorted(logins) == ["lisi", "zhangsan", "zhangsan2"]
    for password in logins.values():
        assert password not in json.dumps(job.result, ensure_ascii=False)
        assert password not in job.message
    handed = AuditEntry.objects.get(action="export", object_type="accounts.user")
    assert (handed.actor_name, handed.changes) == ("street", {"job": str(job.pk), "accounts": 3})
    again = client.post(download)
    assert again.status_code == 302
    assert "下载初始密码表" not in client.get(again.url).content.decode()

    detail = client.get(
        reverse("accounts:user_detail", args=[User.objects.get(username="zhangsan2").pk])
    )
    assert '<dd class="col-8" data-field="phone">138****1234</dd>' in detail.content.decode()

    browser = Client()
    signed_in = browser.post(reverse("login"), {"username": "lisi", "password": logins["lisi"]})
    assert signed_in.status_code == 302
    home = browser.get(reverse("home"))
    assert home.status_code == 302 and home.url == reverse("accounts:password_change")


def test_the_template_downloads_for_those_who_open_accounts(client, users):
    client.force_login(users["community"])
    response = client.get(reverse("accounts:user_import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["姓名*", "登录名", "角色*", "所属区域", "手机号"]
    client.force_login(users["grid_a"])
    assert client.get(reverse("accounts:user_import_template")).status_code == 403
    assert client.get(reverse("accounts:user_import")).status_code == 403
    page = client.get(reverse("accounts:user_list"))
    assert reverse("accounts:user_import").encode() not in page.content


def test_the_command_line_imports_as_a_user_and_writes_the_passwords_to_a_private_file(
    tmp_path, users, areas, capsys
):
    path = workbook(tmp_path / "staff.xlsx", MESSY)
    with pytest.raises(CommandError) as refused:
        call_command("import_users", str(path), "--user", "street", "--json")
    assert refused.value.returncode == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["rejected"], out["committed"]) == (4, 9, False)
    assert [(e["row"], e["field"], e["message"]) for e in out["errors"]] == MESSY_ERRORS
    assert not (tmp_path / "staff-初始密码.xlsx").exists()

    with pytest.raises(CommandError) as refused:
        call_command("import_users", str(path))
    assert refused.value.returncode == 2

    clean = workbook(tmp_path / "clean.xlsx", MESSY[:3])
    call_command("import_users", str(clean), "--user", "street", "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["rejected"], out["committed"]) == (3, 0, True)
    sheet_path = tmp_path / "clean-初始密码.xlsx"
    assert out["password_file"] == str(sheet_path)
    assert stat.S_IMODE(os.stat(sheet_path).st_mode) == 0o600
    rows = list(openpyxl.load_workbook(sheet_path).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:4]] == ["zhangsan", "zhangsan2", "lisi"]
    assert User.objects.get(username="lisi").check_password(rows[3][2])
    assert account_entries().filter(actor_name="street").count() == 3

    with pytest.raises(CommandError) as refused:  # never overwrites a passwords file
        call_command("import_users", str(clean), "--user", "street")
    assert refused.value.returncode == 2
    more = workbook(tmp_path / "more.xlsx", [("何一", "", "网格员", "第一网格", "")])
    nowhere = str(tmp_path / "missing" / "pw.xlsx")
    with pytest.raises(CommandError) as refused:  # checked before any account is opened
        call_command("import_users", str(more), "--user", "street", "--passwords", nowhere)
    assert refused.value.returncode == 2
    assert not User.objects.filter(full_name="何一").exists()


def test_the_web_preview_names_each_bad_row_and_field_and_offers_no_import(
    client, users, areas, django_capture_on_commit_callbacks
):
    client.force_login(users["street"])
    buf = io.BytesIO()
    workbook(buf, MESSY)
    buf.seek(0)
    buf.name = "staff.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_import"), {"file": buf, "area": areas["street"].pk}
        )
    page = client.get(response.url).content.decode()
    for row, field, message in MESSY_ERRORS:
        assert f'<td>{row}</td><td>{field}</td><td class="fk-wrap">{escape(message)}</td>' in page
    assert reverse("core:job_confirm", args=[Job.objects.get().pk]) not in page
    assert not User.objects.filter(username="zhangsan").exists()


def test_roles_are_read_by_the_names_street_lists_give_them(tmp_path, users, areas):
    names = {
        "网格员": Role.GRID_WORKER,
        "社区": Role.COMMUNITY,
        "村": Role.COMMUNITY,
        "街道": Role.STREET,
        "乡镇": Role.STREET,
        "指挥部": Role.COMMAND,
        "专班": Role.COMMAND,
        "联络员": Role.ENTERPRISE_LIAISON,
        "督导": Role.INSPECTOR,
        "志愿者": Role.VOLUNTEER,
        "领导": Role.LEADER,
        "社区/村": Role.COMMUNITY,
        "领导（只读）": Role.LEADER,
        "command": Role.COMMAND,
    }
    rows = [(f"人员{i}", f"staff{i}", name, "仁和街道", "") for i, name in enumerate(names)]
    path = workbook(tmp_path / "staff.xlsx", rows)

    result = run_import(IMPORTER, path, actor=users["command"], area=areas["street"])

    assert (result.created, result.rejected) == (len(names), 0), errors(result)
    got = dict(User.objects.filter(username__startswith="staff").values_list("username", "role"))
    assert got == {f"staff{i}": role for i, role in enumerate(names.values())}


def test_a_sheet_nobody_downloads_goes_with_its_job(
    client, tmp_path, users, areas, django_capture_on_commit_callbacks
):
    """An initial-password sheet never downloaded stayed under var/ for ever: it now expires
    with its import's job (the jobs' retention period)."""
    import datetime as dt

    from django.utils import timezone

    buf = io.BytesIO()
    workbook(buf, MESSY[:1])
    buf.seek(0)
    buf.name = "staff.xlsx"
    client.force_login(users["street"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_import"), {"file": buf, "area": areas["street"].pk}
        )
    preview = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[preview.pk]))
    job = Job.objects.exclude(pk=preview.pk).get()
    sheets = list((tmp_path / "uploads" / "passwords").iterdir())
    assert [str(p) for p in sheets] == job.result["private_files"]
    assert response.status_code == 302

    Job.objects.update(created_at=timezone.now() - dt.timedelta(days=31))
    call_command("purge_expired", stdout=io.StringIO())
    assert not Job.objects.exists()
    assert list((tmp_path / "uploads" / "passwords").iterdir()) == []
    assert User.objects.filter(username="zhangsan").exists()  # the accounts stay
