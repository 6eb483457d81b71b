"""``fangkong import-users FILE --user USERNAME``: open accounts from a staff list.

Rows are checked as the web import checks them, with the rights of ``--user`` (the roles it
may give, the areas of its subtree; the import's area defaults to that user's own). The
initial passwords are written to ``--passwords`` (default: ``FILE``'s name with
``-初始密码.xlsx``), a new file readable by its owner alone, never to the terminal.
Options, JSON and exit status as ``import-residents`` (0 nothing rejected; 1 rows rejected;
2 unusable input).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Open accounts from a staff list (姓名, 登录名, 角色, 所属区域, 手机号) as --user, "
        "all or nothing unless --skip-invalid; initial passwords go to --passwords."
    )
    importer = "accounts.user"
    area_help = "code of the area rows without one belong to (default: the --user's own area)"

    def add_import_arguments(self, parser) -> None:
        parser.add_argument(
            "--passwords",
            help="new .xlsx file for the initial passwords (default: FILE-初始密码.xlsx)",
        )

    def import_options(self, options: dict) -> dict:
        return {"password_file": str(self.password_file)} if not options["dry_run"] else {}

    def handle(self, *args, **options):
        if not options["user"]:
            raise CommandError(_("请用 --user 指定以哪个账号的身份开设账号"), returncode=2)
        if not options["area"]:
            actor = self._user(options["user"])
            if actor.area_id is not None:
                options["area"] = actor.area.code
        source = Path(options["file"])
        self.password_file = Path(
            options["passwords"] or source.with_name(f"{source.stem}-初始密码.xlsx")
        )
        folder = self.password_file.parent
        if not options["dry_run"] and not (folder.is_dir() and os.access(folder, os.W_OK)):
            raise CommandError(
                _("无法在 %(path)s 写入初始密码文件，请用 --passwords 指定可写的位置")
                % {"path": folder},
                returncode=2,
            )
        if not options["dry_run"] and self.password_file.exists():
            raise CommandError(
                _("初始密码文件 %(path)s 已存在，请换一个文件名（--passwords）")
                % {"path": self.password_file},
                returncode=2,
            )
        super().handle(*args, **options)
        if not options["dry_run"] and self.password_file.exists() and not options["json"]:
            self.stdout.write(
                _("初始密码已保存到：%(path)s（请分别交给本人，首次登录后须修改密码）")
                % {"path": self.password_file}
            )
