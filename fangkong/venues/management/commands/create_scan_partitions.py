from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.venues import partitioning


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the scan table for this month and the next ones "
        "(PostgreSQL; idempotent; stragglers in the default partition are moved)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, default=3, help="how many months from this one (default 3)"
        )

    def handle(self, *args, months: int, **options):
        if months < 1 or months > 120:
            raise CommandError(_("--months 应在 1 到 120 之间"))
        if not partitioning.is_partitioned():
            self.stdout.write(_("当前数据库不是 PostgreSQL 分区表（如 SQLite），无需创建分区"))
            return
        for name, moved in partitioning.create_upcoming_partitions(
            months, today=timezone.localdate()
        ):
            if moved is None:
                self.stdout.write(_("%(name)s 已存在") % {"name": name})
            else:
                self.stdout.write(
                    _("已创建 %(name)s（从默认分区移入 %(n)s 条）") % {"name": name, "n": moved}
                )
