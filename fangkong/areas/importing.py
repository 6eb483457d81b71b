"""Taking a county's area tree in from the list it already keeps (区划代码, 名称, 层级, 上级代码).

A tree is a few thousand rows at most, and each row's path depends on its parent's, so rows
go one by one through ``services.create_area`` / ``update_area`` (scope, rules, audit) in one
transaction, parents first: all or nothing, every error naming its row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing.base import normalize_header
from fangkong.core.importing.parsers import cell_text
from fangkong.core.importing.readers import ImportFileError, open_sheets

from . import services
from .choices import AreaLevel
from .models import Area

# column key -> (header as shown, other names it goes by in the lists people keep)
COLUMNS = {
    "code": (
        N_("区划代码"),
        ("代码", "编码", "区域代码", "区域编码", "网格编码", "统计用区划代码"),
    ),
    "name": (N_("名称"), ("区域名称", "网格名称", "单位名称")),
    "level": (N_("层级"), ("级别", "区域层级", "类型")),
    "parent": (N_("上级代码"), ("上级区划代码", "上级编码", "上级区域代码", "所属上级代码")),
}
REQUIRED = ("code", "name")
HEADER_SEARCH_ROWS = 10

LEVEL_NAMES = {
    "省": AreaLevel.PROVINCE,
    "自治区": AreaLevel.PROVINCE,
    "直辖市": AreaLevel.PROVINCE,
    "市": AreaLevel.CITY,
    "地级市": AreaLevel.CITY,
    "州": AreaLevel.CITY,
    "区县": AreaLevel.DISTRICT,
    "区": AreaLevel.DISTRICT,
    "县": AreaLevel.DISTRICT,
    "县级市": AreaLevel.DISTRICT,
    "旗": AreaLevel.DISTRICT,
    "街道/乡镇": AreaLevel.STREET,
    "街道乡镇": AreaLevel.STREET,
    "街道": AreaLevel.STREET,
    "乡镇": AreaLevel.STREET,
    "镇": AreaLevel.STREET,
    "乡": AreaLevel.STREET,
    "社区/村": AreaLevel.COMMUNITY,
    "社区村": AreaLevel.COMMUNITY,
    "社区": AreaLevel.COMMUNITY,
    "村": AreaLevel.COMMUNITY,
    "居委会": AreaLevel.COMMUNITY,
    "村委会": AreaLevel.COMMUNITY,
    "网格": AreaLevel.GRID,
}


@dataclass
class AreaRowError:
    row: int  # 1-based, as Excel shows it
    field: str  # the column header
    message: str


@dataclass
class AreaImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[AreaRowError] = field(default_factory=list)
    committed: bool = False


@dataclass
class _Row:
    number: int
    code: str
    name: str
    level: int | None
    parent: str


class _Rollback(Exception):
    pass


def _header_map(cells: list) -> dict[str, int]:
    names = {
        normalize_header(n): key
        for key, (header, aliases) in COLUMNS.items()
        for n in (header, _(header), *aliases)
    }
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = names.get(normalize_header(cell))
        if key is not None and key not in found:
            found[key] = i
    return found


def _parse_level(value) -> int | None:
    text = normalize_header(value)
    if not text:
        return None
    if text.isdigit() and int(text) in AreaLevel.values:
        return int(text)
    level = LEVEL_NAMES.get(text)
    if level is None:
        labels = {normalize_header(str(label)): v for v, label in AreaLevel.choices}
        level = labels.get(text)
    if level is None:
        raise ValidationError(
            _("层级“%(v)s”无法识别，请填写 市、区县、街道/乡镇、社区/村 或 网格")
            % {"v": cell_text(value)[:20]}
        )
    return int(level)


def read_rows(path: Path, original_name: str | None = None) -> tuple[list[_Row], dict, list]:
    """The file's data rows, the header positions, and the errors found while reading."""
    errors: list[AreaRowError] = []
    with open_sheets(path, original_name) as sheets:
        sheet = next(iter(sheets), None)
        if sheet is None:
            raise ImportFileError(_("文件中没有工作表"))
        header, rows = None, []
        for number, cells in enumerate(sheet.rows, start=1):
            if header is None:
                found = _header_map(cells)
                if all(k in found for k in REQUIRED):
                    header = found
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            rows.append((number, cells))
    if header is None:
        raise ImportFileError(
            _("前 %(n)d 行中找不到表头：至少需要“区划代码”和“名称”两列") % {"n": HEADER_SEARCH_ROWS}
        )

    def cell(cells, key):
        i = header.get(key)
        if i is None or i >= len(cells) or cells[i] is None:
            return ""
        return cell_text(cells[i]).strip()

    parsed = []
    for number, cells in rows:
        code, name = cell(cells, "code"), cell(cells, "name")
        if not code and not name and not cell(cells, "parent"):
            continue  # a blank line
        if not code:
            errors.append(AreaRowError(number, _(COLUMNS["code"][0]), _("未填写区划代码")))
            continue
        if not name:
            errors.append(AreaRowError(number, _(COLUMNS["name"][0]), _("未填写名称")))
            continue
        try:
            # A row may end before the 层级 column (a CSV line without its trailing blank).
            level = _parse_level(cell(cells, "level"))
        except ValidationError as e:
            errors.append(AreaRowError(number, _(COLUMNS["level"][0]), " ".join(e.messages)))
            continue
        parsed.append(_Row(number, code, name, level, cell(cells, "parent")))
    return parsed, header, errors


