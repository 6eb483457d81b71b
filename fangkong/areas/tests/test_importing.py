"""Taking a county's area tree in from its own spreadsheet (``fangkong import-areas``)."""

import re
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from fangkong.accounts.models import User
from fangkong.areas.importing import import_areas
from fangkong.areas.models import Area
from fangkong.areas.views import _pending_dir
from fangkong.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    """A checked file waits for its confirmation in this test's own folder."""
    settings.FANGKONG_UPLOAD_DIR = tmp_path / "uploads"


HEADER = ["序号", "区划代码", "名称", "层级", "上级代码"]
COUNTY = [
    [1, "510421", "米易县", "县", None],
    [2, "510421101", "丙谷镇", "镇", "510421"],
    [3, "510421101001", "丙谷社区", "社区", "510421101"],
    [4, "510421101001G01", "第一网格", "网格", "510421101001"],
    [5, "510421101001G02", "第二网格", None, "510421101001"],  # level from its parent
    [6, 510421101002, "龙华村", "村", 510421101],  # codes typed as numbers
]


def _xlsx(tmp_path, rows, name="areas.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["米易县区域网格清单"])  # a title row above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


@pytest.fixture
def admin():
    return User.objects.create_superuser("admin", "a@example.invalid", "pw-for-tests-only")


def test_a_county_takes_its_tree_in_from_an_empty_database_and_again_unchanged(tmp_path, admin):
    # The grid comes before its community in the file: parents are written first.
    path = _xlsx(tmp_path, [COUNTY[3], *COUNTY[:3], *COUNTY[4:]])

    first = import_areas(actor=admin, path=path)
    again = import_areas(actor=admin, path=path)

    assert (first.created, first.errors, first.committed) == (6, [], True)
    assert dict(Area.objects.values_list("code", "path")) == {
        "510421": "510421/",
        "510421101": "510421/510421101/",
        "510421101001": "510421/510421101/510421101001/",
        "510421101001G01": "510421/510421101/510421101001/510421101001G01/",
        "510421101001G02": "510421/510421101/510421101001/510421101001G02/",
        "510421101002": "510421/510421101/510421101002/",
    }
    assert Area.objects.get(code="510421101001G02").get_level_display() == "网格"
    assert AuditEntry.objects.filter(object_type="areas.area", action="create").count() == 6
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 6, [])


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path, admin):
    path = _xlsx(
        tmp_path,
        [
            *COUNTY,
            [7, "510421101003G01", "第一网格", "网格", "510421101003"],
            [8, "510421101001", "丙谷社区", "社区", "510421101"],
            [9, "510421101004", "某村", "组", "510421101"],
            [10, None, "无代码村", "村", "510421101"],
            [11, "510421102", "攀莲镇", "镇", None],
        ],
    )

    result = import_areas(actor=admin, path=path)

    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (9, "上级代码", "上级代码“510421101003”不存在：请先导入上级区域，或把它写在本表中"),
        (10, "区划代码", "区划代码“510421101001”与第 5 行重复"),
        (11, "层级", "层级“组”无法识别，请填写 市、区县、街道/乡镇、社区/村 或 网格"),
        (12, "区划代码", "未填写区划代码"),
        (13, "上级代码", "除省、市、区县外，区域必须有上级区域"),
    ]
    assert not result.committed
    assert not Area.objects.exists()
    assert not AuditEntry.objects.filter(object_type="areas.area").exists()


def test_a_reimport_renames_and_moves_and_a_blank_parent_keeps_an_area_in_place(tmp_path, admin):
    import_areas(actor=admin, path=_xlsx(tmp_path, COUNTY))
    changed = [
        [1, "510421", "米易县", "区县", None],
        [2, "510421102", "攀莲镇", "镇", "510421"],
        [3, "510421101001", "丙谷镇社区", "社区", "510421102"],  # renamed and moved
        [4, "510421101002", "龙华村", "村", None],  # blank parent: stays under 丙谷镇
    ]

    result = import_areas(actor=admin, path=_xlsx(tmp_path, changed, "again.xlsx"))

    assert (result.created, result.updated, result.unchanged, result.errors) == (1, 1, 2, [])
    moved = Area.objects.get(code="510421101001")
    assert (moved.name, moved.path) == ("丙谷镇社区", "510421/510421102/510421101001/")
    assert Area.objects.get(code="510421101001G01").path.startswith(moved.path)
    assert Area.objects.get(code="510421101002").parent.code == "510421101"


def test_a_street_cannot_import_areas_outside_its_own(tmp_path, admin):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    import_areas(actor=admin, path=_xlsx(tmp_path, COUNTY))
    street = make_user(Role.STREET, Area.objects.get(code="510421101"), username="street")
    rows = [
        [1, "510421102", "攀莲镇", "镇", "510421"],
        [2, "510421101003", "新村", "村", "510421101"],
    ]

    result = import_areas(actor=street, path=_xlsx(tmp_path, rows, "street.xlsx"))

    assert [(e.row, e.message) for e in result.errors] == [(3, "该区域不在您的管辖范围内")]
    assert not Area.objects.filter(code__in=["510421102", "510421101003"]).exists()


