"""The command dashboard: live figures of an area and the comparison across its sub-areas."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core.scoping import area_visible_to, user_area
from fangkong.status.clock import local_date

from .figures import Figure, figure_values, figure_values_by_child, figures_for
from .forms import ReportForm
from .report import build_report, find_template, render_pdf, render_xlsx
from .trends import TREND_KEYS, line_chart_svg, trend_series

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _list_link(figure: Figure, area: Area) -> str:
    if not figure.list_url:
        return ""
    return f"{reverse(figure.list_url)}?{urlencode({'area': area.pk, **figure.list_params})}"


def _groups(figures: list[Figure], values: dict[str, int], area: Area) -> list[dict]:
    groups: dict[str, dict] = {}
    for f in figures:
        group = groups.setdefault(str(f.group), {"label": f.group, "items": []})
        group["items"].append(
            {"key": f.key, "label": f.label, "value": values[f.key], "url": _list_link(f, area)}
        )
    return list(groups.values())


@login_required
def dashboard(request: HttpRequest, area_pk: int | None = None) -> HttpResponse:
    """指挥看板 of an area (the user's own by default), figures as of now."""
    if area_pk is None:
        area = user_area(request.user)
        if area is None:
            area = Area.objects.filter(parent__isnull=True).order_by("path").first()
    else:
        area = get_object_or_404(Area, pk=area_pk)
    if area is None or not area_visible_to(area, request.user):
        raise PermissionDenied(_("您无权查看该区域"))
    figures = figures_for(request.user)
    if not figures:
        raise PermissionDenied(_("您没有可查看的统计数据"))
    now = timezone.now()
    day = local_date(now)
    keys = [f.key for f in figures]
    values = figure_values(request.user, area, day, keys)
    root = user_area(request.user)
    crumbs = [a for a in area.ancestors() if area_visible_to(a, request.user)]
    comparison = [
        {
            "area": row["area"],
            "cells": [
                (row[k], _list_link(f, row["area"])) for k, f in zip(keys, figures, strict=True)
            ],
        }
        for row in figure_values_by_child(request.user, area, day, keys)
    ]
    days = 30 if request.GET.get("days") == "30" else 14
    trend_keys = [k for k in TREND_KEYS if k in keys]
    charts = [
        {"label": s.label, "svg": mark_safe(line_chart_svg(s))}  # noqa: S308 (built from numbers)
        for s in trend_series(request.user, area, day, days, trend_keys)
    ]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "area": area,
            "crumbs": crumbs,
            "is_root": root is not None and area.pk == root.pk,
            "as_of": now,
            "groups": _groups(figures, values, area),
            "figures": figures,
            "comparison": comparison,
            "charts": charts,
            "days": days,
        },
    )


@permission_required("dashboard.view_reporttemplate", raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    """日报下载: pick area, day, template and format; the document is generated on request."""
    root = user_area(request.user)
    data = request.GET if "date" in request.GET else None
    form = ReportForm(
        data,
        user=request.user,
        initial={"area": request.GET.get("area") or root, "date": local_date(timezone.now())},
    )
    if data is not None and form.is_valid():
        area, day = form.cleaned_data["area"], form.cleaned_data["date"]
        fmt = form.cleaned_data["format"]
        template = find_template(request.user, area, form.cleaned_data["template"])
        document = build_report(request.user, area, day, template)
        body = (render_pdf if fmt == "pdf" else render_xlsx)(document)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        # Codes and dates only in the file name: no personal data.
        name = f"daily-report-{area.code}-{day:%Y%m%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "dashboard/report.html", {"form": form})
