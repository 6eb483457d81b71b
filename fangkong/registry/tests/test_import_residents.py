"""The resident import end to end: messy real-world files in, exact counts and errors out."""

from __future__ import annotations

import csv
import datetime
import gc
import io
import json
import random
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from fangkong.core import crypto
from fangkong.core.audit import object_type as audit_object_type
from fangkong.core.audit import snapshot, verify_chain
from fangkong.core.importing import ImportFileError, indexes, run_import
from fangkong.core.importing.engine import IMPORT_GC_THRESHOLD
from fangkong.core.importing.writer import ModelWriter
from fangkong.core.jobs import start_import_job
from fangkong.core.models import AuditEntry, Job
from fangkong.core.personal import mask_name
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.importers import ResidentImporter
from fangkong.registry.models import Household, Resident

OBJECT_TYPE = "registry.resident"
IMPORTER = "registry.resident"
_rng = random.Random(20200214)


def _id(birth: datetime.date, gender: str) -> str:
    return make_id_number(birth=birth, gender=gender, rng=_rng)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


ID_ZHANG = _id(datetime.date(1980, 1, 1), "M")
ID_LI = _id(datetime.date(1990, 2, 2), "F")
ID_WANG = _id(datetime.date(1975, 5, 5), "M")
ID_ZHAO = _id(datetime.date(1985, 6, 6), "F")
ID_QIAN = _id(datetime.date(1960, 7, 7), "M")
ID_SUN = _id(datetime.date(2001, 8, 8), "F")
ID_ZHOU = _id(datetime.date(1955, 9, 9), "M")
ID_FLOAT = _id(datetime.date(1970, 1, 2), "M")
ID_BAD_SUM = _id(datetime.date(1970, 1, 3), "M")
ID_BAD_SUM = ID_BAD_SUM[:-1] + ("1" if ID_BAD_SUM[-1] != "1" else "2")
ID_FEMALE = _id(datetime.date(1970, 1, 4), "F")
ID_GRID9 = _id(datetime.date(1970, 1, 5), "M")
ID_OUTSIDE = _id(datetime.date(1970, 1, 6), "M")
ID_TAG = _id(datetime.date(1970, 1, 7), "F")
ID_DATE = _id(datetime.date(1970, 1, 8), "F")

SERIAL = object()  # Excel serial number 43875 (= 2020-02-14) in the spreadsheet formats
DATETIME = object()  # a real date cell
FLOAT_ID = object()  # the ID typed into a General cell: Excel keeps a float

HEADER = [
    "序号",
    "姓 名",
    "公民身份号码",
    "手机号",
    "性别",
    "出生日期",
    "网格*",
    "人员类别",
    "从何地返回",
    "返回日期",
    "标签",
    "户号",
    "备注",
]

# Spreadsheet rows 4.. (title on row 1, a blank row 2, the header on row 3).
DATA = [
    # 4-10: good rows, one per date form
    [
        "1",
        "张三",
        fullwidth(ID_ZHANG),
        fullwidth("13800001234"),
        "男",
        "1980-01-01",
        "第一网格",
        "常住",
        "",
        "2020-02-14",
        "党员、老人",
        "1-101",
        "",
    ],
    [
        "2",
        "李四",
        ID_LI,
        "13900001234",
        "女",
        "1990/2/2",
        "第二网格",
        "返乡",
        "湖北省武汉市",
        "2020/2/14",
        "党员,老人",
        "1-101",
        "",
    ],
    [
        "3",
        "王五",
        ID_WANG,
        "",
        "",
        "",
        "510411001001G01",
        "inflow",
        "湖北省孝感市",
        "2020.2.14",
        "独居，老人",
        "1-101",
        "",
    ],
    ["4", "赵六", ID_ZHAO, "", "", "", "第一网格", "暂住", "", "2020年2月14日", "", "", ""],
    ["5", "钱七", ID_QIAN, "", "", "", "第一网格", "", "", "20200214", "", "", ""],
    ["6", "孙八", ID_SUN, "", "", "", "第二网格", "", "", SERIAL, "", "", ""],
    ["7", "周九", ID_ZHOU, "", "", "", "第二网格", "", "", DATETIME, "", "", "楼长"],
    # 11: blank in the middle
    ["", "", "", "", "", "", "", "", "", "", "", "", ""],
    # 12-20: one problem each
    ["8", "吴一", FLOAT_ID, "", "", "", "第一网格", "", "", "", "", "", ""],
    ["9", "郑二", "1.10101E+17", "", "", "", "第一网格", "", "", "", "", "", ""],
    ["10", "冯三", ID_BAD_SUM, "", "", "", "第一网格", "", "", "", "", "", ""],
    ["11", "陈四", ID_FEMALE, "", "男", "", "第一网格", "", "", "", "", "", ""],
    ["12", "褚五", ID_GRID9, "", "", "", "第九网格", "", "", "", "", "", "=1+1"],
    ["13", "卫六", ID_OUTSIDE, "", "", "", "510421100001G01", "", "", "", "", "", ""],
    ["14", "蒋七", ID_LI, "", "", "", "第二网格", "", "", "", "", "", ""],
    ["15", "沈八", ID_TAG, "", "", "", "第一网格", "", "", "", "网红", "", ""],
    ["16", "韩九", ID_DATE, "", "", "", "第一网格", "", "", "明天", "", "", ""],
]
GOOD = 7
REJECTED = 9
ERROR_CELLS = [
    (12, "公民身份号码"),
    (13, "公民身份号码"),
    (14, "公民身份号码"),
    (15, "性别"),
    (16, "网格*"),
    (17, "网格*"),
    (18, "公民身份号码"),
    (19, "标签"),
    (20, "返回日期"),
]
TITLE = "海棠花语社区居民花名册（2020年2月）"


def _cell(v, fmt: str):
    if v is SERIAL:
        return 43875 if fmt != "csv" else "43875"
    if v is DATETIME:
        return datetime.datetime(2020, 2, 14) if fmt != "csv" else "2020-02-14 00:00:00"
    if v is FLOAT_ID:
        return float(ID_FLOAT) if fmt != "csv" else "1.10101197001E+17"
    return v if v != "" else None


