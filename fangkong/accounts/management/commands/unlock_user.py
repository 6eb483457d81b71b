"""``fangkong unlock-user <username>``: clear a sign-in lock from the server's console."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.accounts.security import unlock_user


class Command(BaseCommand):
    help = "解除账号的登录锁定 / clear an account's sign-in lock (audited)"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="superuser performing the unlock")
        parser.add_argument("--reason", default="")

    def handle(self, username, by, reason, **options):
        try:
            actor = User.objects.get(username=by, is_superuser=True)
        except User.DoesNotExist:
            raise CommandError(
                _("--by 须为系统管理员（超级用户）的用户名：%(name)s") % {"name": by}
            ) from None
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(_("没有用户名为 %(name)s 的账号") % {"name": username}) from None
        unlock_user(actor=actor, user=user, reason=reason)
        self.stdout.write(_("已解除 %(name)s 的登录锁定") % {"name": username})
