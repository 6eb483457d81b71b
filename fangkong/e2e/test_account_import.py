"""批量导入账号 in a real browser: from the account list to the upload, the preview (with the
logins it will make from names), the import,
the one download of the initial passwords, and a new account's first sign-in."""

import openpyxl
import pytest

from fangkong.accounts.models import User

from .conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_street_opens_accounts_from_its_list_and_hands_over_the_passwords(
    page, live_server, city, tmp_path
):
    areas, _users = city
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "登录名", "角色", "所属网格/社区", "手机号"])
    ws.append(["张三", "", "网格员", areas["grid_a"].name, ""])
    ws.append(["李四", "", "社区", areas["community"].name, ""])
    path = tmp_path / "人员名单.xlsx"
    wb.save(path)

    login(page, live_server, "street")
    page.goto(f"{live_server.url}/accounts/users/")
    page.click("text=批量导入账号")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=area]", str(areas["street"].pk))
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("text=确认导入")
    assert page.inner_text("[data-count=created]") == "2"
    assert not User.objects.filter(username="zhangsan").exists()  # the preview wrote nothing
    # The logins it will make from the names are shown before anything is written.
    rows = page.locator("[data-field=generated-logins] tbody tr").all_inner_texts()
    assert [r.split() for r in rows] == [["2", "张三", "zhangsan"], ["3", "李四", "lisi"]]
    shot(page, "account-import-preview-logins")
    page.click("text=确认导入")
    page.wait_for_selector("text=下载初始密码表")
    shot(page, "account-import-result")
    assert set(
        User.objects.filter(full_name__in=["张三", "李四"]).values_list("username", flat=True)
    ) == {"zhangsan", "lisi"}

    with page.expect_download() as download:
        page.click("text=下载初始密码表")
    with open(download.value.path(), "rb") as fh:
        sheet = openpyxl.load_workbook(fh).active
    passwords = {r[0]: r[2] for r in sheet.iter_rows(min_row=2, max_row=3, values_only=True)}
    assert sorted(passwords) == ["lisi", "zhangsan"]
    page.reload()
    assert page.locator("text=下载初始密码表").count() == 0  # once only

    # The grid worker signs in with the sheet's password and must choose a new one first.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=password]", passwords["zhangsan"])
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert "/password/" in page.url