def write_xlsx(path: Path, header=HEADER, data=DATA, title=TITLE) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    if title:
        ws.append([title])
        ws.append([])
    ws.append(header)
    for row in data:
        ws.append([_cell(v, "xlsx") for v in row])
    for cells in ws.iter_rows(min_row=1):
        for c in cells:
            if isinstance(c.value, datetime.datetime):
                c.number_format = "yyyy-mm-dd"
            elif isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # text typed by a user, not a formula
    wb.save(path)
    return path


def write_csv(path: Path, encoding: str, header=HEADER, data=DATA, title=TITLE) -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        if title:
            w.writerow([title])
            w.writerow([])
        w.writerow(header)
        for row in data:
            w.writerow([_cell(v, "csv") or "" for v in row])
    return path


def write_xls(path: Path) -> Path:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(0, 0, TITLE)
    for j, h in enumerate(HEADER):
        sheet.write(2, j, h)
    for i, row in enumerate(DATA, start=3):
        for j, v in enumerate(row):
            v = _cell(v, "xls")
            if v is None:
                continue
            if isinstance(v, datetime.datetime):
                sheet.write(i, j, v, date_style)
            else:
                sheet.write(i, j, v)
    book.save(str(path))
    return path


@pytest.fixture(autouse=True, params=["one process", "workers"])
def import_mode(request, settings, monkeypatch):
    """Every test here runs twice: rows evaluated in the importing process, and in two forked
    worker processes from the second batch (of 4 rows unless the test says) on."""
    workers = request.param == "workers"
    settings.FANGKONG_IMPORT_WORKERS = 2 if workers else 0
    settings.FANGKONG_IMPORT_WORKERS_MIN_ROWS = 0
    if workers:
        monkeypatch.setattr(ResidentImporter, "batch_size", 4)
    return request.param


@pytest.fixture
def messy_xlsx(tmp_path):
    return write_xlsx(tmp_path / "花名册.xlsx")


def _pairs(result):
    return [(e.row, e.field) for e in result.errors]


def _import(path, actor, area, **kw):
    return run_import(IMPORTER, path, actor=actor, area=area, **kw)


# --- the messy workbook ---------------------------------------------------------------------


def test_messy_workbook_is_checked_row_by_row_and_nothing_is_written(messy_xlsx, users, areas):
    result = _import(messy_xlsx, users["community"], areas["community"])
    assert (result.created, result.updated, result.unchanged) == (GOOD, 0, 0)
    assert (result.rejected, result.total, result.committed) == (REJECTED, GOOD + REJECTED, False)
    assert _pairs(result) == ERROR_CELLS
    messages = {e.row: e.message for e in result.errors}
    assert "Excel" in messages[12] and "数字" in messages[12]
    assert "科学计数法" in messages[13]
    assert "校验位" in messages[14]
    assert messages[15] == "性别与身份证号不符（身份证号显示为女）"
    assert messages[16] == (
        "在本次导入范围（海棠花语社区）内未找到网格“第九网格”，请填写网格名称或编码"
    )
    assert messages[17] == "网格“510421100001G01”不在本次导入范围（海棠花语社区）内"
    assert messages[18] == "与第 5 行公民身份号码重复"
    assert messages[19].startswith("未知标签“网红”")
    assert messages[20] == "日期格式无法识别，请填写如 2020-02-14 的日期"
    assert result.warnings == []  # the 序号 column is a paper list's, passed over
    assert Resident.objects.count() == 0
    assert Household.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_skip_invalid_writes_the_good_rows_with_every_date_form(messy_xlsx, users, areas):
    result = _import(messy_xlsx, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.rejected, result.committed) == (GOOD, REJECTED, True)
    assert result.extra == {"households_created": 2}
    rows = {
        r.name: r for r in Resident.objects.select_related("area", "household").order_by("name")
    }
    assert sorted(rows) == sorted(["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"])
    assert {r.arrival_date for r in rows.values()} == {datetime.date(2020, 2, 14)}
    zhang = rows["张三"]
    assert (zhang.id_number, zhang.phone) == (ID_ZHANG, "13800001234")
    assert (zhang.gender, zhang.birth_date) == ("M", datetime.date(1980, 1, 1))
    assert (zhang.tags, zhang.category, zhang.area.name) == (
        ",party,elderly,",
        "permanent",
        "第一网格",
    )
    assert (rows["李四"].category, rows["李四"].origin) == ("returnee", "湖北省武汉市")
    assert rows["李四"].area == areas["grid_b"]
    assert (rows["王五"].category, rows["王五"].tags) == ("inflow", ",alone,elderly,")
    assert rows["周九"].notes == "楼长"
    assert zhang.household == rows["王五"].household
    assert zhang.household.number == "1-101" and zhang.household.area == areas["grid_a"]
    assert rows["李四"].household.area == areas["grid_b"]
    assert rows["赵六"].household is None
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == sorted(
        ["create"] * (GOOD + 2) + ["import"]
    )
    entry = AuditEntry.objects.get(action="import")
    assert entry.changes["created"] == GOOD and entry.changes["rejected"] == REJECTED
    assert entry.object_repr == "花名册.xlsx" and len(entry.changes["sha256"]) == 64
    assert verify_chain().ok


def test_rejected_rows_keep_id_and_phone_columns_as_text(messy_xlsx, users, areas):
    """A grid worker fixing a row in the rejected-rows file types the ID number in again:
    in a General column Excel turned it into 5.10411E+17 and the re-import failed again."""
    result = _import(messy_xlsx, users["community"], areas["community"])
    sheet = openpyxl.load_workbook(result.rejected_file).active
    assert sheet["C1"].value == "公民身份号码" and sheet["D1"].value == "手机号"
    # the columns (a cell typed in later) and the rejected rows' own cells
    dims = sheet.column_dimensions["C"]
    assert (dims.min, dims.max, dims.number_format) == (3, 4, "@")
    filled = [c for row in sheet.iter_rows(min_row=2, min_col=3, max_col=4) for c in row if c.value]
    assert filled and {c.number_format for c in filled} == {"@"}
    assert sheet["B2"].number_format == "General"


