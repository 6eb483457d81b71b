"""账号管理 in a real browser: the command office opens a grid worker's account, its holder
must set their own password first, a reset password is shown once and must be changed again,
a stopped account's open session ends, and a community cannot open an account above its own
role even by editing the page."""

import re

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User

from .conftest import login, shot

pytestmark = pytest.mark.browser


def _sign_in(pg, live_server, username: str, password: str) -> None:
    pg.goto(f"{live_server.url}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    pg.click("main form button[type=submit]")
    pg.wait_for_url(lambda url: "/login" not in url)


def _open_account(pg, live_server, areas) -> str:
    """The command office opens 网格员 wangxiao for 第一网格; returns the password shown."""
    pg.goto(f"{live_server.url}/accounts/users/")
    pg.click("main a[href$='/accounts/users/add/']")
    pg.fill("#id_username", "wangxiao")
    pg.fill("#id_full_name", "王小网")
    pg.select_option("#id_role", Role.GRID_WORKER)
    pg.select_option("#id_area", str(areas["grid_a"].pk))
    pg.click("main form button[type=submit]")
    assert "账号已开设" in pg.inner_text("h1")
    assert pg.inner_text("[data-field=username]") == "wangxiao"
    password = pg.inner_text("[data-field=password]").strip()
    assert len(password) >= 8
    return password


def test_a_new_grid_worker_changes_the_password_then_is_reset_and_stopped(
    browser, page, live_server, city
):
    areas, _users = city
    login(page, live_server, "command")
    first = _open_account(page, live_server, areas)
    shot(page, "accounts-created")
    account = User.objects.get(username="wangxiao")
    assert (account.role, account.area, account.password_change_required) == (
        Role.GRID_WORKER,
        areas["grid_a"],
        True,
    )
    assert first not in page.url

    # The grid worker, on a phone, signs in with it: only 修改密码 is reachable.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    worker = phone.new_page()
    worker.set_default_timeout(15_000)
    try:
        _sign_in(worker, live_server, "wangxiao", first)
        assert worker.url.endswith("/accounts/password/")
        worker.goto(f"{live_server.url}/registry/residents/")
        assert worker.url.endswith("/accounts/password/")
        worker.fill("#id_old_password", first)
        worker.fill("#id_new_password1", "Wangge-2026-xin")
        worker.fill("#id_new_password2", "Wangge-2026-xin")
        worker.click("main form button[type=submit]")
        assert "密码已修改" in worker.inner_text("body")
        worker.goto(f"{live_server.url}/registry/residents/")
        assert "/registry/residents/" in worker.url
        account.refresh_from_db()
        assert account.password_change_required is False

        # The worker forgot it: the command office resets it, shown once.
        page.goto(f"{live_server.url}/accounts/users/{account.pk}/")
        page.click("button:has-text('重置密码')")
        assert "密码已重置" in page.inner_text("h1")
        second = page.inner_text("[data-field=password]").strip()
        assert second and second != first
        worker.context.clear_cookies()
        _sign_in(worker, live_server, "wangxiao", second)
        assert worker.url.endswith("/accounts/password/")
        worker.fill("#id_old_password", second)
        worker.fill("#id_new_password1", "Wangge-2026-xin2")
        worker.fill("#id_new_password2", "Wangge-2026-xin2")
        worker.click("main form button[type=submit]")
        assert "密码已修改" in worker.inner_text("body")

        # The worker leaves: stopped with a reason, their open page is signed out.
        page.goto(f"{live_server.url}/accounts/users/{account.pk}/")
        page.fill("#id_deactivate_reason", "调离")
        page.click("button:has-text('停用账号')")
        assert page.inner_text("[data-field=is_active]") == "已停用"
        shot(page, "accounts-stopped")
        worker.goto(f"{live_server.url}/registry/residents/")
        assert "/login/" in worker.url
        worker.fill("input[name=username]", "wangxiao")
        worker.fill("input[name=password]", "Wangge-2026-xin2")
        worker.click("main form button[type=submit]")
        assert "/login/" in worker.url
    finally:
        phone.close()
    account.refresh_from_db()
    assert account.is_active is False


def test_a_community_cannot_open_an_account_above_its_own_role(page, live_server, city):
    areas, _users = city
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/accounts/users/add/")
    offered = page.eval_on_selector_all("#id_role option", "os => os.map(o => o.value)")
    assert Role.GRID_WORKER in offered
    assert Role.COMMAND not in offered and Role.STREET not in offered
    # Someone edits the page to send 指挥部 anyway: refused, nothing created.
    page.eval_on_selector(
        "#id_role",
        "(s, v) => { const o = document.createElement('option'); o.value = v; o.text = v;"
        " s.add(o); s.value = v; }",
        Role.COMMAND,
    )
    page.fill("#id_username", "shangji")
    page.select_option("#id_area", str(areas["community"].pk))
    page.click("main form button[type=submit]")
    assert re.search("选择一个有效的选项|您不能开设该角色的账号", page.inner_text("main"))
    assert not User.objects.filter(username="shangji").exists()
