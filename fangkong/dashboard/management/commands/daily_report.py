"""``fangkong daily-report --area CODE --date D [--template NAME] --format xlsx|pdf --output FILE``:
write the daily report (日报) of an area as of a day, from the records (run on the server by
its operator, so every area is readable)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.dashboard.models import ReportTemplate
from fangkong.dashboard.report import build_report, find_template, render_pdf, render_xlsx
from fangkong.status.clock import local_date

RENDERERS = {"xlsx": render_xlsx, "pdf": render_pdf}


class Command(BaseCommand):
    help = "Write the daily report of an area as of a date as Excel or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="area code (区划代码)")
        parser.add_argument("--date", help="the report date, YYYY-MM-DD (default: today)")
        parser.add_argument("--template", default="", help="report template name")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="xlsx")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, **options):
        today = local_date(timezone.now())
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else today
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD")) from None
        if day > today:  # as the web form: no figures exist yet for a day to come
            raise CommandError(_("报表日期不能晚于今天"))
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            raise CommandError(_("没有区划代码为 %(code)s 的区域") % {"code": options["area"]})
        try:
            template = find_template(None, area, options["template"])
        except ReportTemplate.DoesNotExist as e:
            raise CommandError(str(e)) from None
        output = Path(options["output"])
        if output.is_dir() or not output.parent.is_dir():
            # Said before the report is built, not as a traceback after it.
            raise CommandError(
                _("无法写入 %(file)s：请给出已存在的目录中的文件名") % {"file": output}
            )
        report = build_report(None, area, day, template)
        try:
            output.write_bytes(RENDERERS[options["format"]](report))
        except OSError as e:
            raise CommandError(
                _("无法写入 %(file)s：%(err)s") % {"file": output, "err": e.strerror}
            ) from None
        self.stdout.write(
            _("已生成 %(area)s %(day)s 日报：%(file)s")
            % {"area": area.name, "day": day.isoformat(), "file": options["output"]}
        )
