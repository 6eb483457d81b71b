"""The daily report: seed figures read back from the xlsx, the PDF from the same figures,
templates (一表通), the command."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.dashboard import services
from fangkong.dashboard.figures import figure_values
from fangkong.dashboard.report import (
    build_report,
    default_template,
    find_template,
    render_pdf,
    render_xlsx,
)
from fangkong.dashboard.tests.test_seed_figures import DAY, SEED_FIGURES, seeds  # noqa: F401
from fangkong.status.clock import local_date
from fangkong.supplies.tests.conftest import catalogue, places  # noqa: F401

pytestmark = pytest.mark.django_db


def _sheet_values(data: bytes) -> dict[str, object]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=5, values_only=True) if row[0]}


def test_xlsx_report_shows_the_seed_figures(seeds, areas, users):  # noqa: F811
    report = build_report(users["leader"], areas["city"], DAY, default_template())
    by_label = _sheet_values(render_xlsx(report))
    labels = {
        line.key: line.label + ("" if line.as_of else "*")
        for s in report.sections
        for line in s.lines
    }
    for key, expected in SEED_FIGURES.items():
        assert Decimal(str(by_label[labels[key]])) == expected, key
    ws = load_workbook(io.BytesIO(render_xlsx(report))).worksheets[0]
    assert ws["A1"].value == "疫情防控工作日报"
    # Numbers, shown grouped by Excel.
    money = next(r for r in ws.iter_rows(min_row=5) if r[0].value == labels["donations_money"])
    assert money[1].value == 1680000 and money[1].number_format == "#,##0"
    assert "2020-02-14" in ws["A2"].value


def test_pdf_report_is_drawn_from_the_same_figures(seeds, areas, users):  # noqa: F811
    report = build_report(users["leader"], areas["city"], DAY, default_template())
    assert {k: report.values()[k] for k in SEED_FIGURES} == SEED_FIGURES
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_report_is_as_of_the_day_not_now(seeds, areas, users):  # noqa: F811
    before = build_report(
        users["leader"], areas["city"], DAY - datetime.timedelta(days=1), default_template()
    )
    assert before.values()["donations_money"] == 0
    assert before.values() == figure_values(
        users["leader"], areas["city"], DAY - datetime.timedelta(days=1)
    )


def test_template_orders_and_titles_the_figures(areas, users):
    template = services.create_report_template(
        actor=users["command"],
        area=areas["city"],
        name="卫健委",
        title="卫健委疫情日报",
        items=[
            {"key": "quarantined", "group": "隔离管控"},
            {"key": "cases_new", "group": "病例", "label": "新增"},
            "monitored",
        ],
    )
    # A community below the city office uses the city's form.
    found = find_template(users["community"], areas["community"], "卫健委")
    assert found == template
    report = build_report(users["community"], areas["community"], DAY, found)
    assert [s.heading for s in report.sections] == ["隔离管控", "病例", "隔离与监测"]
    assert report.labels == ["隔离中人员", "新增", "健康监测中人员"]
    ws = load_workbook(io.BytesIO(render_xlsx(report))).worksheets[0]
    assert ws["A1"].value == "卫健委疫情日报"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "报表至少需要一个统计项目"),
        (["nope"], "未知的统计项目：nope"),
        (["cases_new", "cases_new"], "统计项目重复：cases_new"),
    ],
)
def test_template_items_are_validated(areas, users, items, message):
    with pytest.raises(ValidationError) as e:
        services.create_report_template(
            actor=users["command"], area=areas["city"], name="x", title="x", items=items
        )
    assert e.value.message_dict["items"] == [message]


def test_command_writes_xlsx_and_pdf(seeds, areas, tmp_path):  # noqa: F811
    out = tmp_path / "report.xlsx"
    call_command(
        "daily_report",
        area="510400",
        date="2020-02-14",
        format="xlsx",
        output=str(out),
        stdout=io.StringIO(),
    )
    assert _sheet_values(out.read_bytes())["累计捐款(元)"] == 1680000
    pdf = tmp_path / "report.pdf"
    call_command(
        "daily_report",
        area="510400",
        date="2020-02-14",
        format="pdf",
        output=str(pdf),
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="没有名为“无此模板”的日报模板"):
        call_command(
            "daily_report",
            area="510400",
            template="无此模板",
            output=str(out),
            stdout=io.StringIO(),
        )


@pytest.mark.parametrize("where", ["folder", "missing folder"])
def test_command_names_an_output_it_cannot_write(areas, tmp_path, where):
    """A folder, or a file in a folder that is not there, was a traceback after the report."""
    output = tmp_path if where == "folder" else tmp_path / "无此目录" / "日报.xlsx"
    with pytest.raises(CommandError, match=re.escape(f"无法写入 {output}")):
        call_command("daily_report", area=areas["city"].code, output=str(output))


def test_command_refuses_a_day_to_come(seeds, areas, tmp_path):  # noqa: F811
    """As the web form: a future --date writes no file of today's figures under its date."""
    out = tmp_path / "report.xlsx"
    tomorrow = local_date(timezone.now()) + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="报表日期不能晚于今天"):
        call_command(
            "daily_report",
            area="510400",
            date=tomorrow.isoformat(),
            output=str(out),
            stdout=io.StringIO(),
        )
    assert not out.exists()


def test_pdf_shows_the_templates_own_words_as_typed(seeds, areas, users):  # noqa: F811
    """A template's title, headings and row titles are text, not paragraph markup: an
    unclosed <b> failed the whole PDF and <试行> vanished; a long row title wraps in its
    cell instead of running over the value."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm

    template = services.create_report_template(
        actor=users["command"],
        area=areas["city"],
        name="试行",
        title="疫情防控日报<试行>",
        items=[
            {"key": "donations_money", "group": "<b>捐赠", "label": "累计捐款 & 捐物" * 8},
        ],
    )
    report = build_report(users["leader"], areas["city"], DAY, template)
    assert render_pdf(report).startswith(b"%PDF")
    from fangkong.dashboard.report import _line_rows

    ((label, value),) = _line_rows(report.sections[0], ParagraphStyle("c"))[1:]
    assert label.getPlainText() == "累计捐款 & 捐物" * 8 and value == "1,680,000"
    _width, height = label.wrap(110 * mm, 1000)
    assert height > ParagraphStyle("c").leading  # more than one line: wrapped in its cell


def test_sub_area_sheet_marks_current_values_as_the_first_sheet_does(seeds, areas, users):  # noqa: F811
    """An earlier day's 下级区域 sheet: 红码人员 and the other current values are marked *,
    as on the first sheet, whose note says they are the values at generation."""
    report = build_report(users["leader"], areas["city"], DAY, default_template())
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    first = {row[0] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True)}
    header = [cell.value for cell in book["下级区域"][1]]
    assert header[0] == "区域"
    assert "红码人员*" in header and "当日新增病例" in header
    assert set(header[1:]) <= first  # the same titles, marks and all
