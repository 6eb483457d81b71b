"""The command dashboard: live figures of an area and the comparison across its sub-areas."""

from __future__ import annotations

import datetime
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.scoping import area_visible_to, is_global, user_area
from fangkong.core.services import ConflictError
from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectListView,
    add_service_errors,
    service_errors,
)
from fangkong.core.views.home import Todo
from fangkong.status.clock import local_date

from . import selectors, services
from .figures import Figure, Moment, figure_table, figures_for
from .filtersets import SubmittedReportFilterSet
from .forms import ReportForm, ReportTemplateForm, SubmitReportForm, TemplateRowFormSet
from .models import ReportTemplate, SubmittedReport
from .report import DailyReport, build_report, render_pdf, render_xlsx
from .tables import ReportTemplateTable, SubmittedReportTable
from .trends import TREND_KEYS, line_chart_svg, trend_series

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@functools.cache
def _list_path(url_name: str, prefix: str) -> str:
    """The list's path under the script prefix (a page links one list per figure in every
    sub-area's row: reversed once)."""
    return reverse(url_name)


def _list_link(figure: Figure, area: Area, moment: Moment) -> str:
    """The list of the figure's records in ``area`` as of ``moment``'s day."""
    if not figure.list_url:
        return ""
    path = _list_path(figure.list_url, get_script_prefix())
    return f"{path}?{urlencode({'area': area.pk, **figure.link_params(moment)})}"


def _groups(
    figures: list[Figure], values: dict[str, int], area: Area, moment: Moment
) -> list[dict]:
    groups: dict[str, dict] = {}
    for f in figures:
        group = groups.setdefault(str(f.group), {"label": f.group, "items": []})
        group["items"].append(
            {
                "key": f.key,
                "label": f.label,
                "value": values[f.key],
                "url": _list_link(f, area, moment),
            }
        )
    return list(groups.values())


def _past_day(text: str, today: datetime.date) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if day < today else None


# The home page's 今日防控 panel: what a grid or community works from each day.
HOME_FIGURES = (
    "status_red",
    "status_yellow",
    "status_green",
    "quarantined",
    "monitored",
    "contacts_to_verify",
)


HOME_FIGURE_CSS = {
    "status_red": "text-danger",
    "status_yellow": "text-warning-emphasis",
    "status_green": "text-success",
}


def _own_area(user) -> Area | None:
    """The area a page opens on for ``user``: their own, or the top of the tree for a user
    bound to none."""
    area = user_area(user)
    if area is None:
        area = Area.objects.filter(parent__isnull=True).order_by("path").first()
    return area


def home_panel(request: HttpRequest) -> dict | None:
    """The home page's 今日防控: the ``HOME_FIGURES`` the user may read, for their own area,
    each linking to its list (the dashboard's figures: the same values and links)."""
    user = request.user
    allowed = {f.key: f for f in figures_for(user)}
    keys = [k for k in HOME_FIGURES if k in allowed]
    if not keys:
        return None
    area = _own_area(user)
    if area is None:
        return None
    moment = Moment.of(local_date(timezone.now()))
    values, _children = figure_table(user, area, moment.day, keys)
    items = [
        {
            "key": k,
            "label": allowed[k].label,
            "value": values[k],
            "url": _list_link(allowed[k], area, moment),
            "css": HOME_FIGURE_CSS.get(k, ""),
        }
        for k in keys
    ]
    return {"template": "dashboard/includes/home_panel.html", "area": area, "items": items}


