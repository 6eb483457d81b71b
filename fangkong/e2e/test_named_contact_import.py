"""批量导入指认名单 in a real browser, at phone width: from the case page the community opens the
import, uploads the epidemiologists' list with its basis (指认依据), checks the preview,
confirms, and finds the named close contacts on the case page. No page scrolls sideways."""

import datetime

import openpyxl
import pytest

from fangkong.core.testing import factories
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Contact
from fangkong.tracing.services import create_case

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser

REASON = "PZH-003 流调报告（4月10日）"


def test_a_community_imports_a_cases_named_contacts_on_a_phone(
    page, live_server, transactional_db, tmp_path
):
    # Seeded here: browser tests run on a flushed database of their own.
    areas = factories.build_city()
    users = factories.build_users(areas)
    person = make_resident(areas["grid_a"], name="病例甲")
    named = [
        make_resident(areas["grid_a"], name="欧阳明月"),
        make_resident(areas["grid_b"], name="王五"),
    ]
    case = create_case(
        actor=users["command"],
        resident=person,
        kind="confirmed",
        confirmed_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1),
        code="PZH-003",
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["PZH-003 密切接触者名单"])  # the title row above the header
    ws.append(["序号", "姓名", "公民身份号码", "末次接触日期", "接触方式"])
    ws.append([1, named[0].name, named[0].id_number, "2022年4月8日", "同车出行"])
    ws.append([2, named[1].name, named[1].id_number, "2022-04-09", "同桌就餐"])
    path = tmp_path / "密接名单.xlsx"
    wb.save(path)

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    page.click(f"main a[href$='/tracing/cases/{case.pk}/contacts/import/']")
    page.wait_for_url(f"**/tracing/cases/{case.pk}/contacts/import/")
    no_sideways_scroll(page)
    page.fill("input[name=reason], textarea[name=reason]", REASON)
    page.set_input_files("input[name=file]", str(path))
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("[data-count=total]")
    no_sideways_scroll(page)
    assert page.inner_text("[data-count=created]") == "2"
    assert not Contact.objects.exists()  # the check wrote nothing
    shot(page, "named-contact-import-preview-phone")

    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成。")
    no_sideways_scroll(page)
    assert sorted(Contact.objects.values_list("reason", flat=True)) == [
        f"{REASON}；同桌就餐",
        f"{REASON}；同车出行",
    ]

    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    main = page.inner_text("main")
    assert "欧阳明月" in main and "王五" in main and "同车出行" in main
    no_sideways_scroll(page)
    shot(page, "named-contact-import-case-phone")
