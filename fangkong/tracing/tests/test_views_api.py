"""Tracing pages and API: the case page after tracing, confirm/dismiss, quarantine, the chain
(SVG and Excel) with masked names, and scoping across grids."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.core.personal import mask_name
from fangkong.health.models import Assignment
from fangkong.tracing.models import Contact, Exposure
from fangkong.tracing.services import trace_case

from .conftest import t


@pytest.fixture
def traced(city, users):
    p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    return p, case


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_case_page_lists_contacts_with_venue_and_times(client, traced, users):
    _p, case = traced
    client.force_login(users["command"])
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "重叠者" in page and "海棠农贸市场" in page
    assert "共处 10 分钟" in page
    # 窗口边缘 left 30 minutes before the case came: not "共处 0 分钟".
    assert "未同时在场，相隔 30 分钟" in page
    assert "共处 0 分钟" not in page
    assert "次密接者" in page
    assert reverse("tracing:case_chain_svg", args=[case.pk]) in page


def test_trace_confirm_dismiss_and_quarantine_through_the_pages(
    client, city, users, django_capture_on_commit_callbacks
):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    client.post(reverse("tracing:case_trace", args=[case.pk]), {"window_minutes": ""})
    b = Contact.objects.get(case=case, resident__name="重叠者")
    c = Contact.objects.get(case=case, resident__name="窗口边缘")
    client.post(reverse("tracing:contact_confirm", args=[b.pk]))
    r = client.post(reverse("tracing:contact_dismiss", args=[c.pk]), {"reason": ""}, follow=True)
    assert "排除接触者须填写原因" in r.content.decode()
    client.post(reverse("tracing:contact_dismiss", args=[c.pk]), {"reason": "全程佩戴N95"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tracing:case_quarantine", args=[case.pk]),
            {"contacts": [b.pk, c.pk], "kind": "home_quarantine", "days": 14, "place": ""},
        )
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.state, c.state) == ("confirmed", "dismissed")
    # c is dismissed: the whole action is refused and nothing is written.
    assert not Assignment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tracing:case_quarantine", args=[case.pk]),
            {"contacts": [b.pk], "kind": "home_quarantine", "days": 14, "place": ""},
        )
    assert Assignment.objects.get().resident_id == b.resident_id


def test_bad_quarantine_days_and_window_are_named_in_the_message(client, traced, users):
    _p, case = traced
    client.force_login(users["command"])
    b = Contact.objects.get(case=case, resident__name="重叠者")
    r = client.post(
        reverse("tracing:case_quarantine", args=[case.pk]),
        {"contacts": [b.pk], "kind": "home_quarantine", "days": 40, "place": ""},
        follow=True,
    )
    messages = [str(m) for m in r.context["messages"]]
    assert messages == ["自末次暴露起隔离天数：确保该值小于或等于28。"]
    assert not Assignment.objects.exists()
    r = client.post(
        reverse("tracing:case_trace", args=[case.pk]), {"window_minutes": "2000"}, follow=True
    )
    messages = [str(m) for m in r.context["messages"]]
    assert messages == ["时间窗口（分钟）：确保该值小于或等于1440。"]


def test_chain_svg_and_export_mask_names(client, traced, users):
    _p, case = traced
    client.force_login(users["command"])
    svg = client.get(reverse("tracing:case_chain_svg", args=[case.pk]))
    assert svg["Content-Type"].startswith("image/svg+xml")
    text = svg.content.decode()
    assert mask_name("重叠者") in text and "重叠者" not in text
    assert "海棠农贸市场" in text
    xlsx = client.get(reverse("tracing:case_chain_export", args=[case.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    body = [r for r in rows[1:] if any(r)]
    assert len(body) == Exposure.objects.filter(contact__case=case).count() == 6
    assert all("重叠者" not in str(cell) for r in rows for cell in r)


def test_the_command_office_exports_the_chain_with_full_names_for_a_stated_purpose(
    client, traced, users
):
    """协查 with another district needs the people's names: the chain export was masked for
    everyone, so "任*" and "任*" could not be told apart. The command office exports it in
    full with a purpose, audited; a street keeps the masked export only."""
    from fangkong.core.models import AuditEntry

    _p, case = traced
    url = reverse("tracing:case_chain_export", args=[case.pk])
    client.force_login(users["street"])
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "导出传播链" in page and "导出未脱敏传播链" not in page
    assert client.post(url, {"purpose": "协查"}).status_code == 403
    client.force_login(users["command"])
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "导出未脱敏传播链" in page
    refused = client.post(url, {"purpose": " "}, follow=True)
    assert "导出未脱敏信息必须填写用途" in refused.content.decode()
    xlsx = client.post(url, {"purpose": "发往西区协查"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert any("重叠者" in str(cell) for r in rows for cell in r)
    entry = AuditEntry.objects.filter(action="export").order_by("-id").first()
    assert entry.reason == "发往西区协查"


def test_scoping_on_pages_and_api(client, traced, users):
    _p, case = traced
    client.force_login(users["grid_c"])
    assert client.get(reverse("tracing:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("tracing:case_chain_svg", args=[case.pk])).status_code in (403, 404)
    assert api(users["grid_c"]).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    # A grid-B worker sees the contacts living in grid B only.
    names = {
        row["resident_name"]
        for row in api(users["grid_b"]).get("/api/v1/contacts/").json()["results"]
    }
    assert names == {mask_name("重叠者"), mask_name("密接同住")}
    client.force_login(users["grid_b"])
    page = client.get(reverse("tracing:contact_list")).content.decode()
    assert "重叠者" in page and "次密接者" not in page and "同住者" not in page
    # The case lives in grid A: its page is not offered to the grid-B worker as a link.
    assert reverse("tracing:case_detail", args=[case.pk]) not in page
    client.force_login(users["community"])
    page = client.get(reverse("tracing:contact_list")).content.decode()
    assert f'<a href="{reverse("tracing:case_detail", args=[case.pk])}">' in page


def test_api_trace_chain_and_dismiss(city, users):
    _p, _v, _w, case = city
    c = api(users["command"])
    r = c.post(f"/api/v1/cases/{case.pk}/trace/", {"window_minutes": 30}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["close"] == 4 and r.json()["secondary"] == 2
    chain = c.get(f"/api/v1/cases/{case.pk}/chain/").json()
    assert len(chain["nodes"]) == 7 and len(chain["edges"]) == 6
    assert all(n["name"] != "重叠者" for n in chain["nodes"])
    contact = Contact.objects.get(case=case, resident__name="重叠者")
    bad = c.post(f"/api/v1/contacts/{contact.pk}/dismiss/", {}, format="json")
    assert bad.status_code == 400
    ok = c.post(f"/api/v1/contacts/{contact.pk}/dismiss/", {"reason": "误报"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "dismissed"
    detail = c.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert detail["exposures"][0]["venue_name"] == "海棠农贸市场"


def test_named_contact_survives_tracing_again(client, city, users):
    p, _v, _w, case = city
    client.force_login(users["command"])
    url = reverse("tracing:case_contact_add", args=[case.pk])
    bad = client.post(url, {"id_number": p["D"].id_number, "last_exposure": "", "reason": ""})
    assert bad.status_code == 200 and not Contact.objects.exists()
    r = client.post(
        url,
        {"id_number": p["D"].id_number, "last_exposure": "2022-03-08", "reason": "同车出行"},
    )
    assert r.status_code == 302
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    named = Contact.objects.get(case=case, resident=p["D"])
    assert (named.degree, named.state) == ("close", "suspected")
    assert [e.kind for e in named.exposures.all()] == ["named"]


def test_dismissing_a_quarantined_contact_says_the_quarantine_still_runs(
    client, traced, users, django_capture_on_commit_callbacks
):
    """The quarantine is its own fact: dismissing the contact leaves it running (red, 隔离中)
    and the page says so, so staff release it where that is decided."""
    _p, case = traced
    b = Contact.objects.get(case=case, resident__name="重叠者")
    client.force_login(users["command"])
    client.post(reverse("tracing:contact_confirm", args=[b.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("tracing:case_quarantine", args=[case.pk]),
            {"contacts": [b.pk], "kind": "home_quarantine", "days": 14, "place": ""},
        )
    r = client.post(
        reverse("tracing:contact_dismiss", args=[b.pk]), {"reason": "身份误匹配"}, follow=True
    )
    body = r.content.decode()
    assert "已排除接触者" in body
    assert "该居民仍在居家隔离中" in body and "请在其隔离安排中办理解除" in body
    assert Assignment.objects.get(resident=b.resident).state == "active"


def test_contacts_already_in_quarantine_are_marked_and_not_offered_again(
    client, traced, users, django_capture_on_commit_callbacks
):
    """A confirmed contact already quarantined (for this case or another) shows 隔离中 with
    its end, and no box to tick; once all are, 转隔离 is not offered at all."""
    from fangkong.tracing.services import confirm_contact, quarantine_contacts

    _p, case = traced
    command = users["command"]
    b = Contact.objects.get(case=case, resident__name="重叠者")
    k = Contact.objects.get(case=case, resident__name="早到未走")
    for contact in (b, k):
        confirm_contact(actor=command, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        [made] = quarantine_contacts(
            actor=command, case=case, contacts=[b], kind="central_quarantine"
        )
    client.force_login(command)
    url = reverse("tracing:case_detail", args=[case.pk])
    page = client.get(url).content.decode()
    assert f"集中隔离中 至 {made.end_date:%m-%d}" in page
    assert f'name="contacts" value="{b.pk}"' not in page
    assert f'name="contacts" value="{k.pk}"' in page
    assert reverse("tracing:case_quarantine", args=[case.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        quarantine_contacts(actor=command, case=case, contacts=[k], kind="home_quarantine")
    page = client.get(url).content.decode()
    assert 'name="contacts"' not in page
    assert reverse("tracing:case_quarantine", args=[case.pk]) not in page


def test_a_secondary_contacts_reasons_name_the_close_contact_they_met(client, traced, users):
    """次密接: the page says through whom — the close contact met at the venue or lived with —
    where a close contact's reason is always the case itself."""
    _p, case = traced
    client.force_login(users["command"])
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "迷阳超市：重叠者 " in page  # G met B there
    assert "同住（重叠者）" in page  # H lives with B
    assert "海棠农贸市场：来源 " in page  # B met the case


def test_the_case_page_shows_why_a_contact_was_named_and_why_one_was_dismissed(
    client, traced, users
):
    from fangkong.tracing.services import dismiss_contact, name_contact

    p, case = traced
    command = users["command"]
    name_contact(
        actor=command,
        case=case,
        resident=p["D"],
        last_exposure=datetime.date(2022, 3, 8),
        reason="同车出行，坐副驾驶",
    )
    c = Contact.objects.get(case=case, resident=p["C"])
    dismiss_contact(actor=command, contact=c, reason="全程佩戴N95口罩")
    client.force_login(command)
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "流调指认：同车出行，坐副驾驶" in page
    assert "排除原因：全程佩戴N95口罩" in page
