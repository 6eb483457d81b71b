"""What ``fangkong serve`` prints when it starts, on a site with and without the demo."""

from io import StringIO

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.areas.choices import AreaLevel
from fangkong.core.management.commands.serve import Command
from fangkong.core.testing.factories import area, make_user

pytestmark = pytest.mark.django_db


def _banner() -> str:
    out = StringIO()
    Command(stdout=out).banner("127.0.0.1", 8000, None)
    return out.getvalue()


def test_a_sites_own_admin_is_not_shown_as_a_demo_account(settings, tmp_path):
    """A county set up without the demo (``createsuperuser`` admin, its own tree): the banner
    neither calls its administrator a demo account nor sends it to ``load-demo``, which would
    load the demo city into its data and give that administrator a new password."""
    settings.VAR_DIR = tmp_path
    county = area("510421", "米易县", AreaLevel.DISTRICT, area("510400", "攀枝花市", 2))
    User.objects.create_superuser("admin", "a@example.invalid", "pw-for-tests-only")
    make_user(Role.COMMAND, county, username="command")

    banner = _banner()

    assert "演示账号" not in banner
    assert "load-demo" not in banner
    assert "admin " not in banner


def test_the_demo_accounts_are_still_listed_where_the_demo_put_them(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    city = area("510400", "攀枝花市", AreaLevel.CITY)
    make_user(Role.COMMAND, city, username="admin", superuser=True)
    make_user(Role.LEADER, city, username="leader")

    lines = _banner().splitlines()

    assert "演示账号（每个角色一个）：" in lines
    assert "  admin      系统管理员 · 攀枝花市" in lines
    assert "  leader     领导(只读) · 攀枝花市" in lines
    assert "密码文件不存在：运行 fangkong load-demo --reset-passwords 重新生成" in lines
