"""The daily report (日报): the registry's figures for an area as of a day, laid out by a
report template (一表通), written as Excel or PDF. The documents are generated from the
figures each time, never stored or typed in."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fangkong.areas.models import Area
from fangkong.core.pdf import cjk_font
from fangkong.core.scoping import area_visible_to
from fangkong.formats import figure

from .figures import REGISTRY, figure_table
from .models import ReportTemplate
from .trends import TREND_KEYS, Series, line_chart_drawing, trend_series

DEFAULT_NAME = "default"
TREND_DAYS = 14


@dataclass
class Line:
    key: str
    label: str
    value: int | Decimal
    as_of: bool  # False: the records keep no history, the value is the current one


@dataclass
class Section:
    heading: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class DailyReport:
    title: str
    area: Area
    day: datetime.date
    generated_at: datetime.datetime
    sections: list[Section]
    keys: list[str]
    labels: list[str]
    children: list[dict]  # {"area": Area, key: value…} per direct sub-area
    trends: list[Series] = field(default_factory=list)  # the last 14 days, for the PDF
    area_name: str = ""  # the area's full name when built (a stored copy keeps it)

    def values(self) -> dict[str, int | Decimal]:
        return {line.key: line.value for s in self.sections for line in s.lines}

    def as_data(self) -> dict:
        """The report as plain JSON data (日报报送 stores it): figures, names and headings as
        they were, decimals as text so no place is lost. ``from_data`` reads it back."""
        return {
            "title": self.title,
            "area": {
                "id": self.area.pk,
                "code": self.area.code,
                "name": self.area.name,
                "full_name": self.area_name or self.area.full_name(),
            },
            "day": self.day.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "sections": [
                {
                    "heading": s.heading,
                    "lines": [
                        {
                            "key": line.key,
                            "label": line.label,
                            "value": _plain(line.value),
                            "as_of": line.as_of,
                        }
                        for line in s.lines
                    ],
                }
                for s in self.sections
            ],
            "keys": list(self.keys),
            "labels": list(self.labels),
            "children": [
                {
                    "area": {
                        "id": row["area"].pk,
                        "code": row["area"].code,
                        "name": row["area"].name,
                    },
                    "own": bool(row["own"]),
                    "values": {k: _plain(row[k]) for k in self.keys},
                }
                for row in self.children
            ],
            "trends": [
                {
                    "key": t.key,
                    "label": str(t.label),
                    "points": [[d.isoformat(), _plain(v)] for d, v in t.points],
                }
                for t in self.trends
            ],
        }

    @classmethod
    def from_data(cls, data: dict) -> DailyReport:
        """A report as ``as_data`` stored it, for the renderers: nothing is recounted, and
        the areas are the names stored, not the rows as they are now."""

        def stored_area(a: dict) -> Area:
            return Area(pk=a["id"], code=a["code"], name=a["name"])

        return cls(
            title=data["title"],
            area=stored_area(data["area"]),
            area_name=data["area"]["full_name"],
            day=datetime.date.fromisoformat(data["day"]),
            generated_at=datetime.datetime.fromisoformat(data["generated_at"]),
            sections=[
                Section(
                    s["heading"],
                    [
                        Line(line["key"], line["label"], _number(line["value"]), line["as_of"])
                        for line in s["lines"]
                    ],
                )
                for s in data["sections"]
            ],
            keys=list(data["keys"]),
            labels=list(data["labels"]),
            children=[
                {
                    "area": stored_area(row["area"]),
                    "own": row["own"],
                    **{k: _number(v) for k, v in row["values"].items()},
                }
                for row in data["children"]
            ],
            trends=[
                Series(
                    t["key"],
                    t["label"],
                    [(datetime.date.fromisoformat(d), _number(v)) for d, v in t["points"]],
                )
                for t in data["trends"]
            ],
        )


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _number(value):
    """A stored figure: decimals were kept as text (``_plain``)."""
    return Decimal(value) if isinstance(value, str) else value


def default_template() -> ReportTemplate:
    """Every figure of the registry under its own heading (not stored)."""
    return ReportTemplate(
        name=DEFAULT_NAME,
        title=_("疫情防控工作日报"),
        items=[{"key": k} for k in REGISTRY],
    )


def find_template(user, area: Area, name: str | None) -> ReportTemplate:
    """The template ``name`` of ``area`` or, failing that, of the nearest office above it
    that the user may see; the default when no name is given."""
    if not name or name == DEFAULT_NAME:
        return default_template()
    # An office's form is used by the offices below it: templates of the area or above.
    paths = [a.pk for a in area.ancestors()] + [area.pk]
    found = (
        ReportTemplate.objects.filter(name=name, area_id__in=paths).order_by("-area__depth").first()
    )
    if found is None:
        raise ReportTemplate.DoesNotExist(_("没有名为“%(name)s”的日报模板") % {"name": name})
    return found


def build_report(user, area: Area, day: datetime.date, template: ReportTemplate) -> DailyReport:
    if user is not None and not area_visible_to(area, user):
        raise PermissionError(_("您无权查看该区域"))
    items = [i for i in template.items if i["key"] in REGISTRY]
    keys = [i["key"] for i in items]
    values, children = figure_table(user, area, day, keys, children=True)
    sections: dict[str, Section] = {}
    labels = []
    for item in items:
        figure = REGISTRY[item["key"]]
        heading = item.get("group") or str(figure.group)
        label = item.get("label") or str(figure.label)
        labels.append(label)
        sections.setdefault(heading, Section(heading)).lines.append(
            Line(figure.key, label, values[figure.key], figure.as_of)
        )
    return DailyReport(
        title=template.title,
        area=area,
        day=day,
        generated_at=timezone.now(),
        sections=list(sections.values()),
        keys=keys,
        labels=labels,
        children=children,
        trends=trend_series(user, area, day, TREND_DAYS, [k for k in TREND_KEYS if k in keys]),
        area_name=area.full_name(),
    )


def _subtitle(report: DailyReport) -> str:
    return _("%(area)s · %(day)s · 生成于 %(at)s") % {
        "area": report.area_name or report.area.full_name(),
        "day": report.day.isoformat(),
        "at": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M"),
    }


NOW_NOTE = "*"


def _note() -> str:
    return _("带 * 的项目为生成时的当前数值(记录不保留历史状态)")


def render_xlsx(report: DailyReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("日报")
    ws.append([report.title])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([_subtitle(report)])
    ws.append([])
    ws.append([_("项目"), _("数值")])
    for section in report.sections:
        ws.append([section.heading])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for line in section.lines:
            ws.append([line.label + ("" if line.as_of else NOW_NOTE), line.value])
    _group_numbers(ws["B"])
    ws.append([])
    ws.append([_note()])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 16
    if report.children:
        sub = wb.create_sheet(_("下级区域"))
        # The columns of current values carry the first sheet's * (its note says what it means).
        now = {line.key for section in report.sections for line in section.lines if not line.as_of}
        sub.append(
            [
                _("区域"),
                *(
                    label + (NOW_NOTE if key in now else "")
                    for key, label in zip(report.keys, report.labels, strict=True)
                ),
            ]
        )
        for row in report.children:
            name = row["area"].name
            if row["own"]:
                name = _("%(name)s本级") % {"name": name}
            sub.append([name, *(row[k] for k in report.keys)])
            _group_numbers(sub[sub.max_row])
        for cell in sub[1]:
            cell.alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _group_numbers(cells) -> None:
    """Excel shows these cells' numbers grouped (1,680,000) with the places they have; they
    stay numbers."""
    for cell in cells:
        value = cell.value
        if type(value) is int:
            cell.number_format = "#,##0"
        elif isinstance(value, Decimal) and value.is_finite():
            places = max(0, -value.normalize().as_tuple().exponent)
            cell.number_format = "#,##0" + ("." + "0" * places if places else "")


def _text(text: str, style: ParagraphStyle) -> Paragraph:
    """``text`` as it reads: a paragraph's markup (``<b>``, ``&lt;``) is not taken from a
    template's title, headings or row titles, nor from area names (an unclosed ``<b>``
    failed the whole PDF, ``<试行>`` vanished)."""
    return Paragraph(escape(text), style)


def _line_rows(section: Section, label: ParagraphStyle) -> list[list]:
    """A section's rows for the PDF: a long row title wraps in its cell instead of running
    over the value beside it."""
    return [[_("项目"), _("数值")]] + [
        [_text(line.label + ("" if line.as_of else NOW_NOTE), label), figure(line.value)]
        for line in section.lines
    ]


def render_pdf(report: DailyReport) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=13)
    heading = ParagraphStyle("h", fontName=font, fontSize=11, leading=16, spaceBefore=6)
    cell = ParagraphStyle("c", fontName=font, fontSize=9, leading=11, wordWrap="CJK")
    story = [_text(report.title, title), _text(_subtitle(report), body), Spacer(1, 4 * mm)]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ]
    )
    for section in report.sections:
        story.append(_text(section.heading, heading))
        story.append(Table(_line_rows(section, cell), colWidths=[110 * mm, 40 * mm], style=style))
    story += [Spacer(1, 3 * mm), Paragraph(_note(), body)]
    if report.trends:
        story.append(Paragraph(_("近 %(n)d 天趋势") % {"n": TREND_DAYS}, heading))
        drawings = [line_chart_drawing(s, font=font) for s in report.trends]
        pairs = [drawings[i : i + 2] for i in range(0, len(drawings), 2)]
        story.append(Table([p + [""] * (2 - len(p)) for p in pairs]))
    doc = SimpleDocTemplate(
        io.BytesIO(), pagesize=A4, title=report.title, leftMargin=18 * mm, rightMargin=18 * mm
    )
    buf = doc.filename
    doc.build(story)
    return buf.getvalue()
