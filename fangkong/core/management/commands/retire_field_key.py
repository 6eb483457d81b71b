"""``fangkong retire-field-key ID``: destroy an old key (crypto-shreds old audit values)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.core.keys import FieldKeyError, retire_field_key


class Command(BaseCommand):
    help = "Delete an old field key once only expired audit entries still use it."

    def add_arguments(self, parser):
        parser.add_argument("key_id", help="the key id (see purge-expired --dry-run)")

    def handle(self, *args, key_id, **options):
        try:
            retire_field_key(key_id)
        except FieldKeyError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            _("密钥 %(k)s 已停用：审计日志中用它加密的个人信息已无法读取，审计链不受影响")
            % {"k": key_id}
        )
