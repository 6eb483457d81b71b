"""The downloadable import template: the header row users fill in, and a sheet of notes."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from fangkong.formats import joined

from .base import get_importer


def template_workbook(importer: str) -> bytes:
    """An .xlsx with the importer's headers (required ones marked *) and a 填写说明 sheet.

    ID-like columns are formatted as text so Excel does not turn them into numbers. The
    example values live in cell comments and on the notes sheet, never in a data row that
    could be imported by mistake.
    """
    cls = get_importer(importer)
    columns = [c for c in cls.columns if c.in_template]
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    need = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(sheet_name(str(cls.label)))
    notes = book.add_worksheet(_("填写说明"))
    sheet.freeze_panes(1, 0)
    for i, col in enumerate(columns):
        title = _(col.header) + ("*" if col.required else "")
        sheet.write_string(0, i, title, need if col.required else head)
        sheet.set_column(i, i, max(12, len(title) * 2 + 4), as_text if col.as_text else None)
        tip = _help_text(col)
        if tip:
            sheet.write_comment(0, i, tip, {"x_scale": 2, "y_scale": 1.5})
    for j, title in enumerate(
        [_("列名"), _("是否必填"), _("可用的其他列名"), _("填写说明"), _("示例")]
    ):
        notes.write_string(0, j, title, head)
    for i, col in enumerate(columns, start=1):
        notes.write_string(i, 0, _(col.header))
        notes.write_string(i, 1, _("必填") if col.required else _("选填"))
        notes.write_string(i, 2, joined(col.aliases))
        notes.write_string(i, 3, _(col.help) if col.help else "")
        notes.write_string(i, 4, col.example)
    last = len(columns) + 2
    notes.write_string(
        last,
        0,
        _(
            "带 * 的列必须填写；表头可以放在前 10 行中的任意一行，上方的标题行会被忽略；"
            "身份证号、手机号请以文本格式填写，不要让 Excel 转成数字。"
        ),
    )
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 2, 36)
    notes.set_column(3, 3, 60)
    notes.set_column(4, 4, 24)
    book.close()
    return buf.getvalue()


# Characters Excel refuses in a sheet's name, as the full-width ones it takes (隔离/监测安排).
_SHEET_NAME_CHARS = str.maketrans("[]:*?/\\", "【】：＊？／＼")
SHEET_NAME_MAX = 31  # Excel's limit, in UTF-16 code units


def sheet_name(label: str) -> str:
    """An importer's label as a sheet name Excel accepts (a label or its translation may
    hold a slash, or run past 31 characters)."""
    name = label.translate(_SHEET_NAME_CHARS).strip("'")
    while len(name.encode("utf-16-le")) // 2 > SHEET_NAME_MAX:
        name = name[:-1]
    return name


def _help_text(col) -> str:
    parts = []
    if col.help:
        parts.append(_(col.help))
    if col.example:
        parts.append(_("示例：%(e)s") % {"e": col.example})
    return "\n".join(parts)
