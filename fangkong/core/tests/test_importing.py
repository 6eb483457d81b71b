"""The import engine's parts: cell parsers, file reading, headers, duplicates, outputs."""

from __future__ import annotations

import codecs
import datetime
import io
import random

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from fangkong.core.importing import ImportFileError, get_importer, run_import, template_workbook
from fangkong.core.importing.base import normalize_header
from fangkong.core.importing.parsers import (
    choice,
    normalize_cell,
    parse_date,
    parse_gender,
    parse_id_number,
    parse_phone,
    text,
    whole_number,
)
from fangkong.core.importing.readers import detect_encoding, open_sheets
from fangkong.core.importing.rejects import RejectWriter, neutralise
from fangkong.core.importing.seen import SeenKeys
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.choices import ResidentCategory

FEB14 = datetime.date(2020, 2, 14)


@pytest.mark.parametrize(
    "cell",
    [
        "2020-02-14",
        "2020/2/14",
        "2020.2.14",
        "2020年2月14日",
        "2020 年 2 月 14 日",
        "20200214",
        20200214,
        43875,
        43875.0,
        "43875",
        43875.75,  # a serial with a time of day
        "2020-02-14 08:30:00",
        datetime.datetime(2020, 2, 14, 8, 30),
        FEB14,
    ],
)
def test_dates_in_every_common_form(cell):
    assert parse_date(cell) == FEB14


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("明天", "日期格式无法识别，请填写如 2020-02-14 的日期"),
        ("2020-02-30", "日期不存在，请核对年月日"),
        ("20201345", "日期不存在，请核对年月日"),
        (0, "日期格式无法识别，请填写如 2020-02-14 的日期"),
        (True, "日期格式无法识别，请填写如 2020-02-14 的日期"),
        ("14/02/2020", "日期格式无法识别，请填写如 2020-02-14 的日期"),
    ],
)
def test_bad_dates_are_named(cell, message):
    with pytest.raises(ValidationError) as e:
        parse_date(cell)
    assert e.value.messages == [message]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2020年2月15日 17时", (17, 0, 0)),  # a roster's shift ending on the hour
        ("2020年2月15日 8点", (8, 0, 0)),
        ("2020年2月15日 8时30分", (8, 30, 0)),
        ("2020-02-15 08:30", (8, 30, 0)),
        ("2020-02-15 08:30:15", (8, 30, 15)),
        ("2020/2/15", (0, 0, 0)),
    ],
)
def test_moments_with_the_hour_alone(cell, expected):
    from django.utils import timezone

    from fangkong.core.importing.parsers import parse_datetime

    moment = timezone.localtime(parse_datetime(cell))
    assert moment.date() == datetime.date(2020, 2, 15)
    assert (moment.hour, moment.minute, moment.second) == expected


@pytest.mark.parametrize("cell", ["2020-02-15 8:", "2020-02-15 25时", "2020-02-15 8时61分"])
def test_bad_moments_are_refused(cell):
    from fangkong.core.importing.parsers import parse_datetime

    with pytest.raises(ValidationError):
        parse_datetime(cell)


def test_cells_are_folded_to_half_width_and_stripped():
    assert normalize_cell("  １３８００００１２３４\u3000") == "13800001234"
    assert normalize_cell(" \t ") is None
    assert normalize_cell("＇510402") == "510402"
    assert normalize_cell("'") is None
    assert normalize_cell(None) is None
    assert normalize_cell(43875) == 43875


@pytest.mark.parametrize(
    ("header", "normal"),
    [
        ("姓 名", "姓名"),
        ("姓\u3000名*", "姓名"),
        ("*身份证号", "身份证号"),
        ("身份证号（必填）", "身份证号"),
        ("联系电话(手机)*", "联系电话"),
        ("【网格】", ""),
        ("Ｎａｍｅ", "name"),
        (None, ""),
    ],
)
def test_headers_are_normalised(header, normal):
    assert normalize_header(header) == normal


