"""``fangkong import-areas FILE --user U``: take an area tree in from Excel or CSV.

Exit status: 0 every row taken; 1 rows rejected (nothing written); 2 the file or the user
cannot be used.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.areas.importing import import_areas
from fangkong.core.importing.readers import ImportFileError

SHOW_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import areas down to grids (columns 区划代码, 名称, 层级, 上级代码; parents first or "
        "in the same file). Existing codes are renamed or moved. All or nothing."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument(
            "--user", required=True, help="import as this user (audited), e.g. the administrator"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("找不到用户“%(u)s”或该用户已停用") % {"u": options["user"]}, returncode=2
            ) from None
        path = Path(options["file"])
        try:
            result = import_areas(actor=actor, path=path, dry_run=options["dry_run"])
        except ImportFileError as e:
            raise CommandError(str(e), returncode=2) from None
        counts = {"c": result.created, "u": result.updated, "n": result.unchanged}
        if result.committed:
            self.stdout.write(_("新增 %(c)d 个区域，更新 %(u)d 个，未变 %(n)d 个") % counts)
        else:
            self.stdout.write(
                _("检查结果：可新增 %(c)d 个区域，更新 %(u)d 个，未变 %(n)d 个") % counts
            )
        for e in result.errors[:SHOW_ERRORS]:
            self.stdout.write(
                _("第 %(row)d 行 %(field)s：%(message)s")
                % {"row": e.row, "field": e.field, "message": e.message}
            )
        if len(result.errors) > SHOW_ERRORS:
            self.stdout.write(_("……另有 %(n)d 条错误") % {"n": len(result.errors) - SHOW_ERRORS})
        if result.errors:
            raise CommandError(
                _("有 %(n)d 行未通过检查，未写入任何数据") % {"n": len(result.errors)},
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write(_("预检通过（未写入）"))
