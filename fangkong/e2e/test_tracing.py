"""The case page at PC width (流调): trace a case, confirm a contact, quarantine, the chain."""

import datetime

import pytest
from playwright.sync_api import expect

from fangkong.core.testing import factories
from fangkong.health.models import Assignment
from fangkong.status.clock import at_local
from fangkong.status.testing import make_household, make_resident
from fangkong.tracing.models import Contact
from fangkong.tracing.services import create_case
from fangkong.tracing.testing import make_venue, visit

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser

D = datetime.date(2022, 3, 10)


@pytest.fixture
def case(transactional_db):
    """Case 病例甲 at the market 09:00–10:00; 重叠者 came at 09:50 for ten minutes."""
    areas = factories.build_city()
    users = factories.build_users(areas)
    a = make_resident(
        areas["grid_a"], name="病例甲", household=make_household(areas["grid_a"], "1")
    )
    b = make_resident(areas["grid_b"], name="重叠者")
    market = make_venue(areas["grid_a"], "海棠农贸市场")
    visit(a, market, at_local(D - datetime.timedelta(days=2), 9), 60)
    visit(
        b, market, at_local(D - datetime.timedelta(days=2), 9) + datetime.timedelta(minutes=50), 10
    )
    return create_case(
        actor=users["command"],
        resident=a,
        kind="confirmed",
        confirmed_at=at_local(D, 10),
        onset_date=D - datetime.timedelta(days=1),
        code="C-12",
    )


def test_trace_confirm_quarantine_and_chain_at_pc_width(page, live_server, case):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    assert page.locator("main h1").inner_text().startswith("C-12")

    # 开始追踪: the contact appears as 待核实 with the venue and the overlap.
    with page.expect_navigation():
        page.click("main form[action$='/trace/'] button[type=submit]")
    row = page.locator("main tr", has_text="重叠者")
    row.wait_for()
    assert "海棠农贸市场" in row.inner_text() and "共处 10 分钟" in row.inner_text()

    # 确认 → the one-action quarantine form offers the confirmed contact.
    with page.expect_navigation():
        row.locator("form[action$='/confirm/'] button").click()
    page.locator("#quarantine-form").wait_for()
    contact = Contact.objects.get(case=case, resident__name="重叠者")
    assert contact.state == "confirmed"
    page.check(f"input[name=contacts][value='{contact.pk}']")
    page.select_option("#quarantine-form select[name=kind]", "home_quarantine")
    with page.expect_navigation():
        page.click("#quarantine-form button[type=submit]")
    assert "已为 1 名接触者安排隔离" in page.locator(".alert-success").inner_text()
    assert Assignment.objects.get().resident_id == contact.resident_id

    # The chain graph is drawn (an SVG image that loaded) and the page fits the screen.
    graph = page.locator("main img[src$='/chain.svg']")
    graph.scroll_into_view_if_needed()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", graph.element_handle())
    no_sideways_scroll(page)
    shot(page, "tracing-case-pc")


def test_discharge_from_the_case_page_on_a_phone(page, live_server, case):
    """治愈/出院 by touch: the confirm dialog is answered, the case leaves care and the page
    says so; the form is gone once recorded."""
    from fangkong.tracing.models import Case

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    form = page.locator("main form[action$='/discharge/']")
    form.locator("select[name=status]").select_option("discharged")
    form.locator("input[name=discharged_at]").fill("2022-03-24T09:30")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert asked == ["确定登记该病例治愈/出院？"]
    assert "已登记病例治愈/出院" in page.locator(".alert-success").inner_text()
    assert page.locator("main form[action$='/discharge/']").count() == 0
    assert Case.objects.get(pk=case.pk).status == "discharged"
    no_sideways_scroll(page)


def test_voiding_a_case_recorded_in_error_on_a_phone(page, live_server, case):
    """撤销病例 by touch: the form is folded away until opened, the confirm dialog is answered,
    the case is voided with its reason shown, and nothing more can be done to it."""
    from fangkong.tracing.models import Case

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    form = page.locator("main form[action$='/void/']")
    assert not form.is_visible()
    page.locator("main details summary", has_text="撤销病例").click()
    form.locator("input[name=reason]").fill("复核结果为阴性")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert asked and asked[0].startswith("确定撤销该病例？")
    assert "已撤销病例 C-12" in page.locator(".alert-success").inner_text()
    assert "复核结果为阴性" in page.locator("main").inner_text()
    for action in ("void", "trace", "discharge"):
        assert page.locator(f"main form[action$='/{action}/']").count() == 0
    assert Case.objects.get(pk=case.pk).status == "voided"
    no_sideways_scroll(page)
    shot(page, "tracing-case-voided-phone")


def test_long_reasons_wrap_and_the_actions_stay_on_screen_at_pc_width(page, live_server, case):
    """A contact met at several venues has several lines of 判定依据: they wrap in their
    column, so 确认/排除 stay in view instead of scrolling off to the right."""
    from fangkong.tracing.services import trace_case

    resident = case.resident
    other = make_resident(resident.area, name="多处重叠")
    for hour in (9, 11, 14, 16):
        venue = make_venue(resident.area, f"仁和区老街社区第{hour}号综合农贸批发市场")
        start = at_local(D - datetime.timedelta(days=1), hour)
        visit(resident, venue, start, 60)
        visit(other, venue, start + datetime.timedelta(minutes=65), 30)  # 5 min after: apart
    trace_case(actor=_command(), case=case)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    row = page.locator("main tr", has_text="多处重叠")
    assert "相隔 5 分钟" in row.inner_text()
    overflow = page.evaluate(
        "[...document.querySelectorAll('main .table-responsive')]"
        ".map(el => el.scrollWidth - el.clientWidth)"
    )
    assert max(overflow) <= 0
    assert row.locator("form[action$='/confirm/'] button").is_visible()
    shot(page, "tracing-case-long-reasons")


