"""Risk pages: the levels, the designations with each place's history, setting a level for
an area of the tree or an external place, and lifting a designation.

Risk levels are public information: every user with the view permission sees all of them
(``selectors.designations_visible_to``); writes go through ``risk.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    form_error_text,
    service_errors,
    service_messages,
)
from fangkong.core.views.imports import import_views

from . import selectors, services
from .filtersets import RiskDesignationFilterSet
from .forms import (
    DesignationImportForm,
    EndDesignationForm,
    RiskDesignationForm,
    RiskLevelForm,
)
from .models import RiskDesignation, RiskLevel
from .tables import RiskDesignationTable, RiskLevelTable


class RiskLevelListView(ObjectListView):
    model = RiskLevel
    table_class = RiskLevelTable
    export_permission = "risk.view_risklevel"
    list_url_name = "risk:level_list"
    add_url_name = "risk:level_add"

    def get_queryset(self, request):
        return RiskLevel.objects.all()


class RiskLevelEditView(ObjectEditView):
    model = RiskLevel
    form_class = RiskLevelForm
    list_url_name = "risk:level_list"
    create_service = services.create_risk_level

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)

    def get_queryset(self, request):
        return RiskLevel.objects.all()


class RiskDesignationListView(ObjectListView):
    model = RiskDesignation
    filterset_class = RiskDesignationFilterSet
    table_class = RiskDesignationTable
    export_permission = "risk.view_riskdesignation"
    list_url_name = "risk:designation_list"
    add_url_name = "risk:designation_add"
    hidden_filters = ("area", "place_code", "place_name")
    extra_actions = (
        ("risk:designation_import", gettext_lazy("批量导入"), "risk.add_riskdesignation"),
    )

    def get_queryset(self, request):
        return selectors.designations_visible_to(request.user)


def same_place(designation: RiskDesignation) -> Q:
    """The designations of the same place (the history a new one closes)."""
    if designation.area_id:
        return Q(area_id=designation.area_id)
    if designation.place_code:
        return Q(area__isnull=True, place_code=designation.place_code)
    return Q(area__isnull=True, place_code="", place_name=designation.place_name)


class RiskDesignationDetailView(ObjectDetailView):
    model = RiskDesignation
    template_name = "risk/designation_detail.html"
    list_url_name = "risk:designation_list"

    def get_queryset(self, request):
        return selectors.designations_visible_to(request.user)

    def get_extra_context(self, request, obj):
        can_end = obj.effective_to is None and request.user.has_perm("risk.change_riskdesignation")
        return {
            "history": RiskDesignationTable(
                selectors.designations_visible_to(request.user).filter(same_place(obj))
            ),
            "end_form": EndDesignationForm() if can_end else None,
        }


@permission_required("risk.add_riskdesignation", raise_exception=True)
def designation_add(request: HttpRequest) -> HttpResponse:
    """设定风险等级 for a place from a moment; the place's open designation is closed."""
    form = RiskDesignationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            designation = services.set_risk_level(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已设定：%(obj)s") % {"obj": designation.place_label})
            return redirect("risk:designation_detail", pk=designation.pk)
    return render(request, "risk/designation_form.html", {"form": form})


@require_POST
@permission_required("risk.change_riskdesignation", raise_exception=True)
def designation_end(request: HttpRequest, pk: int) -> HttpResponse:
    designation = get_object_or_404(selectors.designations_visible_to(request.user), pk=pk)
    form = EndDesignationForm(request.POST)
    if form.is_valid():
        with service_messages(request):
            services.end_risk_designation(
                actor=request.user, designation=designation, **form.cleaned_data
            )
            messages.success(request, _("已解除该风险地区认定"))
    else:
        messages.error(request, form_error_text(form))
    return redirect("risk:designation_detail", pk=designation.pk)


# --- import ------------------------------------------------------------------------------

designation_import, designation_import_template = import_views(
    importer="risk.designation",
    permission="risk.add_riskdesignation",
    form_class=DesignationImportForm,
    template_name="risk/designation_import.html",
    template_url_name="risk:designation_import_template",
    file_name=lambda: _("风险地区名单导入模板") + ".xlsx",
    options=lambda form: form.import_options(),
)
