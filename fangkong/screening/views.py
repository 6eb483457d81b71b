"""Screening pages: campaigns with live coverage, the 未走访户 list, the grid worker's
phone page “走访登记” and the findings.

Lists are configuration on ``core.views.generic``; writes go through ``screening.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.choices import Role
from fangkong.areas.choices import AreaLevel
from fangkong.core.scoping import is_global, user_area
from fangkong.core.services import ConflictError
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    form_error_text,
    posted_version,
    service_errors,
    service_messages,
)
from fangkong.registry.filtersets import HouseholdFilterSet
from fangkong.registry.models import Household, Resident
from fangkong.status.clock import local_date

from . import selectors, services
from .choices import FindingKind, VisitOutcome
from .filtersets import CampaignFilterSet, FindingFilterSet, VisitFilterSet
from .forms import CampaignForm, FindingForm, VisitCorrectionForm, VisitForm, VisitVoidForm
from .models import Campaign, Finding, Visit
from .tables import (
    CampaignTable,
    CoverageTable,
    FindingTable,
    UnvisitedHouseholdTable,
    VisitTable,
)

COVERAGE_LEVELS = (AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID)
HOUSEHOLD_PAGE = 50
HOUSEHOLD_VISITS = 10  # the newest visits of a household listed on its visit page


def _campaigns(qs):
    return qs.select_related("area", "created_by")


def _visits(qs):
    return qs.select_related("household", "household__area", "visited_by")


def _findings(qs):
    return qs.select_related("resident", "resident__area", "campaign", "found_by")


def campaign_for(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(_campaigns(Campaign.objects.visible_to(request.user)), pk=pk)


# --- campaigns --------------------------------------------------------------------------


HOME_CAMPAIGNS = 3  # the newest running campaigns a field worker's home page shows


def home_panel(request: HttpRequest) -> dict | None:
    """A grid worker's or community's home page leads to the door-to-door work (on a phone
    the menu hides it): each running campaign over their area, how many of their households
    are still to visit (不漏一户), and 走访登记."""
    user = request.user
    if user.role not in (Role.GRID_WORKER, Role.COMMUNITY) or not user.has_perm(
        "screening.add_visit"
    ):
        return None
    today = timezone.localdate()
    running = selectors.active_campaigns(
        Campaign.objects.visible_to(user), today, timezone.now()
    ).order_by("-starts_on", "-pk")[:HOME_CAMPAIGNS]
    campaigns = [
        (c, selectors.unvisited_households(c, user).count()) for c in running.select_related("area")
    ]
    if not campaigns:
        return None
    return {"template": "screening/includes/home_panel.html", "campaigns": campaigns}


class CampaignListView(ObjectListView):
    model = Campaign
    filterset_class = CampaignFilterSet
    table_class = CampaignTable
    selector = _campaigns
    export_permission = "screening.view_campaign"
    list_url_name = "screening:campaign_list"
    add_url_name = "screening:campaign_add"


class CampaignEditView(ObjectEditView):
    model = Campaign
    form_class = CampaignForm
    list_url_name = "screening:campaign_list"
    detail_url_name = "screening:campaign_detail"
    create_service = services.create_campaign

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


def coverage_levels(campaign: Campaign, user) -> list[tuple[int, str]]:
    """The levels below the campaign's area at which the user sees whole areas: a grid
    worker's coverage is by grid (at the community level their one grid is no community)."""
    own = user_area(user)
    floor = campaign.area.level if is_global(user) or own is None else own.level - 1
    floor = max(floor, campaign.area.level)
    return [(lv.value, str(lv.label)) for lv in COVERAGE_LEVELS if lv > floor] or [
        (AreaLevel.GRID.value, str(AreaLevel.GRID.label))
    ]


def coverage_context(request: HttpRequest, campaign: Campaign) -> dict:
    levels = coverage_levels(campaign, request.user)
    allowed = [value for value, _label in levels]
    try:
        level = int(request.GET.get("level", ""))
    except ValueError:
        level = allowed[0]
    if level not in allowed:
        level = allowed[0]
    rows = selectors.campaign_coverage(
        campaign, request.user, level=level, today=local_date(timezone.now())
    )
    total = selectors.CoverageRow(area=campaign.area, label=_("合计"))
    for row in rows:
        total.add(row)
    return {"campaign": campaign, "levels": levels, "level": level, "rows": rows, "total": total}


