"""包联 pages: staff's list of who looks after which building or household, and the party
member's own households on a phone (their members' status, a visit, a quarantined member's
temperature, a member's phone)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    service_errors,
)
from fangkong.core.views.imports import import_views
from fangkong.registry.filtersets import HouseholdFilterSet
from fangkong.registry.models import Household

from . import selectors, services
from .filtersets import PairingFilterSet
from .forms import PairingForm, PairingImportForm
from .models import Pairing
from .tables import CoverageTable, PairingTable, UncoveredHouseholdTable

# --- staff: the list, a new pairing, its end ---------------------------------------------


class PairingListView(ObjectListView):
    model = Pairing
    filterset_class = PairingFilterSet
    table_class = PairingTable
    selector = staticmethod(selectors.pairing_list)
    export_permission = "pairing.export_pairing"
    list_url_name = "pairing:pairing_list"
    add_url_name = "pairing:pairing_add"
    extra_actions = (
        ("pairing:coverage", gettext_lazy("包联覆盖"), "pairing.view_pairing"),
        ("pairing:pairing_import", gettext_lazy("批量导入"), "pairing.import_pairing"),
    )


class PairingAddView(ObjectEditView):
    model = Pairing
    form_class = PairingForm
    list_url_name = "pairing:pairing_list"
    create_service = staticmethod(services.pair_named)

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


class PairingDeleteView(ObjectDeleteView):
    """解除包联, with its reason."""

    model = Pairing
    list_url_name = "pairing:pairing_list"
    delete_service = staticmethod(services.unpair)


pairing_import, pairing_import_template = import_views(
    importer="pairing.pairing",
    permission="pairing.import_pairing",
    form_class=PairingImportForm,
    template_name="pairing/import.html",
    template_url_name="pairing:pairing_import_template",
    file_name=lambda: _("包联导入模板") + ".xlsx",
)


# --- 包联覆盖: which households have a party member ---------------------------------------


@permission_required("pairing.view_pairing", raise_exception=True)
def coverage(request: HttpRequest) -> HttpResponse:
    """包联覆盖 per grid of the user's area: households, those a pairing covers (itself or
    its building), those none does (linked to their list); ``export=xlsx`` for the report."""
    rows = selectors.coverage_by_grid(request.user)
    total = selectors.CoverageRow(area=None, label=_("合计"))
    for row in rows:
        total.add(row)
    can_export = request.user.has_perm("pairing.export_pairing")
    if request.GET.get("export") == "xlsx":
        from fangkong.core.exporting import export_xlsx

        if not can_export:
            raise PermissionDenied(_("您没有导出的权限"))
        return export_xlsx(
            [*rows, total],
            CoverageTable.export_columns(),
            user=request.user,
            model=Pairing,
            title=_("包联覆盖"),
        )
    table = CoverageTable(rows, user=request.user)
    return render(
        request,
        "pairing/coverage.html",
        {"table": table, "total": table.cells(total), "can_export": can_export},
    )


class UncoveredHouseholdListView(ObjectListView):
    """未包联户: households of the user's area no pairing covers (filterable, exportable)."""

    model = Household
    filterset_class = HouseholdFilterSet
    table_class = UncoveredHouseholdTable
    selector = staticmethod(selectors.uncovered_households)
    permission_required = "pairing.view_pairing"
    export_permission = "pairing.export_pairing"
    list_url_name = "pairing:uncovered_list"
    template_name = "pairing/uncovered_list.html"

    def base_context(self):
        return super().base_context() | {"model_name_plural": _("未包联户")}


# --- the party member's own households (a phone page) ---------------------------------------


def home_panel(request: HttpRequest) -> dict | None:
    """A party member's home page leads to their households (the phone hides the menu): how
    many, and how many quarantined members still lack a temperature today."""
    households = services.paired_households(request.user)
    count = households.count()
    if not count:
        return None
    return {
        "template": "pairing/includes/home_panel.html",
        "households": count,
        "awaiting": selectors.awaiting_temperature(households),
    }


def _own_household(request: HttpRequest, pk: int):
    """One of the signed-in party member's households; any other is not found (404), never
    refused in words that would tell it exists."""
    return get_object_or_404(
        services.paired_households(request.user).select_related("area", "building"), pk=pk
    )