def test_rejected_rows_come_back_as_a_safe_workbook(messy_xlsx, users, areas):
    result = _import(messy_xlsx, users["community"], areas["community"])
    wb = openpyxl.load_workbook(result.rejected_file, read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0] == [*HEADER, "错误原因"]
    assert [r[1] for r in rows[1:]] == [
        "吴一",
        "郑二",
        "冯三",
        "陈四",
        "褚五",
        "卫六",
        "蒋七",
        "沈八",
        "韩九",
    ]
    assert rows[5][12] == "'=1+1"  # a formula typed into 备注 is neutralised
    # the original cell comes back as it was (a number; Excel keeps 15 digits of it anyway)
    assert rows[1][2] == pytest.approx(float(ID_FLOAT), rel=1e-15)
    assert rows[7][13] == "第 18 行：公民身份号码：与第 5 行公民身份号码重复"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_same_data_as_csv(tmp_path, users, areas, encoding):
    path = write_csv(tmp_path / "名单.csv", encoding)
    if encoding == "gbk":
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.rejected) == (GOOD, REJECTED)
    assert _pairs(result) == ERROR_CELLS
    assert Resident.objects.get(name="张三").phone == "13800001234"
    assert set(Resident.objects.values_list("arrival_date", flat=True)) == {
        datetime.date(2020, 2, 14)
    }


def test_same_data_as_xls(tmp_path, users, areas):
    path = write_xls(tmp_path / "名单.xls")
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.rejected) == (GOOD, REJECTED)
    assert _pairs(result) == ERROR_CELLS
    assert Resident.objects.get(name="孙八").arrival_date == datetime.date(2020, 2, 14)


def test_dry_run_counts_but_never_writes(messy_xlsx, users, areas):
    result = _import(
        messy_xlsx, users["community"], areas["community"], dry_run=True, skip_invalid=True
    )
    assert (result.created, result.rejected, result.committed, result.dry_run) == (
        GOOD,
        REJECTED,
        False,
        True,
    )
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- idempotence and updates ------------------------------------------------------------------

CLEAN_HEADER = ["姓名", "身份证号", "联系电话", "现住址", "网格", "备注"]


def _clean_rows(n: int, phone_of_first: str = "13800000000"):
    rng = random.Random(7)
    rows = []
    for i in range(n):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        rows.append(
            [
                f"居民{i}",
                make_id_number(birth=birth, rng=rng),
                phone_of_first if i == 0 else f"139{i:08d}",
                f"海棠花语小区{i}号",
                "第一网格" if i % 2 else "第二网格",
                "",
            ]
        )
    return rows


def test_names_padded_with_spaces_are_stored_without_them(tmp_path, users, areas):
    """张　三 lines up with 欧阳明月 in a spreadsheet; the person is 张三 (and found so)."""
    rows = _clean_rows(2)
    rows[0][0], rows[1][0] = "张　三", "李 秀英"
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    assert _import(path, users["community"], areas["community"]).created == 2
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张三", "李秀英"]


def test_cells_marked_as_text_with_an_apostrophe_are_read_without_it(tmp_path, users, areas):
    """'510402… is how Excel users, and CSVs from other systems, keep an ID number as text;
    an export writes '=… before a formula-like text. Both read back as the value."""
    rows = _clean_rows(2)
    rows[0][1], rows[0][2] = "'" + rows[0][1], "'" + rows[0][2]
    rows[1][1] = "＇" + rows[1][1]  # the full-width one a Chinese keyboard gives
    rows[1][5] = "'=核酸两次"
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    result = _import(path, users["community"], areas["community"])
    assert (result.created, result.rejected) == (2, 0), result.errors
    first = Resident.objects.get(name="居民0")
    assert (first.id_number, first.phone) == (rows[0][1][1:], rows[0][2][1:])
    assert Resident.objects.get(name="居民1").notes == "=核酸两次"