class CampaignDetailView(ObjectDetailView):
    model = Campaign
    selector = _campaigns
    template_name = "screening/campaign_detail.html"
    list_url_name = "screening:campaign_list"

    def get_extra_context(self, request, obj):
        user = request.user
        return coverage_context(request, obj) | {
            "can_visit": user.has_perm("screening.add_visit") and not obj.closed,
            "can_close": user.has_perm("screening.change_campaign") and not obj.closed,
            "can_import": can_import_findings(user) and not obj.closed,
        }


@permission_required("screening.view_campaign", raise_exception=True)
def campaign_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the coverage table at another level (street / community / grid); with
    ``export=xlsx`` the same rows and their total as Excel, for the report sent up."""
    campaign = campaign_for(request, pk)
    context = coverage_context(request, campaign)
    if request.GET.get("export") == "xlsx":
        return _coverage_export(request, context)
    return render(request, "screening/includes/coverage_table.html", context)


def _coverage_export(request: HttpRequest, context: dict) -> HttpResponse:
    from fangkong.core.exporting import export_xlsx

    campaign, level = context["campaign"], context["level"]
    day = local_date(timezone.now())
    return export_xlsx(
        [*context["rows"], context["total"]],
        CoverageTable.export_columns(),
        user=request.user,
        model=Campaign,
        filters={"campaign": campaign.pk, "level": level},
        filename=f"screening-coverage-{campaign.pk}-{campaign.area.code}-{day:%Y%m%d}.xlsx",
        title=_("%(title)s覆盖情况") % {"title": campaign.title},
    )


@require_POST
@permission_required("screening.change_campaign", raise_exception=True)
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for(request, pk)
    with service_messages(request):
        services.close_campaign(actor=request.user, campaign=campaign)
        messages.success(request, _("摸排行动已结束"))
    return redirect("screening:campaign_detail", pk=campaign.pk)


class UnvisitedHouseholdListView(ObjectListView):
    """不漏一户: households of the campaign not yet visited (scoped, filterable, exportable)."""

    model = Household
    filterset_class = HouseholdFilterSet
    table_class = UnvisitedHouseholdTable
    permission_required = "screening.view_visit"
    export_permission = "screening.view_visit"
    template_name = "screening/unvisited_list.html"
    scope_walk = True

    def prepare(self, request, pk):
        self.campaign = campaign_for(request, pk)

    def get_queryset(self, request):
        return selectors.unvisited_households(self.campaign, request.user, walk=self.scope_walk)

    def base_context(self):
        return super().base_context() | {
            "campaign": self.campaign,
            "model_name_plural": _("未走访户"),
        }


class VisitListView(ObjectListView):
    model = Visit
    filterset_class = VisitFilterSet
    table_class = VisitTable
    selector = _visits
    export_permission = "screening.view_visit"
    list_url_name = "screening:visit_list"
    scope_walk = True
    hidden_filters = ("campaign", "visited_by")


class FindingListView(ObjectListView):
    model = Finding
    filterset_class = FindingFilterSet
    table_class = FindingTable
    selector = _findings
    export_permission = "registry.export_resident"
    list_url_name = "screening:finding_list"
    scope_walk = True
    hidden_filters = ("campaign",)


# --- 走访登记: the grid worker's phone page ---------------------------------------------


def _open_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = campaign_for(request, pk)
    if campaign.closed:
        raise PermissionDenied(_("该摸排行动已结束，不能再登记"))
    return campaign


def household_choices(request: HttpRequest, campaign: Campaign):
    """The households of the user's grid(s) in the campaign, searched by 户编号 or 楼栋:
    those still to settle (never visited, or only nobody home / refused) first — a grid of
    300 households shows a page of 50, and the work left must be on it."""
    qs = selectors.households_with_standing_visit(campaign, request.user).select_related(
        "area", "building"
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__contains=q) | Q(building__name__contains=q))
    settled = Case(When(selectors.settled(), then=Value(1)), default=Value(0))
    return qs.alias(settled=settled).order_by("settled", "area__path", "building__name", "number")[
        :HOUSEHOLD_PAGE
    ]


@permission_required("screening.add_visit", raise_exception=True)
def visit_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a household (HTMX search); unvisited ones are marked."""
    campaign = _open_campaign(request, pk)
    context = {
        "campaign": campaign,
        "households": household_choices(request, campaign),
        "q": request.GET.get("q", ""),
        "page_size": HOUSEHOLD_PAGE,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "screening/includes/visit_households.html", context)
    return render(request, "screening/visit_start.html", context)


