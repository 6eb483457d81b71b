import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.dashboard.figures import figure_values
from fangkong.dashboard.report import build_report, default_template, render_pdf
from fangkong.dashboard.testing import generate_city_records
from fangkong.dashboard.trends import TREND_KEYS, line_chart_svg, trend_series
from fangkong.status.clock import local_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(areas, users):
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["grid_c"]], day)
    return day


def test_each_point_is_the_figure_as_of_that_day(city, areas, users):
    series = trend_series(users["command"], areas["renhe"], city, 7)
    assert [s.key for s in series] == list(TREND_KEYS)
    for s in series:
        assert [d for d, _ in s.points] == [city - datetime.timedelta(days=6 - i) for i in range(7)]
        for day, value in s.points:
            assert value == figure_values(users["command"], areas["renhe"], day, [s.key])[s.key]
    assert any(v for s in series for _, v in s.points)


def test_chart_is_an_svg_of_the_points(city, areas, users):
    series = trend_series(users["command"], areas["city"], city, 14)[0]
    svg = line_chart_svg(series)
    assert svg.startswith("<svg") and f'data-trend="{series.key}"' in svg
    assert svg.count("<circle") == 14
    assert f"{series.points[-1][0].isoformat()} {series.points[-1][1]}" in svg


def test_dashboard_shows_14_or_30_days(client, city, users):
    client.force_login(users["command"])
    page = client.get(reverse("dashboard:dashboard"))
    assert page.context["days"] == 14 and len(page.context["charts"]) == len(TREND_KEYS)
    assert page.content.decode().count('class="fk-chart"') == len(TREND_KEYS)
    month = client.get(reverse("dashboard:dashboard"), {"days": "30"})
    assert month.context["days"] == 30
    assert str(month.context["charts"][0]["svg"]).count("<circle") == 30


def test_pdf_report_carries_the_trends(city, areas, users):
    report = build_report(users["command"], areas["city"], city, default_template())
    assert [s.key for s in report.trends] == list(TREND_KEYS)
    assert report.trends == trend_series(users["command"], areas["city"], city, 14)
    assert render_pdf(report).startswith(b"%PDF")


def test_a_large_maximum_is_shown_whole_and_grouped():
    """A city's 1,234,567 scans a day: the chart's maximum reads so, inside the chart (a
    fixed margin cut it to 34567), on the page and in the PDF."""
    import re

    from reportlab.graphics.shapes import String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from fangkong.core.pdf import cjk_font
    from fangkong.dashboard.trends import Series, line_chart_drawing

    first = datetime.date(2020, 2, 1)
    points = [(first + datetime.timedelta(days=i), 1234567 * i // 13) for i in range(14)]
    series = Series("scans_today", "当日扫码登记", points)
    svg = line_chart_svg(series)
    x, label = re.search(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*>([^<]+)<', svg
    ).groups()
    assert label == "1,234,567"
    assert float(x) - stringWidth(label, "Helvetica", 10) >= 0
    font = cjk_font()
    drawing = line_chart_drawing(series, font=font)
    (top,) = [s for s in drawing.contents if isinstance(s, String) and s.text == "1,234,567"]
    assert top.x - stringWidth(top.text, font, 7) >= 0