def test_reimport_is_idempotent(tmp_path, users, areas):
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(5), title=None)
    first = _import(path, users["community"], areas["community"])
    assert (first.created, first.updated, first.unchanged, first.rejected) == (5, 0, 0, 0)
    before = list(Resident.objects.order_by("pk").values())
    audit_count = AuditEntry.objects.count()

    second = _import(path, users["community"], areas["community"])
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 5, 0)
    assert list(Resident.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.count() == audit_count + 1  # only the file's own import entry
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_list_imported_by_two_people_at_once(tmp_path, users, areas):
    """A street and its community import the same list at the same moment: the second waits
    for the first and finds every person stored, instead of failing on the unique ID number."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(5), title=None)
    race = second_while_first_uncommitted(
        lambda: _import(path, users["street"], areas["street"]),
        lambda: _import(path, users["community"], areas["community"]),
    )
    assert race.first is None and race.second is None and race.second_waited
    second = race.second_result
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 5, 0)
    assert Resident.objects.count() == 5


def test_reimport_updates_changed_rows_and_keeps_blank_cells(tmp_path, users, areas):
    rows = _clean_rows(3)
    _import(
        write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None),
        users["community"],
        areas["community"],
    )
    changed = [list(r) for r in rows]
    changed[0][2] = "13700001111"  # new phone
    changed[1][3] = ""  # a blank address keeps the stored one
    changed[2][4] = "第一网格" if changed[2][4] == "第二网格" else "第二网格"  # moves grid
    result = _import(
        write_csv(tmp_path / "b.csv", "utf-8", CLEAN_HEADER, changed, title=None),
        users["community"],
        areas["community"],
    )
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    first = Resident.objects.get(name="居民0")
    assert (first.phone, first.version) == ("13700001111", 2)
    assert first.phone_last4 == Resident._meta.get_field("phone_last4").compute("13700001111")
    assert Resident.objects.get(name="居民1").address == "海棠花语小区1号"
    moved = Resident.objects.get(name="居民2")
    assert (moved.area.name, moved.version) == (changed[2][4], 2)
    entry = AuditEntry.objects.get(action="update", object_id=str(first.pk))
    assert list(entry.changes) == ["phone"]
    old, new = entry.changes["phone"]
    assert (crypto.decrypt(old), crypto.decrypt(new)) == ("13800000000", "13700001111")


def test_new_records_take_their_ids_from_the_insert(tmp_path, users, areas, monkeypatch):
    """Both databases hand back the ids of the rows an insert wrote (SQLite's last rowid,
    PostgreSQL's sequence drawn before the COPY): no batch looks its new residents or
    households up by key, and each audit entry names its own record."""
    looked_up = []
    real_pks = ModelWriter.pks

    def spy(self, natural_key, keys):
        looked_up.append(self.model)
        return real_pks(self, natural_key, keys)

    monkeypatch.setattr(ModelWriter, "pks", spy)
    monkeypatch.setattr(ResidentImporter, "batch_size", 2)
    header = [*CLEAN_HEADER, "户编号"]
    rows = [[*row, f"1-{i % 2}"] for i, row in enumerate(_clean_rows(5))]  # one a grid
    result = _import(
        write_csv(tmp_path / "a.csv", "utf-8", header, rows, title=None),
        users["community"],
        areas["community"],
    )
    assert (result.created, result.extra["households_created"]) == (5, 2)
    assert looked_up == []
    for model in (Resident, Household):
        entries = AuditEntry.objects.filter(object_type=audit_object_type(model), action="create")
        by_id = {int(e.object_id): e for e in entries}
        assert set(by_id) == set(model.objects.values_list("pk", flat=True))
    for resident in Resident.objects.select_related("household"):
        assert by_id[resident.household.pk].changes["number"] == resident.household.number
    assert verify_chain().ok


def test_moving_to_another_grid_leaves_the_old_household(tmp_path, users, areas):
    header = ["姓名", "身份证号", "网格", "户编号"]
    rows = [["张三", ID_ZHANG, "第一网格", "1-101"]]
    _import(
        write_csv(tmp_path / "a.csv", "utf-8", header, rows, title=None),
        users["community"],
        areas["community"],
    )
    old_household = Resident.objects.get().household
    moved = [["张三", ID_ZHANG, "第二网格"]]
    result = _import(
        write_csv(tmp_path / "b.csv", "utf-8", header[:3], moved, title=None),
        users["community"],
        areas["community"],
    )
    assert (result.updated, result.rejected) == (1, 0)
    resident = Resident.objects.get()
    assert (resident.area, resident.household) == (areas["grid_b"], None)
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes == {
        "area": [areas["grid_a"].pk, areas["grid_b"].pk],
        "household": [old_household.pk, None],
    }


def test_row_of_another_district_is_not_taken_over(tmp_path, users, areas):
    other = services.create_resident(
        actor=users["grid_c"],
        data={"area": areas["grid_c"], "name": "外区", "id_number": ID_WANG},
    )
    path = write_csv(
        tmp_path / "a.csv",
        "utf-8",
        ["姓名", "身份证号", "网格", "户编号"],
        [["王五", ID_WANG, "第一网格", "9-901"]],
        title=None,
    )
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (2, "身份证号", "该身份证号已在其他辖区登记，无法在此导入，请联系上级部门处理")
    ]
    assert Resident.objects.get(pk=other.pk).area == areas["grid_c"]
    assert Household.objects.count() == 0  # no household is made for a rejected row


def test_imported_row_equals_one_created_by_the_service(tmp_path, users, areas, monkeypatch):
    # One row a batch, the first rejected: the person's row is the second batch, which a
    # worker process evaluates (ciphertexts, indexes, search keys) when workers are on.
    monkeypatch.setattr(ResidentImporter, "batch_size", 1)
    data = {
        "area": areas["grid_a"],
        "name": "張三豐",
        "id_number": ID_ZHANG,
        "phone": "13800001234",
        "address": "海棠花语小区1栋1单元101",
        "category": "returnee",
        "origin": "湖北省武汉市",
        "arrival_date": datetime.date(2020, 2, 14),
        "tags": ",party,elderly,",
        "notes": "备注",
    }
    made = services.create_resident(actor=users["community"], data=data)
    made = Resident.objects.get(pk=made.pk)
    service_audit = AuditEntry.objects.get(action="create", object_id=str(made.pk))
    expected = {f.attname: getattr(made, f.attname) for f in Resident._meta.concrete_fields}
    services.delete_resident(actor=users["community"], resident=made)

    path = write_xlsx(
        tmp_path / "one.xlsx",
        [
            "姓名",
            "身份证号",
            "联系电话",
            "现住址",
            "网格",
            "人员类别",
            "来源地",
            "抵达日期",
            "标签",
            "备注",
        ],
        [
            ["没有证号"] + [""] * 9,
            [
                "張三豐",
                ID_ZHANG,
                "13800001234",
                "海棠花语小区1栋1单元101",
                "第一网格",
                "返乡",
                "湖北省武汉市",
                "2020-02-14",
                "党员，老人",
                "备注",
            ],
        ],
        title=None,
    )
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.rejected) == (1, 1)
    imported = Resident.objects.get()
    got = {f.attname: getattr(imported, f.attname) for f in Resident._meta.concrete_fields}
    for name in ("id", "created_at", "updated_at"):
        expected.pop(name), got.pop(name)
    assert got == expected
    assert imported.name_pinyin == "zhangsanfeng" and imported.name_initials == "zsf"
    import_audit = AuditEntry.objects.get(action="create", object_id=str(imported.pk))
    assert import_audit.changes.keys() == service_audit.changes.keys()
    assert import_audit.changes.keys() == snapshot(imported).keys()
    personal = {"id_number", "phone", "address"}
    for key in import_audit.changes.keys() - personal - {"id"}:
        assert import_audit.changes[key] == service_audit.changes[key], key
    for key in personal:
        assert crypto.decrypt(import_audit.changes[key]) == getattr(imported, key)
    assert (import_audit.object_repr, import_audit.area_path) == (
        service_audit.object_repr,
        service_audit.area_path,
    )


def test_every_create_entry_names_its_record_and_area_in_both_modes(tmp_path, users, areas):
    """From the second batch on, with workers, a create entry's shown name and area path are
    computed in the worker with its other values: the same as the importing process's."""
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(11), title=None)
    result = _import(path, users["community"], areas["community"])
    assert (result.created, result.committed) == (11, True)
    entries = {
        e.object_id: e for e in AuditEntry.objects.filter(action="create", object_type=OBJECT_TYPE)
    }
    assert len(entries) == 11
    for r in Resident.objects.select_related("area"):
        entry = entries[str(r.pk)]
        assert (entry.object_repr, entry.area_path) == (mask_name(r.name), r.area.path)
        assert entry.object_repr != r.name
    assert verify_chain().ok


def test_the_collector_runs_less_often_during_an_import_and_is_set_back(
    tmp_path, users, areas, monkeypatch
):
    before = gc.get_threshold()
    seen = []
    real_insert = ModelWriter.insert

    def spy(self, rows):
        seen.append(gc.get_threshold())
        if len(seen) == 2:
            raise RuntimeError("disk full")
        return real_insert(self, rows)

    monkeypatch.setattr(ModelWriter, "insert", spy)
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(3), title=None)
    assert _import(path, users["community"], areas["community"]).created == 3
    assert seen[0] == (max(before[0], IMPORT_GC_THRESHOLD), *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError):
        _import(path, users["community"], areas["community"], dry_run=True)
    assert gc.get_threshold() == before