@login_required
def dashboard(request: HttpRequest, area_pk: int | None = None) -> HttpResponse:
    """指挥看板 of an area (the user's own by default), figures as of now."""
    area = _own_area(request.user) if area_pk is None else get_object_or_404(Area, pk=area_pk)
    if area is None and not Area.objects.exists():
        # A new site: nothing to count yet, and no permission is missing.
        messages.info(request, _("还没有任何区域：请先建立区域网格，看板按区域统计"))
        return redirect("areas:area_tree")
    if area is None or not area_visible_to(area, request.user):
        raise PermissionDenied(_("您无权查看该区域"))
    figures = figures_for(request.user)
    if not figures:
        raise PermissionDenied(_("您没有可查看的统计数据"))
    now = timezone.now()
    day = local_date(now)
    asked = request.GET.get("date", "")
    past = _past_day(asked, day)
    if past is not None:  # 回看: the figures as of the end of an earlier day
        day, now = past, Moment.of(past).end
    elif asked and asked != day.isoformat():
        # A day to come or a typo: say so rather than pass today's figures off as that day's.
        messages.warning(
            request,
            _("“%(v)s”不是今天以前的日期，以下是当前数据") % {"v": asked[:20]},
        )
    keys = [f.key for f in figures]
    moment = Moment.of(day)
    values, by_child = figure_table(request.user, area, day, keys, children=True)
    root = user_area(request.user)
    crumbs = [a for a in area.ancestors() if area_visible_to(a, request.user)]
    comparison = [
        {
            "area": row["area"],
            "own": row["own"],
            # The lists show an area with its sub-areas: the area's own records have none.
            "cells": [
                (row[k], "" if row["own"] else _list_link(f, row["area"], moment))
                for k, f in zip(keys, figures, strict=True)
            ],
        }
        for row in by_child
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
            "groups": _groups(figures, values, area, moment),
            "figures": figures,
            "comparison": comparison,
            "charts": charts,
            "days": days,
            "past": past,
            # 报送情况: the sub-areas send reports (a community's grids send none).
            "has_senders_below": area.level < AreaLevel.COMMUNITY,
        },
    )


