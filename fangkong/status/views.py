"""Status pages: “按颜色查人”, the status panel of a resident, overrides and their approval
queue, the personal code (QR) and its two readers: the resident's own public page and the
staff verify page.

Lists are configuration on ``core.views.generic``; writes go through ``status.services``
and ``status.tokens``.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.middleware import public
from fangkong.core.pdf import qr_svg
from fangkong.core.personal import mask_name
from fangkong.core.views.generic import (
    ObjectListView,
    service_errors,
    service_messages,
)
from fangkong.registry.models import Resident
from fangkong.registry.selectors import search_residents

from . import selectors, services, tokens
from .choices import Colour
from .engine import render as render_reason
from .filtersets import PersonStatusFilterSet, StatusOverrideFilterSet
from .forms import OverrideRequestForm, RejectForm, VerifyForm
from .models import PersonStatus, StatusOverride
from .tables import PersonStatusTable, StatusOverrideTable

COLOUR_CSS = {Colour.GREEN: "success", Colour.YELLOW: "warning", Colour.RED: "danger"}


class StatusSearchFilterSet(PersonStatusFilterSet):
    """按颜色查人: the shared status filters plus the one resident search box."""

    q = django_filters.CharFilter(label=gettext_lazy("搜索"), method="filter_q")

    class Meta(PersonStatusFilterSet.Meta):
        fields = ["q", "colour", "area"]

    def filter_q(self, qs, name, value):
        return qs.filter(resident__in=search_residents(Resident.objects.all(), value).values("pk"))


def _statuses(qs):
    return qs.select_related("resident", "area")


def _overrides(qs):
    return qs.select_related("resident", "requested_by", "approved_by")


class PersonStatusListView(ObjectListView):
    """按颜色查人: e.g. everyone yellow in 仁和区; exportable (masked)."""

    model = PersonStatus
    filterset_class = StatusSearchFilterSet
    table_class = PersonStatusTable
    selector = _statuses
    # Keys first, from the statuses alone: joined to residents and areas, SQLite drove a
    # colour most people have (green over a city: 900,000 rows) from the areas and sorted
    # every match — 4 s, 16 s beside a test suite; its keys alone are an index walk (< 25 ms).
    scope_walk = True
    export_permission = "registry.export_resident"
    list_url_name = "status:status_list"
    template_name = "status/status_list.html"

    def base_context(self):
        return super().base_context() | {
            "colour_counts": [
                {"value": c.value, "label": c.label, "css": COLOUR_CSS[c], "count": n}
                for c, n in zip(
                    Colour, selectors.colour_counts(self.request.user).values(), strict=True
                )
            ]
        }


def resident_status_panel(request: HttpRequest, resident: Resident) -> dict | None:
    """What the resident detail page shows about the status (``None`` without permission)."""
    user = request.user
    if not user.has_perm("status.view_personstatus"):
        return None
    status = PersonStatus.objects.filter(pk=resident.pk).select_related("override").first()
    return {
        "status": status,
        "css": COLOUR_CSS.get(status.colour, "secondary") if status else "secondary",
        "reasons": [render_reason(r) for r in status.reasons] if status else [],
        "can_override": user.has_perm("status.add_statusoverride") and services.role_rank(user) > 0,
        "can_assign": user.has_perm("health.add_assignment"),
        "can_test": user.has_perm("health.add_nucleicacidtest"),
    }


# --- overrides ---------------------------------------------------------------------------


class StatusOverrideListView(ObjectListView):
    model = StatusOverride
    filterset_class = StatusOverrideFilterSet
    table_class = StatusOverrideTable
    selector = _overrides
    export_permission = "registry.export_resident"
    list_url_name = "status:override_list"
    add_url_name = "status:override_add"
    extra_actions = (
        ("status:override_queue", gettext_lazy("待我审批"), "status.approve_statusoverride"),
    )


@permission_required("status.add_statusoverride", raise_exception=True)
def override_request(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """申请人工调整 for a resident (from their page) or for an ID number typed in."""
    resident = None
    if pk is not None:
        resident = get_object_or_404(
            Resident.objects.visible_to(request.user).select_related("area"), pk=pk
        )
    form = OverrideRequestForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            services.request_status_override(
                actor=request.user,
                resident=form.resident,
                colour=data["colour"],
                reason=data["reason"],
                expires_at=data["expires_at"],
            )
            messages.success(
                request,
                _("已提交人工调整申请，待指挥部其他人员审批后生效")
                if services.role_rank(request.user) == services.TOP_RANK
                else _("已提交人工调整申请，待上级审批后生效"),
            )
            return redirect("registry:resident_detail", pk=form.resident.pk)
    return render(
        request,
        "status/override_form.html",
        {
            "form": form,
            "resident": resident,
            "masked_name": mask_name(resident.name) if resident else "",
        },
    )


@permission_required("status.approve_statusoverride", raise_exception=True)
def override_queue(request: HttpRequest) -> HttpResponse:
    """待我审批: pending requests in my area that I may decide (lower ranks; the command
    office's own for another command-office account)."""
    pending = list(_overrides(selectors.overrides_awaiting(request.user))[:200])
    # What the facts say now, beside what is asked: a request made before a case or a
    # positive test was recorded would otherwise be approved blind to it.
    current = PersonStatus.objects.in_bulk([o.resident_id for o in pending])
    for o in pending:
        o.current = current.get(o.resident_id)
        o.current_reasons = [render_reason(r) for r in o.current.reasons] if o.current else []
    return render(
        request,
        "status/override_queue.html",
        {"overrides": pending, "reject_form": RejectForm(), "css": COLOUR_CSS},
    )


def _override_for(request: HttpRequest, pk: int) -> StatusOverride:
    qs = selectors.override_list(request.user).select_related("resident__area")
    return get_object_or_404(qs, pk=pk)


@require_POST
@permission_required("status.approve_statusoverride", raise_exception=True)
def override_approve(request: HttpRequest, pk: int) -> HttpResponse:
    override = _override_for(request, pk)
    with service_messages(request):
        services.approve_status_override(actor=request.user, override=override)
        messages.success(request, _("已批准"))
    return redirect("status:override_queue")


@require_POST
@permission_required("status.approve_statusoverride", raise_exception=True)
def override_reject(request: HttpRequest, pk: int) -> HttpResponse:
    override = _override_for(request, pk)
    form = RejectForm(request.POST)
    with service_messages(request):
        services.reject_status_override(
            actor=request.user,
            override=override,
            note=form.data.get("note", ""),
        )
        messages.success(request, _("已驳回"))
    return redirect("status:override_queue")


# --- the personal code -------------------------------------------------------------------


@permission_required("status.view_personstatus", raise_exception=True)
def personal_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's personal code for staff to print or send; it holds no personal data."""
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("area"), pk=pk
    )
    token = tokens.issue_status_token(actor=request.user, resident=resident)
    url = request.build_absolute_uri(reverse("status:personal", args=[token]))
    return render(
        request,
        "status/personal_qr.html",
        {
            "resident": resident,
            "masked_name": mask_name(resident.name),
            "url": url,
            "svg": mark_safe(qr_svg(url, scale=6, border=2)),  # noqa: S308 (segno's own markup, no user text)
            "hours": tokens.TOKEN_MAX_AGE // 3600,
        },
    )


@public
def personal_status(request: HttpRequest, token: str) -> HttpResponse:
    """The page a resident shows (public): the colour and public reasons, no personal data."""
    try:
        data = tokens.personal_status_page(token)
    except ValidationError as e:
        response = render(request, "status/personal_status.html", {"error": " ".join(e.messages)})
        response.status_code = 400
        return response
    data["css"] = COLOUR_CSS.get(data["colour"], "secondary")
    response = render(request, "status/personal_status.html", {"data": data})
    response["Cache-Control"] = "no-store"
    return response


@permission_required("status.verify_personstatus", raise_exception=True)
def verify(request: HttpRequest) -> HttpResponse:
    """核验个人码 (checkpoint staff): colour, masked name and reasons."""
    form = VerifyForm(request.POST or None)
    result, error = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            result = tokens.verify_status_token(
                actor=request.user, token=form.cleaned_data["token"]
            )
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            result["css"] = COLOUR_CSS.get(result["colour"], "secondary")
            form = VerifyForm()
    context = {"form": form, "result": result, "error": error}
    if request.htmx and not request.htmx.boosted:
        return render(request, "status/includes/verify_result.html", context)
    return render(request, "status/verify.html", context)
