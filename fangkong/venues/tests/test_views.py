"""Venue pages: list/export, detail with QR, poster PDF, checkpoint page, outings, and the
public scan page (colours, refusal, rate limit, no personal data in URLs)."""

import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.health.models import Assignment
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.venues import services
from fangkong.venues.models import OutingApproval, Scan


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_venue_list_is_scoped_and_exports(users, market, django_assert_max_num_queries):
    c = client_for(users["community"])
    c.get(reverse("venues:venue_list"))  # warm the session
    with django_assert_max_num_queries(10):
        r = c.get(reverse("venues:venue_list"))
    assert [o.name for o, _c in r.context["table"]] == ["海棠农贸市场"]
    r = client_for(users["grid_c"]).get(reverse("venues:venue_list"))
    assert list(r.context["table"]) == []
    r = client_for(users["community"]).get(reverse("venues:venue_list") + "?export=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    rows = [list(row) for row in wb.active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["场所名称", "场所类型", "所属区域"]
    assert rows[1][:3] == ["海棠农贸市场", "农贸市场", "海棠花语社区第一网格"]
    assert rows[1][rows[0].index("限流人数")] == 2  # a number, not text


def test_venue_detail_shows_qr_and_poster_is_a_pdf(users, market):
    c = client_for(users["grid_a"])
    r = c.get(reverse("venues:venue_detail", args=[market.pk]))
    assert r.status_code == 200
    assert f"/venues/s/{market.code}/" in r.context["scan_url"]
    assert r.context["qr_svg"].startswith("<svg")
    r = c.get(reverse("venues:venue_poster", args=[market.pk]))
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert (
        client_for(users["grid_c"])
        .get(reverse("venues:venue_detail", args=[market.pk]))
        .status_code
        == 404
    )


def test_a_flow_limited_venue_s_poster_asks_people_to_scan_when_leaving(
    users, market, checkpoint, monkeypatch
):
    """限流 counts who is inside from entries minus exits, but the poster asked for a scan on
    the way in only: exits went unrecorded, and by the afternoon the market was "full" and
    refused everyone. Its poster now asks for 登记离开 too; a venue without a limit's does
    not."""
    from reportlab.pdfgen.canvas import Canvas

    drawn = []
    draw = Canvas.drawCentredString
    monkeypatch.setattr(
        Canvas,
        "drawCentredString",
        lambda self, x, y, text, *a, **k: drawn.append(text) or draw(self, x, y, text, *a, **k),
    )
    c = client_for(users["community"])
    assert c.get(reverse("venues:venue_poster", args=[market.pk])).status_code == 200
    assert "本场所限流 2 人" in drawn and "离开时请再次扫码，点击“登记离开”" in drawn
    drawn.clear()
    c.get(reverse("venues:venue_poster", args=[checkpoint.pk]))
    assert drawn and "离开时请再次扫码，点击“登记离开”" not in drawn


def test_a_long_name_and_address_stay_on_the_poster(users, market, monkeypatch):
    """A 100-character name ran off both edges of the A4 sheet: it shrinks, then wraps to
    two lines; the address shrinks, then is cut with “…”."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    drawn = []
    draw = Canvas.drawCentredString

    def record(self, x, y, text, *a, **k):
        drawn.append((x, y, text, stringWidth(text, self._fontname, self._fontsize)))
        return draw(self, x, y, text, *a, **k)

    monkeypatch.setattr(Canvas, "drawCentredString", record)
    market.name = "攀枝花市仁和区" + "农贸综合市场" * 15 + "东门"
    market.address = "四川省攀枝花市仁和区" + "迤沙拉大道" * 38
    market.save(update_fields=["name", "address"])
    r = client_for(users["community"]).get(reverse("venues:venue_poster", args=[market.pk]))
    assert r.status_code == 200
    width = A4[0]
    assert all(x - w / 2 >= 0 and x + w / 2 <= width for x, _y, _t, w in drawn), drawn
    texts = [t for *_, t, _w in drawn]
    assert texts[1].startswith("攀枝花市仁和区农贸") and texts[2].endswith("…")
    assert texts[3].startswith("四川省攀枝花市仁和区") and texts[3].endswith("…")
    assert [t for t in texts if t.startswith("本场所限流")] == ["本场所限流 2 人"]


def test_the_poster_is_printed_in_the_platforms_language_whatever_the_printers(
    users, market, monkeypatch, compiled_locale
):
    """An English-speaking partner printed a market's QR poster: "Venue code", "Scan to
    register on entry…" went on the door of a Chinese market. What the public reads is in
    the platform's language; the staff member's own pages stay in English."""
    from django.conf import settings
    from reportlab.pdfgen.canvas import Canvas

    drawn = []
    draw = Canvas.drawCentredString
    monkeypatch.setattr(
        Canvas,
        "drawCentredString",
        lambda self, x, y, text, *a, **k: drawn.append(text) or draw(self, x, y, text, *a, **k),
    )
    c = client_for(users["community"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert c.get(reverse("venues:venue_poster", args=[market.pk])).status_code == 200
    assert "场所码" in drawn and "Venue code" not in drawn
    assert "本场所限流 2 人" in drawn
    page = c.get(reverse("venues:venue_detail", args=[market.pk])).content.decode()
    assert '<html lang="en">' in page


def test_venue_create_through_the_form(users, areas):
    r = client_for(users["community"]).post(
        reverse("venues:venue_add"),
        {"area": areas["grid_b"].pk, "name": "  ", "kind": "office", "active": "on"},
    )
    assert r.status_code == 200
    assert "场所名称不能为空" in r.content.decode() or r.context["form"].errors["name"]
    r = client_for(users["community"]).post(
        reverse("venues:venue_add"),
        {"area": areas["grid_b"].pk, "name": "社区办公室", "kind": "office", "capacity": "30"},
    )
    assert r.status_code == 302


# --- the public scan page ----------------------------------------------------------------


def test_public_page_needs_no_login_and_shows_the_form(market):
    r = Client().get(reverse("venues:public_scan", args=[market.code]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "海棠农贸市场" in body and "venues/scan.js" in body
    assert 'rel="icon"' in body  # else every phone asks for /favicon.ico, a 404
    assert "<script>" not in body  # no inline script
    assert r["Cache-Control"] == "no-store"


def test_a_visitor_switches_the_public_page_to_their_language(market):
    """The page a venue's poster opens has no navbar: it carries its own language choice,
    and the choice brings the visitor back to the same venue's form."""
    client = Client()
    url = reverse("venues:public_scan", args=[market.code])
    html = client.get(url).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    for code, name in (("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")):
        assert f'name="language" value="{code}" lang="{code}"' in html and name in html
    r = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert r.status_code == 302 and r["Location"] == url
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html and "Record entry" in html and "登记进入" not in html


def test_a_refused_green_code_is_not_shown_green(market, green):
    """A fever refuses a green code: staff glancing at the panel must not see green."""
    r = Client().post(
        reverse("venues:public_scan", args=[market.code]),
        {"name": "李青青", "id_number": green.id_number, "temperature": "37.5", "direction": "in"},
    )
    body = r.content.decode()
    assert 'data-admitted="no"' in body and 'data-colour="green"' in body
    assert "fk-admission-refused" in body and "fk-admission-green" not in body


def test_public_scan_green_admits_red_refuses(market, green, red):
    c = Client(enforce_csrf_checks=False)
    url = reverse("venues:public_scan", args=[market.code])
    r = c.post(
        url,
        {"name": "李青青", "id_number": green.id_number, "temperature": "36.5", "direction": "in"},
    )
    assert r.status_code == 200
    assert r.context["admission"].admitted is True
    body = r.content.decode()
    assert 'data-admitted="yes"' in body and 'data-colour="green"' in body and "准予通行" in body
    r = c.post(
        url, {"name": "欧阳明月", "phone": red.phone, "temperature": "36.5", "direction": "in"}
    )
    body = r.content.decode()
    assert 'data-admitted="no"' in body and 'data-colour="red"' in body
    assert "红码：感染者，治疗/隔离管理中" in body and "暂不能通行" in body
    assert Scan.objects.count() == 2


def test_a_red_code_leaving_is_not_shown_green_under_pass(market, red):
    """A red-code person tapping 登记离开 got a big green panel reading 红码 准予通行: a guard
    glancing at the phone saw green and "pass". An exit now says 已登记离开 in the code's
    own colour."""
    c = Client(enforce_csrf_checks=False)
    url = reverse("venues:public_scan", args=[market.code])
    r = c.post(
        url, {"name": "欧阳明月", "phone": red.phone, "temperature": "36.5", "direction": "out"}
    )
    panel = r.content.decode().split('<div class="fk-admission ')[1].split("</div>\n</div>")[0]
    assert panel.startswith("fk-admission-red")
    assert "已登记离开" in panel and "准予通行" not in panel
    assert Scan.objects.get().direction == "out"


def test_public_scan_needs_csrf_and_reports_field_errors(market):
    url = reverse("venues:public_scan", args=[market.code])
    r = Client(enforce_csrf_checks=True).post(url, {"name": "张三", "phone": "13800001111"})
    assert r.status_code == 403
    r = Client().post(url, {"name": "张三", "id_number": "123", "temperature": "36.5"})
    assert r.status_code == 400
    assert "身份证号应为 18 位，当前为 3 位" in r.content.decode()
    assert Scan.objects.count() == 0


def test_public_scan_is_rate_limited_per_client(market, settings):
    settings.FANGKONG_SCAN_RATE_PER_MINUTE = 2
    url = reverse("venues:public_scan", args=[market.code])
    c = Client()
    codes = [
        c.post(url, {"name": "张三", "phone": "13800001111", "temperature": "36.5"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(url, {"name": "张三", "phone": "13800001111", "temperature": "36.5"}).status_code
        == 200
    )
    assert Scan.objects.count() == 3


def test_unknown_venue_code_is_404(db):
    assert Client().get(reverse("venues:public_scan", args=["nope"])).status_code == 404


# --- checkpoint and outings --------------------------------------------------------------


def test_checkpoint_page_checks_then_records_with_identity_in_post_only(users, checkpoint, green):
    c = client_for(users["volunteer"])
    url = reverse("venues:checkpoint", args=[checkpoint.pk])
    r = c.post(url, {"action": "check", "id_number": green.id_number})
    body = r.content.decode()
    assert r.context["admission"].check.colour == "green"
    assert "48 小时内无核酸阴性结果" in body  # NAT required at this checkpoint
    assert 'data-admitted="no"' in body
    assert green.id_number not in r.request["PATH_INFO"]
    # The typed number is not left in the lookup field for the queue to read: it travels on
    # in the record form's hidden fields only.
    lookup = body.split('name="action" value="check"')[1].split("</form>")[0]
    assert green.id_number not in lookup
    assert f'type="hidden" name="id_number" value="{green.id_number}"' in body
    r = c.post(url, {"action": "record", "id_number": green.id_number, "direction": "out"})
    assert r.context["recorded"] is True
    scan = Scan.objects.get()
    assert (scan.direction, scan.source, scan.resident_id) == ("out", "staff", green.pk)
    assert client_for(users["grid_c"]).get(url).status_code == 404


def test_a_venue_that_does_not_check_tests_shows_a_missing_one_as_information(
    users, checkpoint, market, green
):
    """At a market (no 核酸 rule) a green person got 准予通行 beside 核酸 in red, and the
    guard could not tell whether to let them in; now it reads as information, marked as
    not checked here. At a checkpoint that checks tests it stays red."""
    c = client_for(users["community"])
    r = c.post(
        reverse("venues:checkpoint", args=[market.pk]),
        {"action": "check", "id_number": green.id_number},
    )
    assert r.context["admission"].admitted is True
    row = r.content.decode().split('id="nat-check"')[1].split("</li>")[0]
    assert "text-danger" not in row and "本场所不查验核酸" in row
    r = c.post(
        reverse("venues:checkpoint", args=[checkpoint.pk]),
        {"action": "check", "id_number": green.id_number},
    )
    row = r.content.decode().split('id="nat-check"')[1].split("</li>")[0]
    assert "text-danger" in row and "本场所不查验核酸" not in row


def test_a_refused_record_keeps_the_check_and_names_the_field(users, checkpoint, green):
    """Recording an entry without the temperature this checkpoint takes: the error beside
    the temperature, the person's check still shown, the record buttons still there."""
    c = client_for(users["volunteer"])
    url = reverse("venues:checkpoint", args=[checkpoint.pk])
    r = c.post(url, {"action": "record", "id_number": green.id_number, "direction": "in"})
    body = r.content.decode()
    assert r.context["recorded"] is False and not Scan.objects.exists()
    assert r.context["admission"].check.colour == "green"
    assert r.context["record_form"].errors["temperature"] == ["本场所须测温，请填写体温"]
    assert 'id="temperature-error"' in body and 'name="direction" value="out"' in body
    assert f'name="id_number" value="{green.id_number}"' in body
    r = c.post(
        url,
        {
            "action": "record",
            "id_number": green.id_number,
            "direction": "in",
            "temperature": "36.4",
        },
    )
    assert r.context["recorded"] is True and Scan.objects.count() == 1


def test_outing_request_and_approval_pages(users, areas):
    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate()
    Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=7),
    )
    recompute_status([person.pk], cause="测试")
    now = timezone.localtime()
    r = client_for(users["grid_a"]).post(
        reverse("venues:outing_add"),
        {
            "id_number": person.id_number,
            "reason": "就医",
            "destination": "市中心医院",
            "starts_at": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    outing = OutingApproval.objects.get()
    r = client_for(users["community"]).get(reverse("venues:outing_detail", args=[outing.pk]))
    assert r.context["decision_form"] is not None
    r = client_for(users["community"]).post(
        reverse("venues:outing_decide", args=[outing.pk]),
        {"decision": "approve", "version": outing.version},
    )
    assert r.status_code == 302
    outing.refresh_from_db()
    assert outing.state == "approved"
    r = client_for(users["community"]).get(reverse("venues:outing_list"))
    assert [o.pk for o, _c in r.context["table"]] == [outing.pk]
    assert services  # services import used by fixtures
    # the person will not go after all: the grid worker withdraws the approved pass
    grid = client_for(users["grid_a"])
    page = grid.get(reverse("venues:outing_detail", args=[outing.pk]))
    assert reverse("venues:outing_cancel", args=[outing.pk]) in page.content.decode()
    cancel = reverse("venues:outing_cancel", args=[outing.pk])
    grid.post(cancel, {"note": "", "version": outing.version})
    outing.refresh_from_db()
    assert outing.state == "approved"  # a reason is required
    r = grid.post(cancel, {"note": "不再外出", "version": outing.version}, follow=True)
    assert "已撤销外出申请" in r.content.decode()
    outing.refresh_from_db()
    assert (outing.state, outing.cancel_note) == ("cancelled", "不再外出")
    assert r.context["cancel_form"] is None and r.context["decision_form"] is None
    r = client_for(users["community"]).get(reverse("venues:outing_list"), {"state": "cancelled"})
    assert [o.pk for o, _c in r.context["table"]] == [outing.pk]


def test_venue_page_shows_recent_scans_only_to_those_who_may_read_scans(users, market, green):
    """Door staff (a volunteer, an inspector) open the venue for its checkpoint and QR; who
    came in, with what temperature and colour, is for those who may read scans."""
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    Client(enforce_csrf_checks=False).post(
        reverse("venues:public_scan", args=[market.code]),
        {"name": "李青青", "id_number": green.id_number, "temperature": "36.5", "direction": "in"},
    )
    assert Scan.objects.count() == 1
    url = reverse("venues:venue_detail", args=[market.pk])
    staff = client_for(users["grid_a"]).get(url)
    assert len(list(staff.context["scans"])) == 1
    assert "李*青" in staff.content.decode()
    for user in (users["volunteer"], make_user(Role.INSPECTOR, users["command"].area)):
        assert not user.has_perm("venues.view_scan")
        page = client_for(user).get(url)
        assert page.status_code == 200
        assert page.context["scans"] is None
        body = page.content.decode()
        assert "李*青" not in body and "最近扫码记录" not in body