def import_areas(
    *, actor, path: Path, original_name: str | None = None, dry_run: bool = False
) -> AreaImportResult:
    """Create the file's new areas, rename or move the ones already there (matched by code).

    Raises ``ImportFileError`` when the file cannot be read; nothing is written when any row
    is rejected, or on a dry run.
    """
    rows, _header, errors = read_rows(path, original_name)
    result = AreaImportResult(errors=errors)
    seen: dict[str, int] = {}
    unique = []
    for row in rows:
        if row.code in seen:
            result.errors.append(
                AreaRowError(
                    row.number,
                    _(COLUMNS["code"][0]),
                    _("区划代码“%(c)s”与第 %(r)d 行重复") % {"c": row.code, "r": seen[row.code]},
                )
            )
        else:
            seen[row.code] = row.number
            unique.append(row)
    rows = unique
    in_file = {row.code: row for row in rows}

    def depth(row: _Row, limit: int = 10) -> int:
        parent = in_file.get(row.parent)
        return 0 if parent is None or limit == 0 else 1 + depth(parent, limit - 1)

    try:
        with transaction.atomic():
            existing = {a.code: a for a in Area.objects.filter(code__in=list(in_file))}
            for row in sorted(rows, key=lambda r: (depth(r), r.number)):
                _import_row(actor, row, existing, result)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    else:
        result.committed = True
    result.errors.sort(key=lambda e: e.row)
    return result


_FIELD_COLUMN = {"code": "code", "name": "name", "level": "level", "parent": "parent"}


def _import_row(actor, row: _Row, existing: dict, result: AreaImportResult) -> None:
    parent = None
    if row.parent:
        parent = existing.get(row.parent) or Area.objects.filter(code=row.parent).first()
        if parent is None:
            result.errors.append(
                AreaRowError(
                    row.number,
                    _(COLUMNS["parent"][0]),
                    _("上级代码“%(c)s”不存在：请先导入上级区域，或把它写在本表中")
                    % {"c": row.parent},
                )
            )
            return
    level = row.level
    if level is None:
        if parent is None:
            result.errors.append(
                AreaRowError(row.number, _(COLUMNS["level"][0]), _("没有上级区域时须填写层级"))
            )
            return
        level = min(parent.level + 1, AreaLevel.GRID)
    old = existing.get(row.code)
    if old is not None and not row.parent:
        parent = old.parent  # a blank 上级代码 keeps an existing area where it is
    try:
        with transaction.atomic():
            if old is None:
                existing[row.code] = services.create_area(
                    actor=actor, code=row.code, name=row.name, level=level, parent=parent
                )
                result.created += 1
            elif old.level != level:
                raise ValidationError(
                    {
                        "level": _("区划代码“%(c)s”已登记为%(l)s，层级不能更改")
                        % {"c": row.code, "l": old.get_level_display()}
                    }
                )
            elif old.name == row.name and old.parent_id == (parent.pk if parent else None):
                result.unchanged += 1
            else:
                existing[row.code] = services.update_area(
                    actor=actor,
                    area=old,
                    name=row.name,
                    parent=parent,
                    expected_version=old.version,
                )
                result.updated += 1
    except ValidationError as e:
        items = e.message_dict.items() if hasattr(e, "error_dict") else [("code", e.messages)]
        for key, messages in items:
            column = COLUMNS[_FIELD_COLUMN.get(key, "code")][0]
            result.errors.append(AreaRowError(row.number, _(column), " ".join(messages)))
    except PermissionDenied as e:
        result.errors.append(AreaRowError(row.number, _(COLUMNS["code"][0]), str(e)))
