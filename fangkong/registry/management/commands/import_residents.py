"""``fangkong import-residents FILE``: import a resident list (.xlsx/.xls/.csv) from the shell.

Exit status: 0 nothing rejected; 1 rows rejected (nothing written unless --skip-invalid);
2 the file, the area or the user cannot be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core.importing import ImportFileError, run_import, summary

IMPORTER = "registry.resident"
SHOW_ERRORS = 20


class Command(BaseCommand):
    """Also the base of the other import commands: set ``importer`` and, for importers
    taking options, override ``add_import_arguments`` and ``import_options``."""

    help = "Import residents from an Excel or CSV file (all or nothing unless --skip-invalid)."
    # The system checks import every URLconf and view (~25 MB) for nothing an import uses.
    requires_system_checks = []
    importer = IMPORTER
    area_help = (
        "code of the area rows without a grid belong to, and every row must fall "
        "inside (default: the root area)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--area", help=self.area_help)
        self.add_import_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, skip the others"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--user", help="import as this user (default: the system, with full permission)"
        )

    def add_import_arguments(self, parser) -> None:
        """Arguments of a particular importer (none for residents)."""

    def import_options(self, options: dict) -> dict:
        """The importer's ``ctx.options`` from the parsed arguments."""
        return {}

    def handle(self, *args, **options):
        as_json = options["json"]
        area = self._area(options["area"])
        actor = self._user(options["user"])
        progress = None
        if options["verbosity"] >= 2 and not as_json:
            progress = self._progress
        path = Path(options["file"])
        try:
            result = run_import(
                self.importer,
                path,
                actor=actor,
                area=area,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                progress=progress,
                original_name=path.name,
                system=actor is None,
                options=self.import_options(options),
            )
        except ImportFileError as e:
            if as_json:
                self._print_json(
                    {"created": 0, "updated": 0, "rejected": 0, "errors": [], "error": str(e)}
                )
            raise CommandError(str(e), returncode=2) from None
        except PermissionDenied as e:
            raise CommandError(str(e), returncode=2) from None
        if as_json:
            self._print_json(result.as_json())
        else:
            self._print_human(result)
        if result.rejected:
            if result.committed:
                message = _("有 %(n)d 行未导入，其余数据已写入") % {"n": result.rejected}
            else:
                message = _("有 %(n)d 行未通过检查，未写入任何数据") % {"n": result.rejected}
            raise CommandError(message, returncode=1)

    def _area(self, code: str | None) -> Area:
        if code:
            try:
                return Area.objects.get(code=code)
            except Area.DoesNotExist:
                raise CommandError(
                    _("找不到区划代码为 %(code)s 的区域") % {"code": code}, returncode=2
                ) from None
        roots = list(Area.objects.filter(parent__isnull=True)[:2])
        if len(roots) != 1:
            raise CommandError(_("请用 --area 指定导入的区域"), returncode=2)
        return roots[0]

    def _user(self, username: str | None):
        if not username:
            return None
        from django.contrib.auth import get_user_model

        try:
            return get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(
                _("找不到用户“%(u)s”或该用户已停用") % {"u": username}, returncode=2
            ) from None

    def _print_json(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def _print_human(self, result) -> None:
        self.stdout.write(summary(result))
        for warning in result.warnings:
            self.stdout.write(_("提示：%(w)s") % {"w": warning})
        for e in result.errors[:SHOW_ERRORS]:
            self.stdout.write(
                _("第 %(row)d 行 %(field)s：%(message)s")
                % {"row": e.row, "field": e.field, "message": e.message}
            )
        if len(result.errors) > SHOW_ERRORS:
            self.stdout.write(_("……另有 %(n)d 条错误") % {"n": len(result.errors) - SHOW_ERRORS})
        if result.rejected_file:
            self.stdout.write(
                _("未导入的行及原因已保存到：%(path)s") % {"path": result.rejected_file}
            )

    def _progress(self, done: int, total: int | None) -> None:
        if total:
            sys.stderr.write(f"\r{done:,} / {total:,}")
        else:
            sys.stderr.write(f"\r{done:,}")
        sys.stderr.flush()