@permission_required("dashboard.view_reporttemplate", raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    """日报下载: pick area, day, template and format; the document is generated on request."""
    root = user_area(request.user)
    today = local_date(timezone.now())
    # The form submits a format; a link (the dashboard's, of the area and day it shows)
    # only fills the form in.
    data = request.GET if "format" in request.GET else None
    form = ReportForm(
        data,
        user=request.user,
        initial={
            "area": request.GET.get("area") or root,
            "date": _past_day(request.GET.get("date", ""), today) or today,
            "template": request.GET.get("template") or None,
        },
    )
    if data is not None and form.is_valid():
        area, day = form.cleaned_data["area"], form.cleaned_data["date"]
        fmt = form.cleaned_data["format"]
        template = form.cleaned_data["report_template"]
        document = build_report(request.user, area, day, template)
        body = (render_pdf if fmt == "pdf" else render_xlsx)(document)
        services.record_report_download(
            actor=request.user, report=document, template=template, fmt=fmt
        )
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        # Codes and dates only in the file name: no personal data.
        name = f"daily-report-{area.code}-{day:%Y%m%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "dashboard/report.html", {"form": form})


# --- report templates (一表通) ----------------------------------------------------------------


class TemplateListView(ObjectListView):
    model = ReportTemplate
    table_class = ReportTemplateTable
    selector = staticmethod(lambda qs: qs.select_related("area").order_by("area__path", "name"))
    list_url_name = "dashboard:template_list"
    add_url_name = "dashboard:template_add"
    export_permission = "dashboard.view_reporttemplate"  # names and figure keys only
    extra_actions = (("dashboard:report", _lazy("日报下载"), "dashboard.view_reporttemplate"),)


class TemplateDeleteView(ObjectDeleteView):
    model = ReportTemplate
    list_url_name = "dashboard:template_list"
    detail_url_name = "dashboard:template_edit"
    delete_service = services.delete_report_template


ROWS = "items"  # the row formset's prefix
MAX_ROWS = 200
BLANK_ROW = {"key": "", "group": "", "label": ""}


def _posted_rows(post) -> list[dict]:
    try:
        total = min(int(post.get(f"{ROWS}-TOTAL_FORMS", 0)), MAX_ROWS)
    except ValueError:
        total = 0
    return [{k: post.get(f"{ROWS}-{i}-{k}", "").strip() for k in BLANK_ROW} for i in range(total)]


def _row_op(op: str, rows: list[dict]) -> list[dict]:
    """Add a row, or remove / move up / move down row ``i`` (``remove-3``, ``up-1``…)."""
    if op == "add":
        return [*rows, dict(BLANK_ROW)]
    action, _sep, index = op.partition("-")
    i = int(index) if index.isdigit() else -1
    if not 0 <= i < len(rows):
        return rows
    if action == "remove":
        del rows[i]
    elif action == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif action == "down" and i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return rows


@login_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a template: name, title, and ordered rows (figure, heading, title).
    The row buttons post the form back and redraw it, so it works without any script."""
    user = request.user
    template = None
    if pk is not None:
        template = get_object_or_404(ReportTemplate.objects.visible_to(user), pk=pk)
    if not user.has_perm(f"dashboard.{'change' if template else 'add'}_reporttemplate"):
        raise PermissionDenied(_("您没有访问此页面的权限"))
    area = template.area if template else user_area(user)
    if area is None:
        raise PermissionDenied(_("您的账号未设置所属单位"))
    version = getattr(template, "version", None)
    status = 200
    if request.method == "POST":
        form = ReportTemplateForm(request.POST)
        form.is_valid()
        rows = _posted_rows(request.POST)
        version = request.POST.get("version") or version
        op = request.POST.get("op", "save")
        if op != "save":
            rows = _row_op(op, rows)
        else:
            data = {
                "name": form.cleaned_data.get("name", ""),
                "title": form.cleaned_data.get("title", ""),
                "items": [r for r in rows if r["key"]],  # blank rows are left out
            }
            try:
                if template is None:
                    saved = services.create_report_template(actor=user, area=area, **data)
                else:
                    saved = services.update_report_template(
                        actor=user, reporttemplate=template, expected_version=version, **data
                    )
            except ConflictError as e:
                form.add_error(None, e.messages)
                status = 409
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, _("已保存：%(obj)s") % {"obj": saved.name})
                return redirect("dashboard:template_edit", pk=saved.pk)
    else:
        initial = {"name": "", "title": _("疫情防控工作日报")}
        if template is not None:
            initial = {"name": template.name, "title": template.title}
        form = ReportTemplateForm(initial=initial)
        rows = [BLANK_ROW | i for i in template.items] if template else [dict(BLANK_ROW)]
    response = render(
        request,
        "dashboard/template_edit.html",
        {
            "form": form,
            "rows": TemplateRowFormSet(initial=rows, prefix=ROWS),
            "object": template,
            "area": area,
            "version": version,
            "can_delete": template is not None and user.has_perm("dashboard.delete_reporttemplate"),
            "can_copy": template is not None and user.has_perm("dashboard.add_reporttemplate"),
        },
    )
    response.status_code = status
    return response


@permission_required("dashboard.add_reporttemplate", raise_exception=True)
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """复制: a copy of a template the user sees, into the user's own office."""
    source = get_object_or_404(ReportTemplate.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("dashboard:template_edit", pk=source.pk)
    try:
        copy = services.copy_report_template(
            actor=request.user, reporttemplate=source, area=user_area(request.user) or source.area
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("dashboard:template_edit", pk=source.pk)
    messages.success(request, _("已复制为：%(obj)s") % {"obj": copy.name})
    return redirect("dashboard:template_edit", pk=copy.pk)


# --- 日报报送: reports sent up, kept as they were sent -----------------------------------------


def home_todos(user) -> list[Todo]:
    """今日日报未报送 on the home page of an office that sends its report up, until today's
    is sent (any template counts)."""
    if not user.has_perm("dashboard.submit_submittedreport"):
        return []
    area = user_area(user)
    if area is None or area.parent_id is None or not selectors.sends_reports(area):
        return []  # the top office sends to no one
    sent = selectors.has_submitted(area.pk, local_date(timezone.now()))
    url = reverse("dashboard:submit")
    return [Todo("daily_report", _("今日日报未报送"), 0 if sent else 1, url)]


@permission_required("dashboard.submit_submittedreport", raise_exception=True)
def submit(request: HttpRequest) -> HttpResponse:
    """报送日报: the user's own area's report for a day, built now and stored as it is."""
    user = request.user
    area = user_area(user)
    if area is None and not is_global(user):
        raise PermissionDenied(_("您的账号未设置所属单位"))
    today = local_date(timezone.now())
    if request.method == "POST":
        form = SubmitReportForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            with service_errors(form):
                submitted = services.submit_daily_report(
                    actor=user,
                    area=data["area"],
                    day=data["date"],
                    template=data["report_template"],
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("已报送：%(title)s（第 %(n)d 版）")
                    % {"title": submitted.title, "n": submitted.revision},
                )
                return redirect("dashboard:submitted_detail", pk=submitted.pk)
    else:
        form = SubmitReportForm(
            user=user,
            initial={
                "area": area,
                "date": _past_day(request.GET.get("date", ""), today) or today,
                "template": request.GET.get("template") or None,
            },
        )
    sent_today = []
    if area is not None:
        sent_today = list(
            SubmittedReport.objects.filter(area=area, day=today, is_current=True)
            .select_related("submitted_by")
            .order_by("template_name")
        )
    return render(
        request, "dashboard/submit.html", {"form": form, "area": area, "sent_today": sent_today}
    )


class SubmittedReportListView(ObjectListView):
    """已报送日报: the current revision of each report sent in the user's subtree."""

    model = SubmittedReport
    table_class = SubmittedReportTable
    filterset_class = SubmittedReportFilterSet
    selector = staticmethod(lambda qs: selectors.submitted_list(qs.filter(is_current=True)))
    list_url_name = "dashboard:submitted_list"
    export_permission = "dashboard.view_submittedreport"  # figures' titles and names of staff
    extra_actions = (
        ("dashboard:submit", _lazy("报送日报"), "dashboard.submit_submittedreport"),
        ("dashboard:submission_status", _lazy("报送情况"), "dashboard.view_submittedreport"),
    )


class SubmittedReportDetailView(ObjectDetailView):
    """A report as it was sent: the stored figures (never recounted) and its revisions."""

    model = SubmittedReport
    template_name = "dashboard/submitted_detail.html"
    list_url_name = "dashboard:submitted_list"
    selector = staticmethod(selectors.submitted_list)

    def get_extra_context(self, request, obj) -> dict:
        report = DailyReport.from_data(obj.data)
        return {
            "report": report,
            "children": [
                {"row": row, "values": [row[k] for k in report.keys]} for row in report.children
            ],
            "versions": list(selectors.versions_of(obj)),
        }


@permission_required("dashboard.view_submittedreport", raise_exception=True)
def submitted_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A sent report as Excel or PDF, drawn from the stored figures by the report's renderers."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    submitted = get_object_or_404(
        selectors.submitted_list(SubmittedReport.objects.visible_to(request.user)), pk=pk
    )
    document = DailyReport.from_data(submitted.data)
    body = (render_pdf if fmt == "pdf" else render_xlsx)(document)
    services.record_submitted_download(actor=request.user, submitted=submitted, fmt=fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"daily-report-{submitted.area.code}-{submitted.day:%Y%m%d}-v{submitted.revision}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required("dashboard.view_submittedreport", raise_exception=True)
def submission_status(request: HttpRequest) -> HttpResponse:
    """报送情况: which direct sub-areas of an area (the user's own by default) have sent
    their report for a day, and which have not."""
    asked = request.GET.get("area", "")
    area = get_object_or_404(Area, pk=int(asked)) if asked.isdigit() else _own_area(request.user)
    if area is None or not area_visible_to(area, request.user):
        raise PermissionDenied(_("您无权查看该区域"))
    today = local_date(timezone.now())
    text = request.GET.get("date", "")
    day = today if text == today.isoformat() else (_past_day(text, today) or today)
    if text and day.isoformat() != text:
        warning = _("“%(v)s”不是今天或以前的日期，以下是今天的报送情况")
        messages.warning(request, warning % {"v": text[:20]})
    status = selectors.submission_status(area, day)
    return render(
        request,
        "dashboard/submission_status.html",
        {
            "status": status,
            "area": area,
            "day": day,
            "today": today,
            "crumbs": [a for a in area.ancestors() if area_visible_to(a, request.user)],
        },
    )