def test_id_numbers_that_excel_turned_into_numbers_are_refused():
    # An all-digit number (no X check digit), so Excel could have stored it as a number.
    number = next(
        n
        for seed in range(100)
        if (
            n := make_id_number(
                birth=datetime.date(1980, 1, 1), gender="M", rng=random.Random(seed)
            )
        )[-1].isdigit()
    )
    assert parse_id_number(number) == (number, datetime.date(1980, 1, 1), "M")
    for cell in (float(number), int(number), "1.10101E+17", "5.10411E17"):
        with pytest.raises(ValidationError) as e:
            parse_id_number(cell)
        assert "Excel" in e.value.messages[0], cell
    with pytest.raises(ValidationError) as e:
        parse_id_number(number[:-1] + ("0" if number[-1] != "0" else "1"))
    assert e.value.messages == ["身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"]


def test_phones_genders_choices_and_text():
    assert parse_phone(13800001234) == "13800001234"
    assert parse_phone("+86 138-0000-1234") == "13800001234"
    with pytest.raises(ValidationError):
        parse_phone("12345")
    assert [parse_gender(g) for g in ("男", "女性", "M", "f")] == ["M", "F", "M", "F"]
    category = choice(ResidentCategory)
    assert [category(c) for c in ("返乡", "returnee", "RETURNEE", "流 入")] == [
        "returnee",
        "returnee",
        "returnee",
        "inflow",
    ]
    with pytest.raises(ValidationError) as e:
        category("密接")
    assert e.value.messages == ["无法识别“密接”，可填写：常住、流入、返乡、暂住、外出"]
    assert text()(101.0) == "101"
    with pytest.raises(ValidationError) as e:
        text(2)("三个字")
    assert e.value.messages == ["不能超过 2 个字"]


@pytest.mark.parametrize(
    "cell, expected",
    [
        (120, 120),
        (120.0, 120),
        ("1,200", 1200),
        ("１２０人", 120),
        ("120 人", 120),
        ("48.0", 48),
        ("不限", None),
        (0, 0),
    ],
)
def test_whole_numbers_as_lists_hold_them(cell, expected):
    parse = whole_number(0, 100_000, units=("人",), none_words={"不限"})
    assert parse(normalize_cell(cell)) == expected


@pytest.mark.parametrize("cell", ["-1", "100001", "1.5", "十二", "１２e3", "人", ""])
def test_other_counts_are_refused_with_the_range(cell):
    with pytest.raises(ValidationError) as e:
        whole_number(0, 100_000, units=("人",))(normalize_cell(cell) or "")
    assert e.value.messages == ["请填写 0 到 100000 的整数"]


def test_encoding_detection():
    body = "姓名,身份证号\n张三,1\n"
    assert detect_encoding(body.encode("utf-8")) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + body.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(body.encode("gbk")) == "gb18030"
    assert detect_encoding(body.encode("utf-16")) == "utf-16"
    # a multi-byte character cut at the 64 KB sample boundary is still UTF-8
    assert detect_encoding(("张" * 30).encode("utf-8")[:-1]) == "utf-8"


def _first_rows(path, n=3):
    with open_sheets(path) as sheets:
        sheet = next(sheets)
        return [row for _, row in zip(range(n), sheet.rows, strict=False)]


def test_tab_separated_utf16_text_as_excel_saves_it(tmp_path):
    path = tmp_path / "名单.txt"
    path.write_bytes("姓名\t身份证号\n张三\t1\n".encode("utf-16"))
    assert _first_rows(path) == [["姓名", "身份证号"], ["张三", "1"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "a.pdf",
            b"%PDF-1.4",
            "无法读取文件：不支持的文件类型“.pdf”，请使用 .xlsx、.xls 或 .csv 文件",
        ),
        ("a", b"x", "无法读取文件：不支持的文件类型“无扩展名”，请使用 .xlsx、.xls 或 .csv 文件"),
        ("a.csv", b"", "无法读取文件：文件是空的"),
        (
            "a.xlsx",
            b"<html><table></table></html>",
            "无法读取文件：文件内容不是有效的 Excel 工作簿"
            "（可能已损坏，或是由网页等其他格式改名而来），请用 Excel 打开后另存为 .xlsx 再导入",
        ),
        (
            "a.xlsx",
            b"PK\x03\x04broken zip",
            "无法读取文件：Excel 文件已损坏或格式不正确（BadZipFile）",
        ),
        (
            "a.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "无法读取文件：文件已加密，请取消密码保护后再导入",
        ),
        (
            "a.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "无法读取文件：Excel 97-2003 文件（.xls）已损坏或格式不正确，请另存为 .xlsx 后再导入",
        ),
    ],
)
def test_unreadable_files_get_a_chinese_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as e, open_sheets(path) as sheets:
        list(next(sheets).rows)
    assert str(e.value) == message