# --- all or nothing ---------------------------------------------------------------------------


def test_crash_mid_import_leaves_nothing(tmp_path, users, areas, monkeypatch):
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(9), title=None)
    monkeypatch.setattr(ResidentImporter, "batch_size", 3)
    real_insert = ModelWriter.insert
    calls = []

    def insert_then_fail(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_insert(self, rows)

    monkeypatch.setattr(ModelWriter, "insert", insert_then_fail)
    with pytest.raises(RuntimeError):
        _import(path, users["community"], areas["community"])
    assert calls == [3, 3]
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- a large first load sets the secondary indexes aside -----------------------------------


KEY = ("id_number_index",)


def _indexes() -> dict[str, tuple]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, Resident._meta.db_table)
    return {n: (tuple(c["columns"]), c["unique"]) for n, c in found.items() if c["index"]}


@pytest.fixture
def indexes_at_insert(monkeypatch, settings):
    """Index names present whenever the importer inserts residents; deferral from 3 rows."""
    settings.FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS = 3
    seen: list[set[str]] = []
    real_insert = ModelWriter.insert

    def spy(self, rows):
        if self.model is Resident:
            seen.append(set(_indexes()))
        return real_insert(self, rows)

    monkeypatch.setattr(ModelWriter, "insert", spy)
    return seen


def test_large_first_load_rebuilds_the_indexes_it_set_aside(
    tmp_path, users, areas, indexes_at_insert
):
    before = _indexes()
    # Unique indexes and those led by the natural key serve lookups; a load into an empty
    # table looks nothing up by the key (the inserts give the new rows' ids), so the key's
    # own unique index is set aside too.
    key_index = {n for n, (cols, unique) in before.items() if unique and cols == KEY}
    assert key_index == {"resident_id_number"}
    kept = {n for n, (cols, unique) in before.items() if unique or cols[0] == KEY[0]}
    kept -= key_index
    assert set(before) - kept  # area + category, household, the last-4 and phone indexes
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(6), title=None)
    result = _import(path, users["community"], areas["community"])
    assert (result.created, result.committed) == (6, True)
    assert indexes_at_insert and all(s == kept for s in indexes_at_insert)  # one per batch
    assert _indexes() == before
    # Rebuilt, the key's index refuses a repeated ID number again.
    first, second = Resident.objects.order_by("pk").values_list("pk", flat=True)[:2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=second).update(
            id_number_index=Resident.objects.get(pk=first).id_number_index
        )
    # The file again: the table now holds as many rows as the file brings, so nothing is dropped.
    again = _import(path, users["community"], areas["community"])
    assert (again.created, again.unchanged) == (0, 6)
    assert _indexes() == before
    assert verify_chain().ok


def test_rejected_or_dry_large_load_gets_its_indexes_back_from_the_rollback(
    tmp_path, users, areas, indexes_at_insert
):
    before = _indexes()
    rows = _clean_rows(6)
    rows[4][1] = rows[4][1][:-1] + ("1" if rows[4][1][-1] != "1" else "2")  # bad checksum
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    rejected = _import(path, users["community"], areas["community"])
    assert (rejected.rejected, rejected.committed) == (1, False)
    assert _indexes() == before
    dry = _import(path, users["community"], areas["community"], dry_run=True, skip_invalid=True)
    assert (dry.created, dry.committed) == (5, False)
    assert len(indexes_at_insert) >= 2 and all(s < set(before) for s in indexes_at_insert)
    assert _indexes() == before
    assert Resident.objects.count() == 0


def test_crash_in_a_large_load_leaves_nothing_and_every_index(
    tmp_path, users, areas, indexes_at_insert, monkeypatch
):
    before = _indexes()
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(9), title=None)
    monkeypatch.setattr(ResidentImporter, "batch_size", 3)
    real_rebuild = indexes.rebuild

    def fail(connection, statements):
        real_rebuild(connection, statements[:1])
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexes, "rebuild", fail)
    with pytest.raises(RuntimeError):
        _import(path, users["community"], areas["community"])
    assert len(indexes_at_insert) == 3
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert _indexes() == before


def _audit_indexes() -> set[str]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, AuditEntry._meta.db_table)
    return {n for n, c in found.items() if c["index"] and not c["unique"]}


def test_large_first_load_sets_the_audit_indexes_aside_on_sqlite_only(
    tmp_path, users, areas, settings, monkeypatch
):
    """SQLite: the audit log's secondary indexes are dropped while a large import into a log
    holding fewer entries than the file brings writes its entries, and rebuilt before the
    commit; a rejected run gets them back from the rollback. PostgreSQL keeps them (its lock
    would stop every audited write of the platform)."""
    settings.FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS = 3
    before = _audit_indexes()
    assert before  # time, type, object and area
    seen: list[set[str]] = []
    real_insert = ModelWriter.insert

    def spy(self, rows):
        seen.append(_audit_indexes())
        return real_insert(self, rows)

    monkeypatch.setattr(ModelWriter, "insert", spy)
    n = AuditEntry.objects.count() + 4  # more rows than the log holds entries
    rows = _clean_rows(n)
    rows[-1][1] = rows[-1][1][:-1] + ("1" if rows[-1][1][-1] != "1" else "2")  # bad checksum
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    rejected = _import(path, users["community"], areas["community"])
    assert (rejected.rejected, rejected.committed) == (1, False)
    assert _audit_indexes() == before
    expected = set() if connection.vendor == "sqlite" else before
    assert seen and all(s == expected for s in seen)
    seen.clear()
    good = write_csv(tmp_path / "b.csv", "utf-8", CLEAN_HEADER, rows[:-1], title=None)
    result = _import(good, users["community"], areas["community"])
    assert (result.created, result.committed) == (n - 1, True)
    assert seen and all(s == expected for s in seen)
    assert _audit_indexes() == before
    assert verify_chain().ok
    # Each record's entry is found through the rebuilt object index.
    one = Resident.objects.order_by("pk").first()
    assert (
        AuditEntry.objects.filter(object_type="registry.resident", object_id=str(one.pk)).count()
        == 1
    )


