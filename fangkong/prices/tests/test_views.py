"""Price pages: the phone daily report (one form, all items), trend chart, alerts export."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.prices import services
from fangkong.prices.models import PriceLine, PriceReport

pytestmark = pytest.mark.django_db


def _post(client, market, necessities, values, version=None):
    data = {f"price_{necessities[k].pk}": v for k, v in values.items()}
    if version is not None:
        data["version"] = version
    return client.post(reverse("prices:report", args=[market.pk]), data)


def test_daily_report_form_creates_then_corrects_with_version(client, users, necessities, markets):
    client.force_login(users["grid_a"])
    page = client.get(reverse("prices:report", args=[markets["super"].pk])).content.decode()
    for name in necessities:
        assert name in page
    assert (
        _post(client, markets["super"], necessities, {"猪肉": "28", "大米": "2.6"}).status_code
        == 302
    )
    report = PriceReport.objects.get()
    assert report.version == 1 and report.date == timezone.localdate()
    assert (
        _post(client, markets["super"], necessities, {"猪肉": "29"}, version=1).status_code == 302
    )
    stale = _post(client, markets["super"], necessities, {"猪肉": "35"}, version=1)
    assert stale.status_code == 409
    assert "已被其他人修改" in stale.content.decode()
    assert list(PriceLine.objects.values_list("price", flat=True)) == [Decimal("29.00")]


def test_bad_price_shows_a_chinese_message_and_saves_nothing(client, users, necessities, markets):
    client.force_login(users["grid_a"])
    response = _post(client, markets["super"], necessities, {"猪肉": "-3"})
    assert response.status_code == 200
    assert "猪肉" in response.content.decode()
    empty = _post(client, markets["super"], necessities, {})
    assert "请至少填写一项价格" in empty.content.decode()
    assert not PriceReport.objects.exists()


def test_report_page_is_404_for_a_market_outside_scope(client, users, markets):
    client.force_login(users["grid_a"])
    assert client.get(reverse("prices:report", args=[markets["market"].pk])).status_code == 404


def _history(actor, market, commodity, prices):
    today = timezone.localdate()
    for n, p in enumerate(prices):
        day = today - datetime.timedelta(days=len(prices) - 1 - n)
        services.submit_price_report(
            actor=actor, market=market, date=day, today=day, prices={commodity.pk: (p, "")}
        )


def test_trend_page_draws_svg_and_alerts_export(client, users, necessities, markets):
    pork = necessities["猪肉"]
    _history(users["command"], markets["super"], pork, ["26"] * 7 + ["30"])
    client.force_login(users["command"])
    page = client.get(reverse("prices:trend"), {"commodity": pork.pk}).content.decode()
    assert "<svg" in page and page.count("<circle") == 8
    alerts = client.get(reverse("prices:alert_list")).content.decode()
    assert "吉靓轩超市中环天地店" in alerts and "15.4" in alerts
    response = client.get(reverse("prices:alert_list") + "?export=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [
        r for r in wb.active.iter_rows(values_only=True) if r and r[1] == "吉靓轩超市中环天地店"
    ]
    assert [(r[3], r[4], r[5], r[6]) for r in rows] == [("猪肉", 30, 26, 15.4)]
    client.force_login(users["grid_c"])  # Miyi: the Renhe supermarket's alert is not theirs
    assert "吉靓轩" not in client.get(reverse("prices:alert_list")).content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "market_list",
        "commodity_list",
        "line_list",
        "trend",
        "alert_list",
        "market_add",
        "commodity_add",
    ],
)
def test_pages_render(client, users, name):
    client.force_login(users["command"])
    assert client.get(reverse(f"prices:{name}")).status_code == 200
    client.force_login(users["volunteer"])
    assert client.get(reverse(f"prices:{name}")).status_code == 403
