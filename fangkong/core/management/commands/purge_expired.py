"""``fangkong purge-expired [--dry-run] [--as-of DATE]``: apply the retention rules."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import keys, retention
from fangkong.core.audit import verify_chain

ACTION_LABELS = {
    retention.DELETE: gettext_lazy("删除"),
    retention.ANONYMISE: gettext_lazy("匿名化"),
}


class Command(BaseCommand):
    help = "Delete or anonymise personal records past their retention period (see README)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be done, change nothing"
        )
        parser.add_argument("--as-of", help="count periods back from this date (YYYY-MM-DD)")
        parser.add_argument(
            "--batch-size", type=int, default=retention.DEFAULT_BATCH, help="rows per transaction"
        )

    def handle(self, *args, dry_run, as_of, batch_size, **options):
        day = self._date(as_of)
        if batch_size < 1:  # 0 purged nothing and still reported 完成
            raise CommandError(_("--batch-size 应为正整数"))
        w = self.stdout.write
        w(_("保存期限截止日期按 %(d)s 计算") % {"d": day.isoformat()})
        for o in retention.plan(day):
            w(
                _(
                    "%(model)s（%(label)s）：保存 %(days)d 天，"
                    "%(field)s 早于 %(cutoff)s 的 %(n)d 条将被%(action)s"
                )
                % {
                    "model": o.rule.key,
                    "label": o.rule.model._meta.verbose_name,
                    "days": o.rule.period_days,
                    "field": o.rule.model._meta.get_field(o.rule.date_field).verbose_name,
                    "cutoff": _date_text(o.cutoff),
                    "n": o.expired,
                    "action": ACTION_LABELS[o.rule.action],
                }
            )
            for line in o.details:  # e.g. scans: per month or partition
                w(f"  {line}")
        strays = retention.stray_reject_files(day)
        w(
            _("命令行导入留下的未导入行文件（无对应任务）：早于 %(cutoff)s 的 %(n)d 个将被删除")
            % {"cutoff": _date_text(retention.rule("core.job").cutoff(day)), "n": len(strays)}
        )
        self._keys(day)
        if dry_run:
            w(_("试运行：未做任何改动"))
            return
        outcomes = retention.purge(day, batch_size=batch_size)
        for o in outcomes:
            if o.done:
                w(
                    _("%(model)s：已%(action)s %(n)d 条（%(b)d 批）")
                    % {
                        "model": o.rule.key,
                        "action": ACTION_LABELS[o.rule.action],
                        "n": o.done,
                        "b": o.batches,
                    }
                )
        files = retention.purge_stray_reject_files(day)
        if files:
            w(_("已删除命令行导入的未导入行文件 %(n)d 个") % {"n": files})
        result = verify_chain()
        if not result.ok:
            raise CommandError(_("清理后审计链校验失败，请运行 fangkong verify-audit 查看"))
        w(_("完成；审计链完整（%(n)d 条）") % {"n": result.checked})

    def _keys(self, day: dt.date) -> None:
        """Audit entries are never edited: their personal values expire with their key."""
        for use in keys.key_usage():
            when = keys.retirable_on(use)
            if when is None:
                state = _("在用")
            elif when <= day:
                state = _("可以停用：fangkong retire-field-key %(k)s") % {"k": use.key_id}
            else:
                state = _("%(d)s 起可停用") % {"d": when.isoformat()}
            self.stdout.write(
                _("加密密钥 %(k)s：现有数据 %(live)d 行，审计条目 %(audit)d 条；%(state)s")
                % {
                    "k": use.key_id,
                    "live": use.live_rows,
                    "audit": use.audit_entries,
                    "state": state,
                }
            )

    def _date(self, value: str | None) -> dt.date:
        if not value:
            return timezone.localdate()
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD，例如 2021-06-30")) from None


def _date_text(value) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()