def test_a_workbook_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号"])
    path = tmp_path / "名单.csv"
    wb.save(path)
    assert _first_rows(path) == [["姓名", "身份证号"]]


def test_invalid_utf8_after_the_sample_is_a_file_error(tmp_path, users, areas):
    path = tmp_path / "a.csv"
    good = "姓名,身份证号\n" + "张三,1\n" * 20000  # > 64 KB of valid UTF-8
    path.write_bytes(good.encode("utf-8") + "李四,2\n".encode("gbk"))
    with pytest.raises(ImportFileError) as e:
        run_import("registry.resident", path, actor=users["community"], area=areas["community"])
    assert str(e.value) == (
        "无法读取文件：第 20002 行有无法识别的文字编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV"
    )


def test_header_must_be_found_and_complete(tmp_path, users, areas):
    path = tmp_path / "a.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as e:
        run_import("registry.resident", path, actor=users["community"], area=areas["community"])
    assert str(e.value) == (
        "未找到表头：前 10 行中没有包含“姓名”“身份证号”等列名的一行，请使用导入模板"
    )
    path.write_text("姓名,联系电话,网格\n张三,13800001234,第一网格\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as e:
        run_import("registry.resident", path, actor=users["community"], area=areas["community"])
    assert str(e.value) == "缺少必填列：身份证号。请使用导入模板，或在表头中补上这些列"


def test_the_header_may_sit_on_any_of_the_first_ten_rows_of_any_sheet(tmp_path, users, areas):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本表用于登记居民"])
    data = wb.create_sheet("名单")
    for _ in range(9):
        data.append(["某某社区"])
    # A paper list's row numbers (序号, No.) are passed over without a warning.
    data.append(["序号", "姓名", "身份证号", "手机", "网格", "多余的列", "多余的列", "Ｎｏ．"])
    number = make_id_number(gender="F")
    data.append([1, "李四", number, "13900001234", "第二网格", "x", "y", 1])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    result = run_import(
        "registry.resident", path, actor=users["community"], area=areas["community"]
    )
    assert (result.created, result.rejected, result.total) == (1, 0, 1)
    assert result.warnings == ["以下列无法识别，已忽略：多余的列、多余的列"]


def test_seen_keys_remember_first_rows_in_bounded_memory():
    seen = SeenKeys()
    for i in range(20000):
        assert seen.first_row((f"{i:032x}",), i + 2) is None
    assert seen.first_row(("00000000000000000000000000000005",), 99) == 7
    assert seen.first_row((f"{19999:032x}",), 5) == 20001
    assert seen.count == 20000
    assert seen.mask + 1 == 65536  # grew from 4096, stays at most half full
    seen.reserve(100_000)  # the full size at once, keeping what was seen
    assert seen.mask + 1 == 262144
    assert seen.first_row((f"{19999:032x}",), 5) == 20001
    assert seen.first_row(("new",), 3) is None and seen.count == 20001
    seen.reserve(10)  # never shrinks
    assert seen.mask + 1 == 262144
    assert seen.first_row(("far",), 2**32 - 1) is None  # row numbers up to 32 bits
    assert seen.first_row(("far",), 8) == 2**32 - 1
    assert seen.hashes.itemsize * 2 == seen.rows.itemsize * 4  # 12 bytes a slot


def test_formula_like_cells_are_neutralised(tmp_path, settings):
    settings.FANGKONG_EXPORT_DIR = tmp_path
    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "张三", 5)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "张三",
        5,
    ]
    writer = RejectWriter(["姓名", "=危险列"])
    writer.add(["=cmd|' /C calc'!A0", 1.5, "extra"], "第 2 行：姓名：不能为空")
    path = writer.close()
    assert path.parent == tmp_path / "import-rejects"
    rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert rows == [
        ["姓名", "'=危险列", "错误原因"],
        ["'=cmd|' /C calc'!A0", 1.5, "第 2 行：姓名：不能为空"],
    ]


