"""``fangkong remind-enterprise-reports [--date YYYY-MM-DD]``: record 催报 for missing 日报.

Every resumed enterprise without a daily report for the day gets one reminder (idempotent:
an enterprise already reminded for that day is not reminded again). Run it from cron in the
evening; the reminders appear on the office's “未报日报” list.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.enterprises import selectors, services
from fangkong.enterprises.models import Enterprise


class Command(BaseCommand):
    help = "Record a reminder for each resumed enterprise without a daily report for the date."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the report date, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        try:
            day = (
                datetime.date.fromisoformat(options["date"])
                if options["date"]
                else timezone.localdate()
            )
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD")) from None
        enterprises = Enterprise.objects.all()
        missing = selectors.missing_reports(enterprises, day).count()
        created = services.remind_missing_reports(actor=None, day=day, enterprises=enterprises)
        self.stdout.write(
            _("%(day)s：%(n)d 家企业未报日报，已记录催报 %(c)d 条")
            % {"day": day.isoformat(), "n": missing, "c": len(created)}
        )
