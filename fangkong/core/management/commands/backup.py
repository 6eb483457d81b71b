"""``fangkong backup [--output FILE]``: the whole database in one file (keys NOT included)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database to one file (default var/backups/); keys are not included."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the backup file, or an existing folder")

    def handle(self, *args, output, **options):
        try:
            info = backup(Path(output) if output else None)
        except BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(info.manifest["row_counts"].values())
        self.stdout.write(
            _("已备份到 %(f)s（%(t)d 张表，%(n)d 行）")
            % {"f": info.path, "t": len(info.manifest["row_counts"]), "n": rows}
        )
        self.stdout.write(
            _("注意：加密密钥 secrets.json 不在备份中，请另行妥善保管；恢复时需要同一份密钥。")
        )