def test_a_first_load_into_an_empty_table_looks_no_record_up(
    tmp_path, users, areas, settings, monkeypatch
):
    """A large load into an empty table cannot match a record: the batches skip the lookup;
    a file with one record already in the table looks them up as before (and updates it)."""
    settings.FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS = 3
    lookups = []
    real_existing = ModelWriter.existing

    def spy(self, natural_key, keys, **kw):
        lookups.append(self.model)
        return real_existing(self, natural_key, keys, **kw)

    monkeypatch.setattr(ModelWriter, "existing", spy)
    rows = _clean_rows(8)
    rows.append(list(rows[2]))  # a duplicate within the file is still rejected
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows[:4], title=None)
    first = _import(path, users["community"], areas["community"])
    assert (first.created, first.committed) == (4, True)
    assert Resident not in lookups
    rows[0][3] = "海棠花语小区新址"
    path = write_csv(tmp_path / "b.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    second = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert Resident in lookups  # the table held 4 rows: looked up
    assert (second.created, second.updated, second.unchanged) == (4, 1, 3)
    assert second.rejected == 1 and "重复" in second.errors[0].message
    assert Resident.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_rebuild_outside_a_transaction_sorts_through_a_file_on_sqlite(
    tmp_path, users, areas, monkeypatch, settings
):
    """Outside a caller's transaction the import runs with SQLite's ``temp_store = FILE``,
    so the rebuild of the set-aside indexes sorts in bounded memory; the connection's own
    setting is back afterwards, after a commit as after a rollback."""
    settings.FANGKONG_IMPORT_DEFER_INDEXES_MIN_ROWS = 3
    sqlite = connection.vendor == "sqlite"

    def temp_store() -> int | None:
        if not sqlite:
            return None
        with connection.cursor() as cur:
            cur.execute("PRAGMA temp_store")
            return cur.fetchone()[0]

    seen = []
    real_rebuild = indexes.rebuild

    def spy(conn, statements):
        seen.append((len(statements), temp_store()))
        return real_rebuild(conn, statements)

    monkeypatch.setattr(indexes, "rebuild", spy)
    configured = temp_store()
    assert configured == (2 if sqlite else None)  # the deployment's MEMORY
    before = _indexes()
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, _clean_rows(6), title=None)
    result = _import(path, users["community"], areas["community"])
    assert (result.created, result.committed) == (6, True)
    assert len(seen) == 1 and seen[0][0] > 0
    assert seen[0][1] == (1 if sqlite else None)  # FILE
    assert temp_store() == configured
    assert _indexes() == before
    Resident.objects.all().delete()
    dry = _import(path, users["community"], areas["community"], dry_run=True)
    assert (dry.created, dry.committed) == (6, False)
    assert temp_store() == configured
    assert _indexes() == before


def test_duplicates_are_found_across_batches(tmp_path, users, areas, monkeypatch):
    rows = _clean_rows(7)
    rows.append(["重复", rows[1][1], "", "", "第一网格", ""])
    monkeypatch.setattr(ResidentImporter, "batch_size", 2)
    seen = []
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    result = _import(
        path,
        users["community"],
        areas["community"],
        skip_invalid=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (result.created, result.rejected) == (7, 1)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (9, "身份证号", "与第 3 行身份证号重复")
    ]
    assert seen == [(2, 8), (4, 8), (6, 8), (8, 8), (8, 8)]
    assert Resident.objects.count() == 7


# --- scope and permission -------------------------------------------------------------------