def test_the_command_says_what_it_did_and_exits_by_outcome(tmp_path, admin):
    out = StringIO()
    call_command("import_areas", str(_xlsx(tmp_path, COUNTY)), user="admin", stdout=out)
    assert out.getvalue() == "新增 6 个区域，更新 0 个，未变 0 个\n"

    bad = _xlsx(tmp_path, [[1, "510421", "米易县", "组", None]], "bad.xlsx")
    with pytest.raises(CommandError) as rejected:
        call_command("import_areas", str(bad), user="admin", stdout=StringIO())
    assert rejected.value.returncode == 1

    blank = tmp_path / "blank.csv"
    blank.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8")
    with pytest.raises(CommandError) as unreadable:
        call_command("import_areas", str(blank), user="admin", stdout=StringIO())
    assert (unreadable.value.returncode, str(unreadable.value)) == (
        2,
        "前 10 行中找不到表头：至少需要“区划代码”和“名称”两列",
    )


def test_the_web_page_checks_first_then_writes_and_lists_each_error(client, tmp_path, admin):
    from django.urls import reverse

    client.force_login(admin)
    url = reverse("areas:area_import")
    assert url in client.get(reverse("areas:area_tree")).content.decode()
    good = _xlsx(tmp_path, COUNTY)

    with good.open("rb") as f:
        checked = client.post(url, {"file": f, "dry_run": "on"}).content.decode()
    assert "预检通过：将新增 6 个区域，更新 0 个，未变 0 个。" in checked
    assert f"确认导入“{good.name}”" in checked
    assert not Area.objects.exists()

    # The checked file is written on confirmation, without choosing it again.
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', checked).group(1)
    written = client.post(url, {"confirm": token}).content.decode()
    assert "已导入：新增 6 个区域，更新 0 个，未变 0 个。" in written
    assert Area.objects.count() == 6
    assert not list(_pending_dir().iterdir())  # the kept copy is gone
    again = client.post(url, {"confirm": token}).content.decode()
    assert "待确认的文件已失效" in again

    with good.open("rb") as f:  # without 只预检 a file is written at once, as before
        direct = client.post(url, {"file": f}).content.decode()
    assert "已导入：新增 0 个区域，更新 0 个，未变 6 个。" in direct

    bad = _xlsx(tmp_path, [[1, "510421102001", "新村", "村", "510421102"]], "bad.xlsx")
    with bad.open("rb") as f:
        refused = client.post(url, {"file": f}).content.decode()
    assert "有 1 处错误，未写入任何数据。" in refused
    assert (
        '<td>3</td><td>上级代码</td><td class="text-wrap">'
        "上级代码“510421102”不存在：请先导入上级区域，或把它写在本表中</td>"
    ) in refused
    assert not Area.objects.filter(code="510421102001").exists()


def test_a_confirmation_writes_only_the_last_file_checked(client, tmp_path, admin):
    from django.urls import reverse

    client.force_login(admin)
    url = reverse("areas:area_import")
    first = _xlsx(tmp_path, COUNTY)
    second = _xlsx(tmp_path, COUNTY[:2], "second.xlsx")
    tokens = []
    for path in (first, second):
        with path.open("rb") as f:
            page = client.post(url, {"file": f, "dry_run": "on"}).content.decode()
        tokens.append(re.search(r'name="confirm" value="([0-9a-f]+)"', page).group(1))

    assert "待确认的文件已失效" in client.post(url, {"confirm": tokens[0]}).content.decode()
    assert not Area.objects.exists()
    written = client.post(url, {"confirm": tokens[1]}).content.decode()
    assert "已导入：新增 2 个区域，更新 0 个，未变 0 个。" in written
    assert set(Area.objects.values_list("code", flat=True)) == {"510421", "510421101"}
    assert not list(_pending_dir().iterdir())


def test_a_file_abandoned_for_a_day_is_removed(client, tmp_path, admin):
    import os
    import time

    from django.urls import reverse

    client.force_login(admin)
    url = reverse("areas:area_import")
    with _xlsx(tmp_path, COUNTY).open("rb") as f:
        client.post(url, {"file": f, "dry_run": "on"})
    (kept,) = _pending_dir().iterdir()
    old = time.time() - 25 * 3600
    os.utime(kept, (old, old))
    other = Client()
    other.force_login(admin)  # another session's next check clears it
    with _xlsx(tmp_path, COUNTY, "other.xlsx").open("rb") as f:
        other.post(url, {"file": f, "dry_run": "on"})
    assert not kept.exists()
    assert len(list(_pending_dir().iterdir())) == 1


def test_the_web_page_is_for_those_who_may_add_areas(client, areas, users):
    from django.urls import reverse

    client.force_login(users["grid_a"])

    assert client.get(reverse("areas:area_import")).status_code == 403


def test_the_area_lists_export_edited_in_excel_imports_back(tmp_path, admin):
    """The list's export names each area's parent by its code (上级代码), as the import reads
    it: sent back as it is, it changes nothing; a name changed in Excel renames the area."""
    import io

    import_areas(actor=admin, path=_xlsx(tmp_path, COUNTY))
    client = Client()
    client.force_login(admin)
    response = client.get("/areas/list/", {"export": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["名称", "区划代码", "层级", "上级区域", "上级代码"]
    path = tmp_path / "导出.xlsx"
    book.save(path)
    again = import_areas(actor=admin, path=path)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 6, [])

    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "510421101002":
            row[0].value = "龙华村委会"
    book.save(path)
    edited = import_areas(actor=admin, path=path)
    assert (edited.created, edited.updated, edited.errors) == (0, 1, [])
    assert Area.objects.get(code="510421101002").name == "龙华村委会"
