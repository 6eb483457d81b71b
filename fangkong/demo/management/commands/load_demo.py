from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.demo.accounts import accounts_file, role_label
from fangkong.demo.loader import load_demo


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Load the demo city (攀枝花市: real districts, streets and communities; generated "
        "residents) and one account per role. Running it again adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents", type=_positive, default=20_000, help="how many residents (20000)"
        )
        parser.add_argument("--seed", type=int, default=2020, help="random seed (2020)")
        parser.add_argument(
            "--communities-per-street",
            type=_positive,
            default=4,
            help="communities taken from each street's list (4)",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="give every demo account a new password",
        )

    def handle(self, *args, **options):
        if options["communities_per_street"] < 1:
            raise CommandError(_("每个街道至少需要 1 个社区"))
        result = load_demo(
            residents=options["residents"],
            seed=options["seed"],
            communities_per_street=options["communities_per_street"],
            reset_passwords=options["reset_passwords"],
        )
        totals, created = result.totals, result.created
        if result.changed or any(r.password for r in result.accounts):
            self.stdout.write(
                _(
                    "演示数据已加载（%(s).1f 秒）：新增区域 %(a)d 个、楼栋 %(b)d 栋、户 %(h)d 户、"
                    "居民 %(r)d 人、账号 %(u)d 个，审计日志 %(e)d 条。"
                )
                % {
                    "s": result.seconds,
                    "a": created["areas"],
                    "b": created["buildings"],
                    "h": created["households"],
                    "r": created["residents"],
                    "u": created["accounts"],
                    "e": result.audit_entries,
                }
            )
        else:
            self.stdout.write(_("演示数据已存在，未做改动。"))
        self.stdout.write(
            _("演示城市现有：区域 %(a)d 个、楼栋 %(b)d 栋、户 %(h)d 户、居民 %(r)d 人。")
            % {
                "a": totals["areas"],
                "b": totals["buildings"],
                "h": totals["households"],
                "r": totals["residents"],
            }
        )
        new_passwords = [r for r in result.accounts if r.password]
        if new_passwords:
            self.stdout.write(
                _("演示账号（密码只在此显示一次，并保存在 %(f)s）：") % {"f": accounts_file()}
            )
            for r in new_passwords:
                area = r.user.area.full_name() if r.user.area_id else ""
                self.stdout.write(
                    f"  {r.user.username:<10} {r.password}  {role_label(r.user)} · {area}"
                )
        else:
            self.stdout.write(_("演示账号的密码保存在 %(f)s") % {"f": accounts_file()})