def _household_for(request: HttpRequest, campaign: Campaign, household_pk: int) -> Household:
    qs = Household.objects.visible_to(request.user).in_area(campaign.area)
    return get_object_or_404(qs.select_related("area", "building"), pk=household_pk)


def _visit_page(request, campaign, household, form, status=200) -> HttpResponse:
    members = list(
        Resident.objects.visible_to(request.user).filter(household=household).order_by("name")
    )
    found = dict(
        Finding.objects.filter(campaign=campaign, resident__in=members).values_list(
            "resident_id", "kind"
        )
    )
    kinds = dict(FindingKind.choices)
    rows = [
        {
            "resident": m,
            "found": kinds.get(found[m.pk]) if m.pk in found else None,
            "kind": found.get(m.pk),
        }
        for m in members
    ]
    # The household's visits in the campaign (usually one to three), each to correct.
    visits = list(
        Visit.objects.filter(campaign=campaign, household=household)
        .select_related("visited_by")
        .order_by("-visited_at", "-id")[:HOUSEHOLD_VISITS]
    )
    latest = visits[0] if visits else None
    # A follow-up that found nobody home leaves the household done: say so beside it.
    standing = selectors.standing_visit(campaign, household) if latest else None
    response = render(
        request,
        "screening/visit_form.html",
        {
            "campaign": campaign,
            "household": household,
            "form": form,
            "members": rows,
            "latest": latest,
            "visits": visits,
            "settled_by": standing if standing and standing.pk != latest.pk else None,
            "finding_kinds": FindingKind.choices,
            "can_find": request.user.has_perm("screening.add_finding"),
            # a returnee found at the door but not in the registry: register them here
            "can_add_member": request.user.has_perm("registry.add_resident"),
        },
    )
    response.status_code = status
    return response


