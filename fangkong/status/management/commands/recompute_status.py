from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.status.services import recompute_all, recompute_due


class Command(BaseCommand):
    help = "Recompute person statuses: --due for rows whose result may have expired, --all."

    def add_arguments(self, parser):
        parser.add_argument("--due", action="store_true", help="rows with valid_until <= now")
        parser.add_argument("--all", action="store_true", help="every resident")

    def handle(self, *args, **options):
        if options["all"]:
            result = recompute_all(cause=_("全量重算"))
        elif options["due"]:
            result = recompute_due()
        else:
            raise CommandError(_("请指定 --due 或 --all"))
        self.stdout.write(
            _("已计算 %(n)d 人：新建 %(c)d，更新 %(u)d，状态变化 %(x)d")
            % {
                "n": result.evaluated,
                "c": result.created,
                "u": result.updated,
                "x": result.changed,
            }
        )
