"""Hostile spreadsheets for the import tests: zip bombs, a full 1,048,576-row sheet, formulas,
merged cells, GBK text, empty and fake files. Built on the fly, never committed.

``python -m fangkong.core.testing.hostile measure FILE...`` reads each file through the import
readers (as an import would, up to the row limit) in a fresh process and prints its peak RSS,
so a test can bound memory without the test process's own baggage.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

EXCEL_MAX_ROWS = 1_048_576
FORMULA_TEXT = "=cmd|' /C calc'!A0"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""  # noqa: E501


_PARTS = {
    "[Content_Types].xml": _CONTENT_TYPES,
    "_rels/.rels": _RELS,
    "xl/workbook.xml": _WORKBOOK,
    "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
}


def _sheet_start(header: list[str], n_rows: int | None) -> bytes:
    start = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    if n_rows is not None:
        start += f'<dimension ref="A1:{_col(len(header) - 1)}{n_rows}"/>'
    return start.encode() + b"<sheetData>" + _row_xml(1, header)


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def write_xlsx(
    path: Path,
    header: list[str],
    rows: Iterable[list[str]],
    *,
    n_rows: int | None = None,
    extra_members: dict[str, bytes] | None = None,
) -> Path:
    """A minimal workbook streamed straight into the zip (inline strings), so a sheet of a
    million rows costs seconds and no memory. ``n_rows`` writes a ``<dimension>`` tag."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
            out = io.BufferedWriter(raw, 1 << 20)
            out.write(_sheet_start(header, n_rows))
            for r, cells in enumerate(rows, start=2):
                out.write(_row_xml(r, cells))
            out.write(b"</sheetData></worksheet>")
            out.flush()
        for name, data in (extra_members or {}).items():
            zf.writestr(name, data)
    return path


def _row_xml(r: int, cells: list[str]) -> bytes:
    parts = [f'<row r="{r}">']
    for c, value in enumerate(cells):
        if value is None:
            continue
        ref = f"{_col(c)}{r}"
        if isinstance(value, str) and value.startswith("=") and value.endswith("()"):
            parts.append(f'<c r="{ref}"><f>{escape(value[1:])}</f></c>')  # a live formula
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    parts.append("</row>")
    return "".join(parts).encode()


def zip_bomb(path: Path, header: list[str], expanded_bytes: int) -> Path:
    """A valid workbook carrying one extra part of ``expanded_bytes`` zeros (~1000:1)."""
    write_xlsx(path, header, [])
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("xl/media/padding.bin", "w", force_zip64=True) as out,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(expanded_bytes // len(chunk)):
            out.write(chunk)
    return path


def forged_bomb(path: Path, header: list[str], claimed_bytes: int = 0xFFFFFFFE) -> Path:
    """A small workbook whose zip directory claims one part expands to ~4 GB: what the reader
    must refuse by the directory alone (the data would not inflate that far anyway)."""
    write_xlsx(path, header, [], extra_members={"xl/media/big.bin": b"\0" * 1024})
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"xl/media/big.bin"))
    data[entry + 24 : entry + 28] = claimed_bytes.to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    return path


def full_sheet(path: Path, header: list[str], *, with_dimension: bool = True) -> Path:
    """Every row Excel allows: the header and 1,048,575 data rows. The data rows carry no
    ``r`` attributes (readers count them, as Excel does), so they are one repeated block."""
    row = ("<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * len(header) + "</row>").encode()
    block, per_block = row * 8192, 8192
    data_rows = EXCEL_MAX_ROWS - 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(_sheet_start(header, EXCEL_MAX_ROWS if with_dimension else None))
            full, rest = divmod(data_rows, per_block)
            for _ in range(full):
                out.write(block)
            out.write(row * rest)
            out.write(b"</sheetData></worksheet>")
    return path


def merged_cells(path: Path, header: list[str]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    ws.append(["合并单元格"] * len(header))
    ws.append([None] * len(header))
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=max(len(header), 2))
    wb.save(path)
    return path


def gbk_csv(path: Path, header: list[str]) -> Path:
    rows = [header, ["张三"] * len(header)]
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("gbk"))
    return path


def measure(paths: list[str]) -> dict:
    """Read each file through the import readers; the peak RSS of this process in MiB."""
    import django

    django.setup()
    from fangkong.core.importing.engine import _row_limited, max_rows
    from fangkong.core.importing.readers import ImportFileError, open_sheets

    outcome = {}
    for p in paths:
        try:
            with open_sheets(Path(p)) as sheets:
                n = 0
                for sheet in sheets:
                    for _row in _row_limited(sheet.rows, max_rows()):
                        n += 1
            outcome[p] = f"read {n} rows"
        except ImportFileError as e:
            outcome[p] = str(e)
    peak_kib = _own_peak_kib()
    return {"peak_mib": peak_kib // 1024, "outcome": outcome}


def _own_peak_kib() -> int:
    """This process's own peak RSS. ``ru_maxrss`` carries the high-water mark of the process
    that started us across ``execve`` (a big pytest worker); ``VmHWM`` belongs to our own
    address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2:]), ensure_ascii=False))
    else:
        sys.exit("usage: python -m fangkong.core.testing.hostile measure FILE...")