def test_grid_worker_rows_for_another_grid_are_rejected(tmp_path, users, areas):
    rows = _clean_rows(4)  # alternating 第二网格 / 第一网格
    path = write_csv(tmp_path / "a.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    result = _import(path, users["grid_a"], areas["grid_a"], skip_invalid=True)
    assert (result.created, result.rejected) == (2, 2)
    assert _pairs(result) == [(2, "网格"), (4, "网格")]
    assert result.errors[0].message == "网格“第二网格”不在本次导入范围（第一网格）内"
    assert set(Resident.objects.values_list("area", flat=True)) == {areas["grid_a"].pk}


def test_rows_without_a_grid_go_to_the_grid_imported_into(tmp_path, users, areas):
    header = ["姓名", "身份证号"]
    path = write_csv(tmp_path / "a.csv", "utf-8", header, [["张三", ID_ZHANG]], title=None)
    assert _import(path, users["grid_a"], areas["grid_a"]).created == 1
    assert Resident.objects.get().area == areas["grid_a"]
    result = _import(
        write_csv(tmp_path / "b.csv", "utf-8", header, [["李四", ID_LI]], title=None),
        users["community"],
        areas["community"],
    )
    assert [(e.row, e.field, e.message) for e in result.errors] == [(2, "网格", "未填写网格")]


def test_actor_needs_permission_and_the_area(messy_xlsx, users, areas):
    with pytest.raises(PermissionDenied):
        _import(messy_xlsx, users["grid_a"], areas["community"])
    with pytest.raises(PermissionDenied):
        _import(messy_xlsx, users["leader"], areas["community"])
    with pytest.raises(PermissionDenied):
        _import(messy_xlsx, None, areas["community"])
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- the command line --------------------------------------------------------------------------


def _cli(*args):
    out = io.StringIO()
    try:
        call_command("import_residents", *map(str, args), stdout=out)
    except CommandError as e:
        return e.returncode, out.getvalue()
    return 0, out.getvalue()


def test_cli_exit_codes_and_json(tmp_path, messy_xlsx, areas, users):
    code, out = _cli(messy_xlsx, "--area", areas["community"].code, "--json")
    data = json.loads(out)
    assert code == 1
    assert (data["created"], data["updated"], data["rejected"]) == (GOOD, 0, REJECTED)
    assert [(e["row"], e["field"]) for e in data["errors"]] == ERROR_CELLS
    assert set(data["errors"][0]) == {"row", "field", "message"}
    assert Resident.objects.count() == 0

    code, out = _cli(
        messy_xlsx,
        "--area",
        areas["community"].code,
        "--json",
        "--skip-invalid",
        "--user",
        "community",
    )
    assert (code, json.loads(out)["created"]) == (1, GOOD)
    assert Resident.objects.count() == GOOD
    entry = AuditEntry.objects.get(action="import")
    assert entry.actor_name == "community"

    clean = write_csv(tmp_path / "c.csv", "utf-8", CLEAN_HEADER, _clean_rows(3), title=None)
    code, out = _cli(clean, "--area", areas["community"].code, "--json")
    assert (code, json.loads(out)["created"], json.loads(out)["errors"]) == (0, 3, [])
    assert AuditEntry.objects.filter(action="import").latest("id").actor_name == "system"

    code, out = _cli(clean, "--area", areas["community"].code)
    assert code == 0
    assert out.splitlines()[0] == "导入完成：新增 0 条，更新 0 条，未变化 3 条，未导入 0 行"

    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not a workbook")
    code, out = _cli(bad, "--area", areas["community"].code, "--json")
    assert code == 2
    assert json.loads(out)["error"].startswith("无法读取文件：")
    code, _ = _cli(clean, "--area", "000000")
    assert code == 2


def test_cli_default_area_is_the_root_and_dry_run(tmp_path, areas):
    rows = _clean_rows(2)  # 第二网格, then 第一网格: two grids of the city have that name
    path = write_csv(tmp_path / "c.csv", "utf-8", CLEAN_HEADER, rows, title=None)
    code, out = _cli(path, "--dry-run")
    assert code == 1
    assert out.splitlines()[1] == (
        "第 3 行 网格：网格名称“第一网格”在本次导入范围内不唯一，请改填网格编码，"
        "或连同上级名称一起填写（如“老街社区第1网格”）"
    )
    # By its code, or by its name after its parents' (as a street's lists write it).
    for named in (areas["grid_c"].code, "迷阳水岸社区第一网格", "攀莲镇 迷阳水岸社区 / 第一网格"):
        rows[1][4] = named
        path = write_csv(tmp_path / "d.csv", "utf-8", CLEAN_HEADER, rows, title=None)
        code, out = _cli(path, "--dry-run")
        assert code == 0, (named, out)
        assert out.splitlines()[0] == (
            "预检完成（未写入）：新增 2 条，更新 0 条，未变化 0 条，未导入 0 行"
        )
    assert Resident.objects.count() == 0


# --- the background job ------------------------------------------------------------------------


def test_job_runs_the_import_and_records_the_result(
    tmp_path, users, areas, django_capture_on_commit_callbacks
):
    body = write_csv(tmp_path / "a.csv", "utf-8-sig", CLEAN_HEADER, _clean_rows(4), title=None)
    upload = SimpleUploadedFile("居民名单.csv", body.read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import_job(
            actor=users["community"],
            importer=IMPORTER,
            upload=upload,
            area=areas["community"],
            skip_invalid=False,
            dry_run=True,
        )
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 4, 4)
    assert (job.result["created"], job.result["rejected"], job.result["dry_run"]) == (4, 0, True)
    assert Path(job.input_file).name == "居民名单.csv"
    assert Resident.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        real = start_import_job(
            actor=users["community"],
            importer=IMPORTER,
            upload=Path(job.input_file),
            area=areas["community"],
            skip_invalid=False,
            dry_run=False,
        )
    real.refresh_from_db()
    assert (real.status, real.result["created"], real.output_file) == ("succeeded", 4, "")
    assert Resident.objects.count() == 4
    assert AuditEntry.objects.get(action="import").changes["file"] == "居民名单.csv"


def test_job_with_an_unreadable_file_fails_with_the_reason(
    users, areas, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("名单.xlsx", b"garbage", content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import_job(
            actor=users["community"],
            importer=IMPORTER,
            upload=upload,
            area=areas["community"],
            skip_invalid=False,
            dry_run=True,
        )
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith("无法读取文件：")


def test_job_refuses_foreign_areas_and_files(tmp_path, users, areas):
    upload = SimpleUploadedFile("a.csv", b"x")
    with pytest.raises(PermissionDenied):
        start_import_job(
            actor=users["grid_a"],
            importer=IMPORTER,
            upload=upload,
            area=areas["grid_b"],
            skip_invalid=False,
            dry_run=True,
        )
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("姓名,身份证号\n")
    with pytest.raises(Exception, match="重新上传"):
        start_import_job(
            actor=users["community"],
            importer=IMPORTER,
            upload=outside,
            area=areas["community"],
            skip_invalid=False,
            dry_run=True,
        )
    assert Job.objects.count() == 0


def test_unreadable_file_raises_a_chinese_message(tmp_path, users, areas):
    path = tmp_path / "名单.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportFileError) as e:
        _import(path, users["community"], areas["community"])
    assert str(e.value) == "无法读取文件：不支持的文件类型“.docx”，请使用 .xlsx、.xls 或 .csv 文件"


@pytest.mark.parametrize("name", ["名单", "名单.xlsx"])
def test_cli_given_a_folder_says_so_with_exit_code_2(tmp_path, areas, users, name):
    """A folder where the file should be (a typo, a tab-completed path) was a traceback."""
    (tmp_path / name).mkdir()
    code, _out = _cli(tmp_path / name, "--area", areas["community"].code)
    assert code == 2
    assert Resident.objects.count() == 0


def test_fullwidth_helper_really_makes_fullwidth_digits():
    assert unicodedata.normalize("NFKC", fullwidth(ID_ZHANG)) == ID_ZHANG != fullwidth(ID_ZHANG)


def test_committed_import_gives_every_imported_person_a_status(
    tmp_path, users, areas, django_capture_on_commit_callbacks
):
    from fangkong.status.models import PersonStatus

    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,身份证号,网格\n"
        f"王五,{make_id_number(rng=random.Random(7))},{areas['grid_a'].code}\n"
        f"赵六,{make_id_number(rng=random.Random(8))},{areas['grid_b'].code}\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(
            "registry.resident", path, actor=users["community"], area=areas["community"]
        )
    assert (result.created, result.committed) == (2, True)
    colours = sorted(PersonStatus.objects.values_list("resident__name", "colour"))
    assert colours == [("王五", "green"), ("赵六", "green")]


def test_dry_run_schedules_no_status_work(
    tmp_path, users, areas, django_capture_on_commit_callbacks
):
    path = tmp_path / "people.csv"
    path.write_text(
        f"姓名,身份证号\n王五,{make_id_number(rng=random.Random(7))}\n", encoding="utf-8"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        run_import(
            "registry.resident", path, actor=users["grid_a"], area=areas["grid_a"], dry_run=True
        )
    assert callbacks == []


def test_arrival_date_in_the_future_or_before_birth_is_refused(tmp_path, users, areas):
    header = ["姓名", "身份证号", "网格", "抵达日期"]
    born = datetime.date(1990, 3, 4)
    rows = [
        ["甲", make_id_number(birth=born, rng=_rng), "第一网格", "2099-01-01"],
        ["乙", make_id_number(birth=born, rng=_rng), "第一网格", "1989-12-31"],
        ["丙", make_id_number(birth=born, rng=_rng), "第一网格", "2020-02-14"],
    ]
    path = write_csv(tmp_path / "a.csv", "utf-8", header, rows, title=None)
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.rejected) == (1, 2)
    assert [(e.field, e.message) for e in result.errors] == [
        ("抵达日期", "抵达日期不能晚于今天"),
        ("抵达日期", "抵达日期不能早于出生日期"),
    ]
    assert list(Resident.objects.values_list("name", "arrival_date")) == [
        ("丙", datetime.date(2020, 2, 14))
    ]


def test_a_grid_of_another_community_is_said_to_be_outside_the_import(tmp_path, users, areas):
    """A community's file naming 迷阳水岸社区第一网格 was told the grid did not exist: the
    grid worker, who knows it does, could not see that it lies outside their community."""
    header = ["姓名", "身份证号", "网格"]
    rows = [
        ["甲", make_id_number(rng=_rng), "迷阳水岸社区第一网格"],
        ["乙", make_id_number(rng=_rng), "第九网格"],
    ]
    path = write_csv(tmp_path / "a.csv", "utf-8", header, rows, title=None)
    result = _import(path, users["community"], areas["community"], skip_invalid=True)
    assert [e.message for e in result.errors] == [
        "在本次导入范围（海棠花语社区）内未找到网格“迷阳水岸社区第一网格”，请填写网格名称或编码",
        "在本次导入范围（海棠花语社区）内未找到网格“第九网格”，请填写网格名称或编码",
    ]


def test_a_grid_worker_may_name_their_grid_after_its_community(tmp_path, users, areas):
    """The exports name a grid 海棠花语社区第一网格; a grid worker importing such a file into
    their own grid was told the grid was not found there."""
    header = ["姓名", "身份证号", "网格"]
    rows = [["甲", make_id_number(rng=_rng), "海棠花语社区第一网格"]]
    path = write_csv(tmp_path / "a.csv", "utf-8", header, rows, title=None)
    result = _import(path, users["grid_a"], areas["grid_a"])
    assert [e.message for e in result.errors] == []
    assert result.created == 1
    assert Resident.objects.get().area == areas["grid_a"]


def test_a_two_row_header_keeps_the_columns_under_a_group_title(tmp_path, users, areas):
    """返乡信息 merged over 从何地返回 | 返回日期, the other titles merged down over both rows:
    the import took the first row alone, ignored 返乡信息 and dropped every arrival date."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["海棠花语社区返乡人员排查登记表"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "姓名", "身份证号码", "网格", "返乡信息", None, "备注"])
    ws.append([None, None, None, None, "从何地返回", "返回日期", None])
    for col in "ABCDG":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("E2:F2")
    ws.append([1, "甲", make_id_number(rng=_rng), "第一网格", "湖北省武汉市", "2020-02-14", ""])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    result = _import(path, users["community"], areas["community"])
    assert [e.message for e in result.errors] == []
    assert (result.created, result.total) == (1, 1)
    person = Resident.objects.get()
    assert (person.origin, person.arrival_date) == ("湖北省武汉市", datetime.date(2020, 2, 14))

    # Most titles in the second row: the ones merged down are read from the first.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "基本信息", None, "返乡信息", None])
    ws.append([None, "身份证号", "网格", "从何地返回", "返回日期"])
    ws.merge_cells("A1:A2")
    ws.append(["乙", make_id_number(rng=_rng), "第一网格", "武汉", "2020.2.1"])
    wb.save(path)
    result = _import(path, users["community"], areas["community"])
    assert [e.message for e in result.errors] == []
    assert Resident.objects.get(name="乙").arrival_date == datetime.date(2020, 2, 1)


def test_a_paper_forms_footer_rows_are_passed_over_with_a_warning(tmp_path, users, areas):
    """合计 and 填表人 rows below the table were rejected as records without an ID number,
    which blocked the whole file unless rows with errors were skipped."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "身份证号码", "网格"])
    ws.append([1, "甲", make_id_number(rng=_rng), "第一网格"])
    ws.append([2, "乙", None, "第一网格"])  # a record without its ID: still an error
    ws.append(["合计", "2人"])
    ws.append(["填表人：王网格", None, "填表日期：2020年2月14日"])
    path = tmp_path / "footer.xlsx"
    wb.save(path)
    result = _import(path, users["community"], areas["community"], dry_run=True)
    assert [(e.row, e.message) for e in result.errors] == [(3, "不能为空")]
    assert (result.total, result.rejected) == (2, 1)
    assert "第 4 行是表尾（合计），不是记录，已跳过" in result.warnings
    assert "第 5 行是表尾（填表人:王网格），不是记录，已跳过" in result.warnings


def test_a_rejected_rows_file_imported_again_names_no_column_of_its_own(messy_xlsx, users, areas):
    """Fixing the rejected rows and importing the file again warned that 错误原因, the
    column the system itself added, could not be recognised."""
    result = _import(messy_xlsx, users["community"], areas["community"])
    again = _import(result.rejected_file, users["community"], areas["community"], dry_run=True)
    assert again.total == result.rejected
    # Neither its 错误原因 nor the list's own 序号 column is warned about.
    assert again.warnings == []