@permission_required("screening.add_visit", raise_exception=True)
def visit_record(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    campaign = _open_campaign(request, pk)
    household = _household_for(request, campaign, household_pk)
    form = VisitForm(request.POST or None, initial={"outcome": VisitOutcome.VISITED})
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.record_visit(
                actor=request.user, campaign=campaign, household=household, **form.cleaned_data
            )
            messages.success(request, _("已登记：%(number)s") % {"number": household.number})
            return redirect("screening:visit_start", pk=campaign.pk)
    return _visit_page(request, campaign, household, form)


def _visit_for(request: HttpRequest, campaign: Campaign, visit_pk: int) -> Visit:
    qs = _visits(Visit.objects.visible_to(request.user)).select_related("campaign")
    return get_object_or_404(qs.filter(campaign=campaign), pk=visit_pk)


@permission_required("screening.add_visit", raise_exception=True)
def visit_correct(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    """更正 a visit recorded by mistake; the same page voids it (撤销此记录)."""
    campaign = _open_campaign(request, pk)
    visit = _visit_for(request, campaign, visit_pk)
    initial = {
        f: getattr(visit, f)
        for f in ("outcome", "people_found", "new_people", "notes", "visited_at")
    }
    form = VisitCorrectionForm(request.POST or None, initial=initial, visit=visit)
    version, status = visit.version, 200
    if request.method == "POST":
        version = posted_version(request, visit)
        if form.is_valid():
            with service_errors(form):
                try:
                    services.correct_visit(
                        actor=request.user, visit=visit, version=version, **form.cleaned_data
                    )
                except ConflictError:
                    status = 409  # saved by another since the page was opened, as edit pages say
                    raise
                messages.success(
                    request, _("已更正走访记录：%(number)s") % {"number": visit.household.number}
                )
                return redirect("screening:visit_record", campaign.pk, visit.household_id)
    response = render(
        request,
        "screening/visit_correct.html",
        {
            "campaign": campaign,
            "visit": visit,
            "household": visit.household,
            "form": form,
            "version": version,
            # its own ids: the correction's 更正原因 is on the same page
            "void_form": VisitVoidForm(auto_id="void_%s"),
        },
    )
    response.status_code = status
    return response


@require_POST
@permission_required("screening.add_visit", raise_exception=True)
def visit_void(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    """撤销 a visit recorded by mistake; back to the household's page."""
    campaign = _open_campaign(request, pk)
    visit = _visit_for(request, campaign, visit_pk)
    form = VisitVoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("screening:visit_correct", campaign.pk, visit.pk)
    with service_messages(request):
        services.void_visit(
            actor=request.user,
            visit=visit,
            version=posted_version(request, visit),
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, _("已撤销走访记录：%(number)s") % {"number": visit.household.number}
        )
        return redirect("screening:visit_record", campaign.pk, visit.household_id)
    return redirect("screening:visit_correct", campaign.pk, visit.pk)


@require_POST
@permission_required("screening.add_finding", raise_exception=True)
def finding_record(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    """Mark a member of the household as found (returnee / inflow / other)."""
    campaign = _open_campaign(request, pk)
    household = _household_for(request, campaign, household_pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        resident = get_object_or_404(
            Resident.objects.visible_to(request.user).filter(household=household),
            pk=form.cleaned_data["resident"],
        )
        # found by the visit that found the household in, not a later knock that found nobody
        visit = selectors.standing_visit(campaign, household)
        kind = form.cleaned_data["kind"]
        found = Finding.objects.filter(campaign=campaign, resident=resident).first()
        with service_messages(request):
            if found is not None:  # a correction of a mis-tapped category, or taking it back
                services.correct_finding(actor=request.user, finding=found, kind=kind)
                messages.success(request, _("已更正摸排发现") if kind else _("已撤销摸排发现"))
            elif not kind:
                raise ValidationError({"kind": _("请选择人员类别")})
            else:
                services.record_finding(
                    actor=request.user,
                    campaign=campaign,
                    resident=resident,
                    kind=kind,
                    visit=visit,
                )
                messages.success(request, _("已登记摸排发现"))
    else:
        messages.error(request, _("请选择人员类别"))
    return redirect(reverse("screening:visit_record", args=[campaign.pk, household.pk]))


# --- import ------------------------------------------------------------------------------

FINDING_IMPORTER = "screening.finding"


def can_import_findings(user) -> bool:
    return user.has_perm("registry.import_resident") and user.has_perm("screening.add_finding")


@permission_required("screening.add_finding", raise_exception=True)
@permission_required("registry.import_resident", raise_exception=True)
def finding_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid worker's list of people found: upload → dry-run preview → confirm."""
    from fangkong.core.views.imports import import_upload

    from .forms import FindingImportForm

    campaign = campaign_for(request, pk)
    if campaign.closed:
        messages.error(request, _("该摸排行动已结束，不能再登记"))
        return redirect("screening:campaign_detail", pk=campaign.pk)
    form = FindingImportForm(
        request.POST or None, request.FILES or None, user=request.user, campaign=campaign
    )
    return import_upload(
        request,
        form,
        importer=FINDING_IMPORTER,
        template_name="screening/finding_import.html",
        options={"campaign_id": campaign.pk},
        context={
            "campaign": campaign,
            "template_url": reverse("screening:finding_import_template", args=[campaign.pk]),
        },
    )


@permission_required("screening.add_finding", raise_exception=True)
@permission_required("registry.import_resident", raise_exception=True)
def finding_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.core.views.imports import import_template_response

    campaign_for(request, pk)
    return import_template_response(FINDING_IMPORTER, _("摸排发现人员导入模板") + ".xlsx")
