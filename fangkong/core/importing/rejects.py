"""The rejected-rows workbook: the file's own columns plus 错误原因, safe to open in Excel."""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.core.exporting import neutralise as neutralise_text


def neutralise(value: Any) -> Any:
    """Text that Excel would run as a formula gets a leading apostrophe (as in exports)."""
    return neutralise_text(value) if isinstance(value, str) else value


def reason_header() -> str:
    """The title of the column the rejected-rows file adds (错误原因)."""
    return _("错误原因")


def reject_dir() -> Path:
    path = Path(settings.FANGKONG_EXPORT_DIR) / "import-rejects"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class RejectWriter:
    """Streams rejected rows to an .xlsx in constant memory; created on the first row.

    ``text_columns``: positions of the columns kept as text (ID and phone numbers), formatted
    as text as in the template, so a number typed in to fix a row keeps all its digits."""

    def __init__(self, header: list[Any], text_columns: Iterable[int] = ()):
        self.header = header
        self.text_columns = sorted(set(text_columns))
        self.path: Path | None = None
        self._book = None
        self._sheet = None
        self._next = 1
        self._date = None
        self._moment = None

    def _open(self) -> None:
        self.path = reject_dir() / f"rejected-{uuid.uuid4().hex}.xlsx"
        self._book = xlsxwriter.Workbook(
            str(self.path), {"constant_memory": True, "strings_to_formulas": False}
        )
        self._sheet = self._book.add_worksheet(_("未导入的行"))
        bold = self._book.add_format({"bold": True})
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._moment = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        as_text = self._book.add_format({"num_format": "@"})
        for i in self.text_columns:
            self._sheet.set_column(i, i, 20, as_text)
        for i, h in enumerate([*self.header, reason_header()]):
            self._sheet.write_string(0, i, str(neutralise(h) if h is not None else ""), bold)
        self._sheet.set_column(len(self.header), len(self.header), 60)

    def add(self, cells: list[Any], reason: str) -> None:
        if self._book is None:
            self._open()
        width = len(self.header)
        row = self._next
        for i in range(width):
            v = cells[i] if i < len(cells) else None
            self._write(row, i, v)
        self._sheet.write_string(row, width, reason)
        self._next += 1

    def _write(self, row: int, col: int, v: Any) -> None:
        if v is None or v == "":
            return
        if isinstance(v, bool):
            self._sheet.write_boolean(row, col, v)
        elif isinstance(v, int | float):
            self._sheet.write_number(row, col, v)
        elif isinstance(v, datetime.datetime | datetime.date):
            if isinstance(v, datetime.datetime) and v.tzinfo is not None:
                v = v.replace(tzinfo=None)
            timed = isinstance(v, datetime.datetime) and v.time() != datetime.time()
            self._sheet.write_datetime(row, col, v, self._moment if timed else self._date)
        else:
            self._sheet.write_string(row, col, str(neutralise(str(v))))

    def close(self) -> Path | None:
        if self._book is not None:
            self._book.close()
            os.chmod(self.path, 0o600)
        return self.path

    def discard(self) -> None:
        if self._book is not None:
            self._book.close()
            self.path.unlink(missing_ok=True)
            self.path = None
