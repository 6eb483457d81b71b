"""A site's first day: no area yet, and a system administrator looking around."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from fangkong.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "a@example.invalid", "pw-tests"))
    return client


def test_the_dashboard_of_an_empty_site_sends_the_administrator_to_build_the_areas(admin_client):
    """Not the 403 page telling the administrator to ask their administrator."""
    r = admin_client.get(reverse("dashboard:dashboard"))

    assert (r.status_code, r["Location"]) == (302, reverse("areas:area_tree"))
    assert [str(m) for m in get_messages(r.wsgi_request)] == [
        "还没有任何区域：请先建立区域网格，看板按区域统计"
    ]


def test_the_empty_area_tree_says_how_to_start_it(admin_client):
    body = admin_client.get(reverse("areas:area_tree")).content.decode()

    assert 'data-empty="areas"' in body
    assert "不需要上级区域" in body
    assert "fangkong import-areas 文件.xlsx --user 您的用户名" in body
    assert "点击三角形展开下级区域" not in body


def test_an_account_without_an_area_is_told_so_on_the_tree(client, areas):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    client.force_login(make_user(Role.LEADER, None, username="noarea"))

    body = client.get(reverse("areas:area_tree")).content.decode()

    assert "您的账号还没有设置所属区域，请联系管理员。" in body
    assert "import-areas" not in body


def test_the_administrator_is_named_as_such_not_as_a_read_only_leader(admin_client):
    """``createsuperuser`` leaves the role field at its default, 领导(只读)."""
    home = admin_client.get(reverse("home")).content.decode()
    profile = admin_client.get(reverse("accounts:profile")).content.decode()
    accounts = admin_client.get(reverse("accounts:user_list")).content.decode()

    assert '<span class="text-body-secondary">系统管理员</span>' in home
    assert '<dd class="col-8">系统管理员</dd>' in profile
    rows = accounts[accounts.index("<tbody") :]
    assert "系统管理员" in rows and "领导(只读)" not in rows
    assert "领导(只读)" not in home and "领导(只读)" not in profile
