"""Excel export for every list: streamed, masked by default, audited.

``export_xlsx`` writes rows with xlsxwriter in ``constant_memory`` mode into an anonymous
temporary file (rows go to disk as they are written, so 100k rows stay in bounded memory),
then hands the file to a ``FileResponse``. Personal columns are masked unless the caller asks
to reveal them, holds the model's ``export_personal_<model>`` permission and states a purpose.
Every export appends one ``export`` audit entry with the row count, filters and purpose.
"""

from __future__ import annotations

import datetime
import decimal
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models.audit import AuditAction
from .scoping import user_area
from .tables import Column

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a text that a spreadsheet would run as a formula with an apostrophe."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


_LONG_NUMBER = re.compile(r"\d{7,}")
# Characters Excel refuses in a sheet name (隔离/监测安排), also unsafe in a file name.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def safe_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """Filters as recorded in the audit trail: a searched ID or phone number is hidden."""
    safe = {}
    for key, value in (filters or {}).items():
        if value in ("", None):
            continue
        if isinstance(value, str) and _LONG_NUMBER.search(value):
            value = "****"
        safe[key] = value
    return safe


def export_permission(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.export_personal_{model._meta.model_name}"


def can_reveal_export(user, model: type[models.Model]) -> bool:
    return bool(user is not None and user.has_perm(export_permission(model)))


def _rows(source: Iterable[Any]) -> Iterable[Any]:
    if isinstance(source, models.QuerySet):
        return source.iterator(chunk_size=CHUNK_SIZE)
    return source


# Data rows a sheet holds under its header row: Excel opens at most 1,048,576 rows a sheet.
SHEET_ROWS = 1_048_575
PROGRESS_EVERY = 1000  # rows between calls of ``progress``


def write_rows(
    workbook: xlsxwriter.Workbook,
    rows: Iterable[Any],
    columns: Sequence[Column],
    *,
    reveal: bool,
    sheet_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """The rows under a header, continued on further sheets (名称 (2), (3)…) when one sheet
    is full; the number of rows written. ``progress(rows so far)`` every ``PROGRESS_EVERY``."""
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheets = 0

    def new_sheet():
        nonlocal sheets
        sheets += 1
        name = sheet_name or None  # xlsxwriter's Sheet1, Sheet2…
        if name and sheets > 1:
            suffix = f" ({sheets})"
            name = name[: 31 - len(suffix)] + suffix
        sheet = workbook.add_worksheet(name)
        for col, column in enumerate(columns):
            sheet.write_string(0, col, str(column.label), header)
            sheet.set_column(col, col, 20 if column.personal else 14)
        sheet.freeze_panes(1, 0)
        return sheet

    sheet = new_sheet()
    tz = timezone.get_current_timezone()
    count = row = 0
    for count, obj in enumerate(rows, start=1):
        if row == SHEET_ROWS:
            sheet, row = new_sheet(), 0
        row += 1
        if progress is not None and not count % PROGRESS_EVERY:
            progress(count)
        for col, column in enumerate(columns):
            value = column.value(obj, reveal=reveal)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_string(row, col, _("是") if value else _("否"))
            elif isinstance(value, datetime.datetime):
                if timezone.is_aware(value):
                    value = timezone.make_naive(value, tz)
                sheet.write_datetime(row, col, value, datetime_fmt)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(row, col, value, date_fmt)
            elif isinstance(value, int | float | decimal.Decimal):
                sheet.write_number(row, col, float(value))
            else:
                sheet.write_string(row, col, neutralise(str(value)))
    return count


def check_export(user, model: type[models.Model], *, reveal: bool, purpose: str) -> str:
    """Refuse an unmasked export without the permission or a purpose; the purpose, stripped."""
    purpose = (purpose or "").strip()
    if reveal:
        if not can_reveal_export(user, model):
            raise PermissionDenied(_("您没有导出未脱敏信息的权限"))
        if not purpose:
            raise ValidationError({"purpose": _("导出未脱敏信息必须填写用途")})
    return purpose


def export_filename(model: type[models.Model], title: str = "") -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _SHEET_UNSAFE.sub("-", f"{title or model._meta.verbose_name_plural}-{stamp}.xlsx")


def write_export(
    fh,
    queryset_or_iterable: Iterable[Any],
    columns: Sequence[Column],
    *,
    user,
    model: type[models.Model],
    purpose: str = "",
    reveal: bool = False,
    filters: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    title: str = "",
) -> int:
    """The rows as an .xlsx into the binary file ``fh``, and the export's audit entry (in
    the caller's transaction); the number of rows. Checks as ``check_export``. ``title``
    names a table that is not the model's list (物资库存 of movements): its sheet and the
    audit entry."""
    title = str(title or model._meta.verbose_name_plural)
    purpose = check_export(user, model, reveal=reveal, purpose=purpose)
    export_dir = Path(settings.FANGKONG_EXPORT_DIR)
    export_dir.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        fh,
        {
            "constant_memory": True,
            "tmpdir": str(export_dir),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    count = write_rows(
        workbook,
        _rows(queryset_or_iterable),
        columns,
        reveal=reveal,
        sheet_name=_SHEET_UNSAFE.sub("-", title)[:31],
        progress=progress,
    )
    workbook.close()
    root = user_area(user)
    audit.record(
        user,
        audit.Event(
            action=AuditAction.EXPORT,
            object_type=model._meta.label_lower,
            object_repr=title,
            area_path=root.path if root is not None else "",
            changes={
                "rows": count,
                "filters": safe_filters(filters),
                "columns": [c.name for c in columns],
                "revealed": [c.name for c in columns if c.personal] if reveal else [],
            },
            reason=purpose,
        ),
    )
    return count


def export_xlsx(
    queryset_or_iterable: Iterable[Any],
    columns: Sequence[Column],
    *,
    user,
    purpose: str = "",
    reveal: bool = False,
    model: type[models.Model] | None = None,
    filters: dict[str, Any] | None = None,
    filename: str = "",
    title: str = "",
) -> FileResponse:
    """Write the rows to an .xlsx and return it as a download; audited. For lists of up to a
    few thousand rows: a larger list is exported by a background job (``core.jobs``).

    ``model`` is needed only when an iterable (not a queryset) is given; ``title`` names a
    table that is not the model's list (its sheet, the file and the audit entry).
    """
    if model is None:
        model = getattr(queryset_or_iterable, "model", None)
    if model is None:
        raise ValueError("export_xlsx needs a queryset or model=")
    check_export(user, model, reveal=reveal, purpose=purpose)
    export_dir = Path(settings.FANGKONG_EXPORT_DIR)
    export_dir.mkdir(parents=True, exist_ok=True)
    fh = tempfile.TemporaryFile(dir=export_dir, suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        write_export(
            fh,
            queryset_or_iterable,
            columns,
            user=user,
            model=model,
            purpose=purpose,
            reveal=reveal,
            filters=filters,
            title=title,
        )
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    return FileResponse(
        fh, as_attachment=True, filename=filename or export_filename(model, str(title))
    )
