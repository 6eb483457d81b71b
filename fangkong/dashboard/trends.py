"""Trend series of figures over the last days and their charts, drawn on the server as SVG
(no script, no chart library) and, for the PDF, as reportlab drawings from the same series.

A series is one aggregate query per model: a filtered count per day (the figure's as-of
condition on each day), so a trend over 30 days reads each model's rows once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Sum
from django.utils.html import escape
from reportlab.graphics.shapes import Drawing, Line, PolyLine, String
from reportlab.lib import colors

from fangkong.formats import figure

from .figures import REGISTRY, Moment, scoped

TREND_KEYS = ("cases_new", "scans_today", "quarantined", "problems_open")
# Event figures: counted on a timestamp within the day, so the rows can be cut to the window.
RANGE_FIELDS = {"cases_new": "confirmed_at"}


@dataclass
class Series:
    key: str
    label: str
    points: list[tuple[datetime.date, int]]


def trend_series(user, area, last: datetime.date, days: int, keys=TREND_KEYS) -> list[Series]:
    moments = [Moment.of(last - datetime.timedelta(days=days - 1 - i)) for i in range(days)]
    figures = [REGISTRY[k] for k in keys if REGISTRY[k].is_count]
    values: dict[str, int] = {}
    by_model: dict[str, list] = {}
    for f in figures:
        by_model.setdefault(f.model, []).append(f)
    for model, group in by_model.items():
        qs = scoped(apps.get_model(model), user, area)
        if all(f.day_field for f in group):
            values |= _per_day(qs, group, moments)
            continue
        fields = {RANGE_FIELDS.get(f.key) for f in group}
        if len(fields) == 1 and None not in fields:
            field = fields.pop()
            qs = qs.filter(**{f"{field}__gte": moments[0].begin, f"{field}__lt": moments[-1].end})
        values |= qs.aggregate(
            **{f"{f.key}__{i}": f.aggregate(m) for f in group for i, m in enumerate(moments)}
        )
    return [
        Series(
            f.key,
            str(f.label),
            [(m.day, values[f"{f.key}__{i}"]) for i, m in enumerate(moments)],
        )
        for f in figures
    ]


def _per_day(qs, figures: list, moments: list[Moment]) -> dict[str, int]:
    """Figures over per-day rows: one ``GROUP BY`` day over the window's rows."""
    day = figures[0].day_field
    rows = (
        qs.filter(**{f"{day}__gte": moments[0].day, f"{day}__lte": moments[-1].day})
        .values(day)
        .annotate(**{f.key: Sum(f.sum_field) for f in figures})
    )
    by_day = {r[day]: r for r in rows}
    return {
        f"{f.key}__{i}": by_day.get(m.day, {}).get(f.key) or 0
        for f in figures
        for i, m in enumerate(moments)
    }


def _axis_pad(label: str, *, size: float, least: float) -> float:
    """The left margin that holds ``label`` right-aligned before the axis, at font ``size``
    (a city's 1,234,567 scans a day was cut to 34567 by a fixed margin)."""
    return max(least, round(len(label) * size * 0.62 + size * 0.8))


def line_chart_svg(series: Series, *, width: int = 320, height: int = 140) -> str:
    """One series as a small line chart with its maximum and first/last dates."""
    top = max((v for _, v in series.points), default=0) or 1
    top_label = figure(top)
    pad_l, pad_r, pad_t, pad_b = _axis_pad(top_label, size=10, least=36), 8, 10, 22
    n = max(len(series.points) - 1, 1)

    def x(i: int) -> float:
        return pad_l + (width - pad_l - pad_r) * i / n

    def y(v: int) -> float:
        return pad_t + (1 - v / top) * (height - pad_t - pad_b)

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(series.points))
    first, last = series.points[0][0], series.points[-1][0]
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="#0d6efd">'
        f"<title>{d.isoformat()} {figure(v)}</title></circle>"
        for i, (d, v) in enumerate(series.points)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="fk-chart" role="img" aria-label="{escape(series.label)}" '
        f'data-trend="{series.key}">'
        f'<line x1="{pad_l}" y1="{y(0):.1f}" x2="{width - pad_r}" y2="{y(0):.1f}" '
        f'stroke="#adb5bd"/>'
        f'<polyline points="{line}" fill="none" stroke="#0d6efd" stroke-width="2"/>{dots}'
        f'<text x="{pad_l - 4}" y="{y(top) + 4:.1f}" text-anchor="end" font-size="10">{top_label}'
        f"</text>"
        f'<text x="{pad_l - 4}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="10">0</text>'
        f'<text x="{x(0):.1f}" y="{height - 6}" font-size="10">{first:%m-%d}</text>'
        f'<text x="{x(n):.1f}" y="{height - 6}" text-anchor="end" font-size="10">{last:%m-%d}'
        f"</text></svg>"
    )


def line_chart_drawing(series: Series, *, font: str, width: float = 240, height: float = 110):
    """The same chart as a reportlab drawing, for the PDF."""
    top = max((v for _, v in series.points), default=0) or 1
    top_label = figure(top)
    pad_l, pad_b, pad_t = _axis_pad(top_label, size=7, least=30), 16, 18
    n = max(len(series.points) - 1, 1)
    xs = [pad_l + (width - pad_l - 6) * i / n for i in range(len(series.points))]
    ys = [pad_b + v / top * (height - pad_b - pad_t) for _, v in series.points]
    d = Drawing(width, height)
    d.add(String(pad_l, height - 12, series.label, fontName=font, fontSize=9))
    d.add(Line(pad_l, pad_b, width - 6, pad_b, strokeColor=colors.grey))
    d.add(PolyLine(list(sum(zip(xs, ys, strict=True), ())), strokeColor=colors.blue))
    d.add(
        String(
            pad_l - 3, height - pad_t - 3, top_label, fontName=font, fontSize=7, textAnchor="end"
        )
    )
    d.add(String(pad_l - 3, pad_b - 3, "0", fontName=font, fontSize=7, textAnchor="end"))
    first, last = series.points[0][0], series.points[-1][0]
    d.add(String(pad_l, 3, f"{first:%m-%d}", fontName=font, fontSize=7))
    d.add(String(width - 6, 3, f"{last:%m-%d}", fontName=font, fontSize=7, textAnchor="end"))
    return d