def test_rejected_rows_show_the_time_of_a_moment(tmp_path, settings):
    """A duty roster's rejected row said 2020-02-14 for a shift starting 2020-02-14 08:00."""
    settings.FANGKONG_EXPORT_DIR = str(tmp_path)
    writer = RejectWriter(["开始时间", "日期"])
    writer.add([datetime.datetime(2020, 2, 14, 8, 0), datetime.datetime(2020, 2, 14)], "x")
    sheet = openpyxl.load_workbook(writer.close()).active
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].number_format == "yyyy-mm-dd"


def test_template_round_trips_and_keeps_ids_as_text(tmp_path, users, areas):
    data = template_workbook("registry.resident")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    columns = get_importer("registry.resident").columns
    assert header == [c.header + ("*" if c.required else "") for c in columns]
    assert header[:2] == ["姓名*", "身份证号*"]
    assert sheet.column_dimensions["B"].number_format == "@"
    assert wb.sheetnames == ["居民", "填写说明"]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(data)
    result = run_import(
        "registry.resident", path, actor=users["community"], area=areas["community"]
    )
    assert (result.total, result.created, result.rejected, result.warnings) == (
        0,
        0,
        0,
        ["表头以下没有数据行"],
    )


def test_every_template_opens_and_a_label_excel_refuses_becomes_a_sheet_name():
    """A label with a slash (隔离/监测安排) or longer than Excel's 31 characters (in a
    translation) broke the template download."""
    from fangkong.core.importing import importers
    from fangkong.core.importing.template import sheet_name

    assert sheet_name("隔离/监测安排") == "隔离／监测安排"
    assert sheet_name("a[b]:c*d?e\\f") == "a【b】：c＊d？e＼f"
    assert sheet_name("x" * 40) == "x" * 31
    assert len(sheet_name("隔离" * 20)) == 31
    for key, importer in importers().items():
        book = openpyxl.load_workbook(io.BytesIO(template_workbook(key)))
        assert book.sheetnames[0] == sheet_name(str(importer.label)), key


def test_name_key_cache_gives_what_the_search_field_stores_in_bounded_memory():
    from fangkong.core.importing.writer import NameKeyCache
    from fangkong.core.search import name_keys

    cache = NameKeyCache(size=3)
    names = ["張三", "李四", "王五", "张三", "欧阳修", "李四"]
    assert [tuple(cache.parts(n)) for n in names] == [name_keys(n) for n in names]
    assert cache.parts("張三") == ["张三", "zhangsan", "zs"]
    assert len(cache.young) + len(cache.old) <= 2 * 3


def test_rebuild_sorts_with_helper_threads_on_sqlite_and_restores_the_setting(db):
    from django.db import connection

    from fangkong.core.importing import indexes

    seen = []

    def spy(execute, sql, params, many, context):
        if sql.startswith("CREATE INDEX") and connection.vendor == "sqlite":
            seen.append(connection.connection.execute("PRAGMA threads").fetchone()[0])
        return execute(sql, params, many, context)

    sql = 'CREATE INDEX "test_rebuild_reason" ON "core_auditentry" ("reason")'
    preset = indexes.SORTER_THREADS + 1  # neither the default nor what the rebuild sets
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"PRAGMA threads = {preset:d}")
        with connection.execute_wrapper(spy):
            indexes.rebuild(connection, [sql])
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA threads")
            assert (seen, cur.fetchone()[0]) == ([indexes.SORTER_THREADS], preset)
            cur.execute("SELECT count(*) FROM sqlite_master WHERE name = 'test_rebuild_reason'")
        else:
            cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'test_rebuild_reason'")
        assert cur.fetchone()[0] == 1
        cur.execute('DROP INDEX "test_rebuild_reason"')
