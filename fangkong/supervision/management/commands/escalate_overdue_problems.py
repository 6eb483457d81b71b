import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.supervision.services import escalate_overdue_problems


class Command(BaseCommand):
    help = "Escalate every overdue, unclosed problem one level up (idempotent within a day)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, help="as of this day (default today)"
        )

    def handle(self, *args, **options):
        count = escalate_overdue_problems(today=options["date"])
        self.stdout.write(_("升级逾期问题 %(n)d 条") % {"n": count})
