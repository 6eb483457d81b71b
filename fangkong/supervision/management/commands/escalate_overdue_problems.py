from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.core.management.dates import date_option
from fangkong.supervision.services import escalate_overdue_problems


class Command(BaseCommand):
    help = "Escalate every overdue, unclosed problem one level up (idempotent within a day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as of this day, YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        count = escalate_overdue_problems(today=date_option(options["date"]))
        self.stdout.write(_("升级逾期问题 %(n)d 条") % {"n": count})
