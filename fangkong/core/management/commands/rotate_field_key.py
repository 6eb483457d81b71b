"""``fangkong rotate-field-key``: a new current key; every live personal field re-encrypted."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.core.keys import FieldKeyError, rotate_field_key


class Command(BaseCommand):
    help = "Add a field key, make it current and re-encrypt all live personal data with it."

    def handle(self, *args, **options):
        try:
            key_id, counts = rotate_field_key()
        except FieldKeyError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            _("新密钥 %(k)s 已启用，重新加密 %(n)d 行") % {"k": key_id, "n": sum(counts.values())}
        )
        self.stdout.write(
            _(
                "请立即另行备份新的 secrets.json；旧密钥仅用于审计日志和扫码记录，"
                "到期后用 fangkong retire-field-key 停用"
            )
        )
        self.stdout.write(
            _(
                "请立即重启 fangkong serve（或 gunicorn）和 fangkong worker：它们启动时读入的"
                "密钥中没有新密钥，在重启前读不出重新加密的数据"
            )
        )
