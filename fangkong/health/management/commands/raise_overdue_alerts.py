from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.health.services import raise_overdue_alerts


class Command(BaseCommand):
    help = "Create an overdue alert for every missed check-in slot (idempotent)."

    def handle(self, *args, **options):
        created = raise_overdue_alerts()
        self.stdout.write(_("新增逾期未报预警 %(n)d 条") % {"n": created})
