"""``fangkong restore FILE [--force]``: replace the database with a backup."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import keycheck
from fangkong.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by fangkong backup (needs the same encryption keys)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that already holds data"
        )

    def handle(self, *args, file, force, **options):
        # The data the keys would be checked against is about to be replaced; restore
        # compares the keys with the backup's own fingerprint instead.
        keycheck.skip_for_this_process(connections[DEFAULT_DB_ALIAS])
        try:
            manifest = restore(Path(file), force=force)
        except BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            _("已从 %(f)s 恢复（备份时间 %(at)s，%(n)d 行，行数已核对）")
            % {"f": file, "at": _local(manifest["created_at"]), "n": rows}
        )
        self.stdout.write(
            _("建议接着运行：fangkong migrate（升级到当前版本）和 fangkong verify-audit")
        )


def _local(stamp: str) -> str:
    """The backup's time as the server's clock reads it (the file name's time), not UTC."""
    return timezone.localtime(datetime.datetime.fromisoformat(stamp)).strftime("%Y-%m-%d %H:%M:%S")
