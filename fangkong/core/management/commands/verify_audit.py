from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.core.audit import verify_chain

PROBLEMS = {
    "prev_hash": "与前一条目的哈希不衔接（前一条目或本条被改动/删除）",
    "hash": "内容与哈希不符（本条目被改动）",
    "head": "链头与最后一条目不符（最新条目被删除或链头被改动）",
}


class Command(BaseCommand):
    help = "Re-check the audit log's hash chain and name the first broken entry."

    def handle(self, *args, **options):
        result = verify_chain()
        if result.ok:
            self.stdout.write(_("审计链完整：已校验 %(n)d 条记录") % {"n": result.checked})
            return
        raise CommandError(
            _("审计链在编号 %(id)s 的记录处断开：%(problem)s（此前 %(n)d 条完好）")
            % {"id": result.broken_id, "problem": _(PROBLEMS[result.problem]), "n": result.checked},
            returncode=3,
        )
