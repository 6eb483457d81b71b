from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core.management.dates import date_option
from fangkong.status.clock import local_date
from fangkong.supervision.services import generate_summaries


class Command(BaseCommand):
    help = (
        "Store the daily problem summary (opened, closed, overdue by unit) of each top-level "
        "area, or of --area; run it at the set time each day (e.g. from cron at 18:00)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default today)")
        parser.add_argument("--area", help="area code (default every top-level area)")

    def handle(self, *args, **options):
        today = local_date(timezone.now())
        day = date_option(options["date"]) or today
        if day > today:
            raise CommandError(_("汇总日期不能晚于今天"))
        areas = None
        if options["area"]:
            areas = list(Area.objects.filter(code=options["area"]))
            if not areas:
                raise CommandError(_("区划代码不存在：%(c)s") % {"c": options["area"]})
        count = generate_summaries(date=day, areas=areas)
        self.stdout.write(
            _("已生成 %(d)s 问题日汇总 %(n)d 份") % {"d": day.isoformat(), "n": count}
        )