def my_households(request: HttpRequest) -> HttpResponse:
    """我的包联户: the households the signed-in party member looks after, with who in them
    needs something today (a red or yellow status, a quarantine check-in not yet in)."""
    from fangkong.volunteers.models import Volunteer

    volunteer = Volunteer._base_manager.filter(user=request.user).select_related("area").first()
    households = list(
        services.paired_households(request.user)
        .select_related("area", "building")
        .order_by("area__path", "building__name", "number", "pk")
    )
    people = selectors.members(households)
    for household in households:
        household.people = people[household.pk]
        household.attention = sum(
            1
            for p in household.people
            if (p.colour and p.colour.colour != "green") or (p.care and len(p.today) < 2)
        )
    return render(
        request,
        "pairing/my_households.html",
        {
            "volunteer": volunteer,
            "serving": volunteer is not None and volunteer.state in services.SERVING,
            "households": households,
        },
    )


def my_household(request: HttpRequest, pk: int) -> HttpResponse:
    """One household: its members, a visit for a running 摸排, today's temperatures."""
    from fangkong.screening.forms import VisitForm

    household = _own_household(request, pk)
    return _household_page(request, household, VisitForm())


def _checkin_form(assignment_pk: int, data=None):
    """A check-in form per quarantined member: ids of its own, as one page may hold several."""
    from fangkong.health.forms import CheckInForm

    return CheckInForm(data, auto_id=f"id_c{assignment_pk}_%s")


def _household_page(request, household, visit_form, *, status=200, posted=None):
    """``posted``: the (assignment pk, check-in form) sent back with its errors."""
    people = selectors.members([household])[household.pk]
    for person in people:
        if person.care is None:
            continue
        if posted is not None and posted[0] == person.care.pk:
            person.checkin_form = posted[1]
        else:
            person.checkin_form = _checkin_form(person.care.pk)
    return render(
        request,
        "pairing/my_household.html",
        {
            "household": household,
            "people": people,
            "campaigns": selectors.open_campaigns(household),
            "visit_form": visit_form,
            "checkin_open": posted[0] if posted else None,
        },
        status=status,
    )


@require_POST
def my_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """入户走访 of one of the member's households, in the running campaign chosen."""
    from fangkong.screening.forms import VisitForm
    from fangkong.screening.models import Campaign

    household = _own_household(request, pk)
    campaign = get_object_or_404(
        Campaign.objects.covering(household.area), pk=request.POST.get("campaign") or 0
    )
    form = VisitForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.record_visit(
                actor=request.user, campaign=campaign, household=household, **form.cleaned_data
            )
            messages.success(request, _("已登记走访：%(h)s") % {"h": household.number})
            return redirect("pairing:my_household", pk=household.pk)
    return _household_page(request, household, form, status=400)


@require_POST
def my_checkin(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    """A quarantined member's half-day temperature (包联党员代填)."""
    from fangkong.health.choices import AssignmentState
    from fangkong.health.models import Assignment
    from fangkong.screening.forms import VisitForm

    household = _own_household(request, pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("resident"),
        pk=assignment_pk,
        resident__household=household,
        state=AssignmentState.ACTIVE,
    )
    form = _checkin_form(assignment.pk, request.POST)
    if form.is_valid():
        with service_errors(form):
            services.record_checkin(actor=request.user, assignment=assignment, **form.cleaned_data)
            messages.success(
                request, _("已记录%(name)s的体温") % {"name": assignment.resident.name}
            )
            return redirect("pairing:my_household", pk=household.pk)
    return _household_page(
        request, household, VisitForm(), status=400, posted=(assignment.pk, form)
    )


@require_POST
def my_phone(request: HttpRequest, pk: int, resident_pk: int) -> HttpResponse:
    """HTMX: a member's phone number, to call them; the reading is audited with its reason."""
    from fangkong.registry.models import Resident

    household = _own_household(request, pk)
    person = get_object_or_404(Resident, pk=resident_pk, household=household)
    context = {"household": household, "p": person}
    try:
        context["phone"] = services.reveal_phone(
            actor=request.user, resident=person, reason=request.POST.get("reason", "")[:200]
        )
    except ValidationError as e:
        context["phone_error"] = " ".join(e.messages)
    response = render(request, "pairing/includes/phone.html", context)
    response["Cache-Control"] = "no-store"
    return response