def _command():
    from fangkong.accounts.models import User

    return User.objects.get(username="command")


def test_dismissing_keeps_why_the_contact_was_named(page, live_server, case):
    """排除 with a reason: the row still says why the person was a contact (the overlap at the
    market), and beside it why staff dismissed them."""
    from fangkong.tracing.services import trace_case

    trace_case(actor=_command(), case=case)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    row = page.locator("main tr", has_text="重叠者")
    row.locator("form[action$='/dismiss/'] input[name=reason]").fill("当天未到该市场")
    with page.expect_navigation():
        row.locator("form[action$='/dismiss/'] button").click()
    row = page.locator("main tr", has_text="重叠者")
    text = row.inner_text()
    assert "海棠农贸市场" in text and "共处 10 分钟" in text
    assert "排除原因：当天未到该市场" in text
    contact = Contact.objects.get(case=case, resident__name="重叠者")
    assert (contact.state, contact.state_note) == ("dismissed", "当天未到该市场")
    assert contact.reason.startswith("系统追踪：")


def test_an_unregistered_visitor_is_registered_and_named_on_a_phone(page, live_server, case):
    """同场未登记人员 by touch: a visitor who scanned in beside the case without being in the
    registry shows masked; 登记并列为密接 with the grid makes them a resident and a close
    contact to verify, and the row says so."""
    from fangkong.areas.models import Area
    from fangkong.core.testing.factories import make_id_number
    from fangkong.registry.models import Resident
    from fangkong.tracing.testing import visitor_visit
    from fangkong.venues.models import Venue

    number = make_id_number(birth=datetime.date(1990, 4, 5))
    market = Venue.objects.get(name="海棠农贸市场")
    start = at_local(D - datetime.timedelta(days=2), 9) + datetime.timedelta(minutes=20)
    visitor_visit(market, start, 15, name="外地访客", id_number=number, phone="13911112222")
    grid = Area.objects.get(pk=case.resident.area_id)

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    row = page.locator("main tr", has_text="海棠农贸市场：来源")
    row.wait_for()
    text = row.inner_text()
    assert number not in text and "13911112222" not in text  # masked
    assert "共处 15 分钟" in text
    with page.expect_navigation():
        row.locator("a", has_text="登记并列为密接").click()
    assert number not in page.content()  # the visitor's own page: masked too
    form = page.locator("main form")
    form.locator("select[name=area]").select_option(str(grid.pk))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已登记为居民并列为密切接触者" in page.locator(".alert-success").inner_text()
    resident = Resident.objects.get(name="外地访客")
    assert resident.area_id == grid.pk and resident.id_number == number
    contact = Contact.objects.get(case=case, resident=resident)
    assert contact.degree == "close" and contact.state == "suspected"
    assert page.locator("main tr", has_text="已列为接触者").count() == 1
    no_sideways_scroll(page)


def test_a_voided_cases_quarantine_is_reviewed_from_the_home_page_on_a_phone(
    page, live_server, case
):
    """A case voided after its contact went into quarantine: the community's secretary finds
    the quarantine from the home page's to-do, reads why on its page and ends it early."""
    from fangkong.accounts.models import User
    from fangkong.tracing.services import confirm_contact, quarantine_contacts, trace_case

    command = User.objects.get(username="command")
    trace_case(actor=command, case=case, now=at_local(D, 12))
    contact = confirm_contact(
        actor=command, contact=Contact.objects.get(case=case, resident__name="重叠者")
    )
    (held,) = quarantine_contacts(
        actor=command, case=case, contacts=[contact], kind="home_quarantine"
    )

    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    page.locator("main details summary", has_text="撤销病例").click()
    form = page.locator("main form[action$='/void/']")
    form.locator("input[name=reason]").fill("标本登记错人")
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "由此安排的 1 项隔离仍在执行" in page.locator(".alert-success").inner_text()

    page.context.clear_cookies()
    login(page, live_server, "community")
    todo = page.locator("#home-todos [data-todo=source_voided]")
    assert todo.inner_text().split() == ["隔离来源病例已撤销，待评估", "1"]
    with page.expect_navigation():
        todo.click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    assert "C-12（已撤销）" in rows.first.inner_text()
    with page.expect_navigation():
        rows.first.locator("a").first.click()
    warning = page.locator("[data-source-voided]")
    assert "该病例已于" in warning.inner_text() and "标本登记错人" in warning.inner_text()
    no_sideways_scroll(page)
    shot(page, "health-assignment-source-voided-phone")
    page.locator("textarea[name=note]").fill("与本人核实，病例系登记错误")
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("form[action$='/release/'] button[type=submit]").click()
    assert page.locator("[data-source-voided]").count() == 0
    held.refresh_from_db()
    assert held.state == "released"
    page.goto(f"{live_server.url}/")
    assert page.locator("#home-todos [data-todo=source_voided]").count() == 0
