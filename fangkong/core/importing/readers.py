"""Reading spreadsheets row by row with bounded memory: .xlsx, .xls and .csv (UTF-8 or GBK).

A reader yields ``Sheet`` objects; a sheet's ``rows`` is an iterator of lists of raw cell values
(str, int, float, date/datetime or None), one list per spreadsheet row starting at row 1, so the
position in the iterator is the row number the user sees in Excel. Blank rows are yielded too.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_BYTES = 64 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES


class ImportFileError(Exception):
    """The file cannot be read as a table; ``str(e)`` is a message in Chinese for the user."""


@dataclass
class Sheet:
    name: str
    rows: Iterator[list[Any]]
    # Rows in the sheet as far as the file says (xlsx dimension, csv line count); an estimate.
    total_rows: int | None


def cannot_read(reason: str) -> ImportFileError:
    return ImportFileError(_("无法读取文件：%(reason)s") % {"reason": reason})


def file_suffix(path: Path, original_name: str | None = None) -> str:
    return Path(original_name or path.name).suffix.lower()


def detect_kind(path: Path, original_name: str | None = None) -> str:
    """``xlsx``, ``xls`` or ``csv``, from the file's first bytes where they tell, else its name."""
    suffix = file_suffix(path, original_name)
    if suffix not in SUFFIXES:
        raise cannot_read(
            _("不支持的文件类型“%(ext)s”，请使用 .xlsx、.xls 或 .csv 文件")
            % {"ext": suffix or _("无扩展名")}
        )
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        raise cannot_read(_("文件不存在或无法打开")) from None
    if not head:
        raise cannot_read(_("文件是空的"))
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        if suffix in (".xlsx", ".xlsm"):  # Excel wraps a password-protected workbook so
            raise cannot_read(_("文件已加密，请取消密码保护后再导入"))
        return "xls"
    if suffix in EXCEL_SUFFIXES:
        raise cannot_read(
            _(
                "文件内容不是有效的 Excel 工作簿（可能已损坏，或是由网页等其他格式改名而来），"
                "请用 Excel 打开后另存为 .xlsx 再导入"
            )
        )
    return "csv"


@contextmanager
def open_sheets(path: Path, original_name: str | None = None) -> Iterator[Iterator[Sheet]]:
    """Context manager giving an iterator over the file's sheets (a CSV file has one)."""
    kind = detect_kind(path, original_name)
    if kind == "xlsx":
        with _xlsx_sheets(path) as sheets:
            yield sheets
    elif kind == "xls":
        yield _calamine_sheets(path)
    else:
        with _csv_sheets(path) as sheets:
            yield sheets


# --- xlsx: openpyxl read-only streaming -----------------------------------------------

# A real workbook's XML compresses 5-30 times; a zip bomb's a thousand times or more.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_ABOVE_BYTES = 16 * 1024 * 1024


def max_unzipped_bytes() -> int:
    return int(getattr(settings, "FANGKONG_IMPORT_MAX_UNZIPPED_BYTES", 1024**3))


def check_zip(fh) -> None:
    """Refuse a workbook whose parts would expand beyond the limit, before reading any.

    The sizes come from the zip's central directory; Python's zipfile never inflates a
    member beyond its declared size, so a forged directory cannot get past this either.
    """
    try:
        with zipfile.ZipFile(fh) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise cannot_read(
            _("Excel 文件已损坏或格式不正确（%(kind)s）") % {"kind": type(e).__name__}
        ) from None
    finally:
        fh.seek(0)
    total = sum(m.file_size for m in members)
    too_dense = any(
        m.file_size > RATIO_CHECK_ABOVE_BYTES
        and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if total > max_unzipped_bytes() or too_dense:
        raise cannot_read(
            _(
                "文件解压后过大（约 %(mb)d MB，上限 %(limit)d MB），可能不是正常的 Excel 文件；"
                "请分成几个文件导入"
            )
            % {"mb": total // (1024 * 1024), "limit": max_unzipped_bytes() // (1024 * 1024)}
        )


@contextmanager
def _xlsx_sheets(path: Path):
    import openpyxl

    # A file object, so a workbook saved under another extension is read all the same.
    fh = open(path, "rb")  # noqa: SIM115 - closed below, after the streaming reader
    try:
        check_zip(fh)
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as e:  # zip, XML and openpyxl errors alike: the file is unusable
            raise cannot_read(
                _("Excel 文件已损坏或格式不正确（%(kind)s）") % {"kind": type(e).__name__}
            ) from None
        try:
            yield (
                Sheet(ws.title, _xlsx_rows(ws), _xlsx_total(ws))
                for ws in wb.worksheets
                if getattr(ws, "sheet_state", "visible") == "visible"
            )
        finally:
            wb.close()
    finally:
        fh.close()


def _xlsx_total(ws) -> int | None:
    try:
        return ws.max_row
    except Exception:  # a missing or odd <dimension> tag
        return None


def _xlsx_rows(ws) -> Iterator[list[Any]]:
    try:
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    except Exception as e:  # only openpyxl runs inside this loop
        raise cannot_read(
            _("Excel 文件已损坏或格式不正确（%(kind)s）") % {"kind": type(e).__name__}
        ) from None


# --- xls (and anything calamine reads) ------------------------------------------------


def _calamine_sheets(path: Path) -> Iterator[Sheet]:
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as e:
        if "password" in str(e).lower() or "encrypt" in str(e).lower():
            raise cannot_read(_("文件已加密，请取消密码保护后再导入")) from None
        raise cannot_read(
            _("Excel 97-2003 文件（.xls）已损坏或格式不正确，请另存为 .xlsx 后再导入")
        ) from None
    for meta in wb.sheets_metadata:
        if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
            continue
        try:
            sheet = wb.get_sheet_by_name(meta.name)
        except Exception:
            raise cannot_read(_("无法读取工作表“%(name)s”") % {"name": meta.name}) from None
        yield Sheet(meta.name, _calamine_rows(sheet), sheet.total_height)


def _calamine_rows(sheet) -> Iterator[list[Any]]:
    # python-calamine pads from cell A1 and gives "" for empty cells and floats for numbers.
    for row in sheet.iter_rows():
        yield [_calamine_cell(v) for v in row]


def _calamine_cell(v):
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, datetime.time):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return str(v)
    return v


# --- csv --------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) if the first ~64 KB decode as UTF-8, else GB18030 (⊃ GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    tabs = sum(ln.count("\t") for ln in lines)
    commas = sum(ln.count(",") for ln in lines)
    return "\t" if tabs > commas else ","


def _count_lines(path: Path) -> int:
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


@contextmanager
def _csv_sheets(path: Path):
    with open(path, "rb") as f:
        sample = f.read(SNIFF_BYTES)
    encoding = detect_encoding(sample)
    delimiter = _sniff_delimiter(sample.decode(encoding, errors="ignore"))
    total = _count_lines(path)
    if encoding == "utf-16" or (b"\r" in sample and b"\n" not in sample):
        # UTF-16 cannot be split on b"\n", nor old Mac files on "\n" at all.
        f = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed below
        lines = f
    else:
        f = open(path, "rb")  # noqa: SIM115 - closed below
        lines = _decoded_lines(f, encoding)
    try:
        yield iter([Sheet(path.stem, _csv_rows(lines, delimiter), total)])
    finally:
        f.close()


def _decoded_lines(f, encoding: str) -> Iterator[str]:
    """Lines decoded one at a time, so a bad byte is reported on its own line.

    Neither UTF-8 nor GB18030 ever uses the byte 0x0A inside a character.
    """
    if encoding == "utf-8-sig":
        f.read(len(codecs.BOM_UTF8))
        encoding = "utf-8"
    for n, raw in enumerate(f, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            raise cannot_read(
                _("第 %(n)d 行有无法识别的文字编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV")
                % {"n": n}
            ) from None


def _csv_rows(lines, delimiter: str) -> Iterator[list[Any]]:
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise cannot_read(
            _("第 %(n)d 行附近有无法识别的文字编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV")
            % {"n": reader.line_num + 1}
        ) from None
    except csv.Error:
        raise cannot_read(
            _("第 %(n)d 行附近的 CSV 格式不正确（引号不成对或单元格过长）") % {"n": reader.line_num}
        ) from None
