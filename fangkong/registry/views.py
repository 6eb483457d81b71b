"""Registry pages: residents, households, buildings, and the resident import.

Per-model views are configuration on ``core.views.generic``; writes go through
``registry.services``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.tables import Column
from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from fangkong.core.views.imports import import_views
from fangkong.status.views import resident_status_panel

from . import services
from .choices import ResidentCategory
from .filtersets import BuildingFilterSet, HouseholdFilterSet, ResidentFilterSet
from .forms import ResidentForm, ResidentImportForm
from .forms.households import BuildingForm, HouseholdForm
from .models import Building, Household, Resident
from .selectors import resident_list, with_member_count
from .tables import BuildingTable, HouseholdTable, ResidentTable, tag_labels

IMPORTER = "registry.resident"


def home_panel(request: HttpRequest) -> dict | None:
    """Figures of the user's area for the home page: residents by category, households, grids."""
    user = request.user
    if not user.has_perm("registry.view_resident"):
        return None
    # Counted per (area, category), the order of the ``resident_area_category`` index, and
    # summed here: a city's million residents are then read in index order instead of
    # sorted by category first (SQLite, 1,000,000 residents: 475 → 147 ms).
    by_category: dict[str, int] = {}
    for category, n in (
        Resident.objects.visible_to(user)
        .order_by()
        .values_list("area", "category")
        .annotate(n=Count("*"))
        .values_list("category", "n")
    ):
        by_category[category] = by_category.get(category, 0) + n
    categories = [
        {"value": value, "label": label, "count": by_category.get(value, 0)}
        for value, label in ResidentCategory.choices
    ]
    return {
        "template": "registry/includes/home_panel.html",
        "residents": sum(by_category.values()),
        "categories": categories,
        "households": Household.objects.visible_to(user).count(),
        "grids": Area.objects.visible_to(user).filter(level=AreaLevel.GRID).count(),
    }


def _households(qs):
    qs = with_member_count(qs.select_related("area", "building"))
    return qs.order_by("area", "number")


def _buildings(qs):
    qs = qs.select_related("area").annotate(household_count=Count("households"))
    return qs.order_by("area", "name")


# --- residents --------------------------------------------------------------------------


class ResidentListView(ObjectListView):
    model = Resident
    filterset_class = ResidentFilterSet
    table_class = ResidentTable
    selector = resident_list
    export_permission = "registry.export_resident"
    list_url_name = "registry:resident_list"
    scope_walk = True
    add_url_name = "registry:resident_add"
    hidden_filters = ("household",)
    extra_actions = (
        ("registry:resident_import", gettext_lazy("批量导入"), "registry.import_resident"),
    )


class ResidentDetailView(ObjectDetailView):
    model = Resident
    selector = resident_list
    template_name = "registry/resident_detail.html"
    list_url_name = "registry:resident_list"
    edit_url_name = "registry:resident_edit"
    delete_url_name = "registry:resident_delete"

    def get_extra_context(self, request, obj):
        return {
            "personal": personal_rows(obj, reveal=False),
            "can_reveal": request.user.has_perm("registry.reveal_resident"),
            "tags": tag_labels(obj),
            "status_panel": resident_status_panel(request, obj),
        }


class ResidentEditView(ObjectEditView):
    model = Resident
    form_class = ResidentForm
    selector = resident_list
    list_url_name = "registry:resident_list"
    detail_url_name = "registry:resident_detail"
    create_service = services.create_resident
    update_service = services.update_resident

    def get_form(self, request, obj, data=None, files=None):
        """``?household=<pk>`` (走访登记's 登记新成员) opens a new resident in that household."""
        initial = {}
        household_pk = request.GET.get("household", "")
        if obj is None and household_pk.isdigit():
            household = Household.objects.visible_to(request.user).filter(pk=household_pk).first()
            if household is not None:
                initial = {"area": household.area_id, "household": household.pk}
        return ResidentForm(
            data=data, files=files, instance=obj, user=request.user, initial=initial
        )

    def service_kwargs(self, form, obj):
        return {"data": form.service_data()}

    def success_url(self, obj):
        # Back to the page that sent the worker here (the household's visit), on this site only.
        back = self.request.GET.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return back
        return super().success_url(obj)


class ResidentDeleteView(ObjectDeleteView):
    model = Resident
    list_url_name = "registry:resident_list"
    detail_url_name = "registry:resident_detail"
    delete_service = services.delete_resident


PERSONAL = (
    ("id_number", gettext_lazy("身份证号")),
    ("phone", gettext_lazy("联系电话")),
    ("address", gettext_lazy("现住址")),
)


def personal_rows(resident: Resident, *, reveal: bool, values: dict | None = None) -> list:
    rows = []
    for name, label in PERSONAL:
        if reveal:
            value = (values or {}).get(name, "")
        else:
            value = Resident._meta.get_field(name).mask(getattr(resident, name))
        rows.append({"name": name, "label": label, "value": value})
    return rows


@require_POST
@permission_required("registry.reveal_resident", raise_exception=True)
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the plaintext ID number, phone and address; the reading is audited with the
    reason given. Without a reason the card stays masked and says what is missing."""
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    try:
        values = services.reveal_resident(
            actor=request.user, resident=resident, reason=request.POST.get("reason", "")[:200]
        )
    except ValidationError as e:
        context = {
            "object": resident,
            "personal": personal_rows(resident, reveal=False),
            "can_reveal": True,
            "reveal_error": " ".join(e.messages),
        }
    else:
        context = {
            "object": resident,
            "personal": personal_rows(resident, reveal=True, values=values),
            "revealed": True,
            "can_reveal": False,
        }
    response = render(request, "registry/includes/resident_personal.html", context)
    response["Cache-Control"] = "no-store"
    return response


@permission_required("registry.view_household", raise_exception=True)
def household_options(request: HttpRequest) -> HttpResponse:
    """HTMX: the ``<option>``s of the household select for the chosen grid."""
    area_id = request.GET.get("area", "")
    households = Household.objects.none()
    if area_id.isdigit():
        households = (
            Household.objects.visible_to(request.user)
            .filter(area_id=int(area_id))
            .order_by("number")
        )
    return render(request, "registry/includes/household_options.html", {"households": households})


# --- households and buildings -----------------------------------------------------------


class HouseholdListView(ObjectListView):
    model = Household
    filterset_class = HouseholdFilterSet
    table_class = HouseholdTable
    selector = _households
    export_permission = "registry.export_resident"
    list_url_name = "registry:household_list"
    scope_walk = True
    add_url_name = "registry:household_add"


class HouseholdDetailView(ObjectDetailView):
    model = Household
    selector = _households
    template_name = "registry/household_detail.html"
    list_url_name = "registry:household_list"
    edit_url_name = "registry:household_edit"
    delete_url_name = "registry:household_delete"

    def get_extra_context(self, request, obj):
        members = resident_list(Resident.objects.visible_to(request.user).filter(household=obj))
        context = {
            "address": Household._meta.get_field("address").mask(obj.address),
            "members": ResidentTable(members),
        }
        if request.user.has_perm("pairing.view_pairing"):
            from fangkong.pairing.selectors import party_members_of  # 包联 builds on this

            context["pairings"] = party_members_of(obj)
        return context


class HouseholdEditView(ObjectEditView):
    """登记/编辑户 through ``create_household`` / ``update_household`` (keyword services)."""

    model = Household
    form_class = HouseholdForm
    list_url_name = "registry:household_list"
    detail_url_name = "registry:household_detail"
    create_service = services.create_household
    update_service = services.update_household

    def get_form(self, request, obj, data=None, files=None):
        return HouseholdForm(data=data, user=request.user, instance=obj)

    def service_kwargs(self, form, obj):
        return form.service_kwargs()


class HouseholdDeleteView(ObjectDeleteView):
    model = Household
    list_url_name = "registry:household_list"
    detail_url_name = "registry:household_detail"
    delete_service = services.delete_household


class LinkedBuildingTable(BuildingTable):
    """The building list with each name linking to its page (edit / delete)."""

    detail_url_name = "registry:building_detail"
    columns = (
        Column("name", gettext_lazy("楼栋"), link=True),
        *BuildingTable.columns[1:],
    )


class BuildingListView(ObjectListView):
    model = Building
    filterset_class = BuildingFilterSet
    table_class = LinkedBuildingTable
    selector = _buildings
    export_permission = "registry.export_resident"
    list_url_name = "registry:building_list"
    add_url_name = "registry:building_add"


class BuildingDetailView(ObjectDetailView):
    model = Building
    selector = _buildings
    template_name = "generic/object_detail.html"
    list_url_name = "registry:building_list"
    edit_url_name = "registry:building_edit"
    delete_url_name = "registry:building_delete"


class BuildingEditView(ObjectEditView):
    model = Building
    form_class = BuildingForm
    list_url_name = "registry:building_list"
    detail_url_name = "registry:building_detail"
    create_service = services.create_building
    update_service = services.update_building

    def get_form(self, request, obj, data=None, files=None):
        return BuildingForm(data=data, user=request.user, instance=obj)

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


class BuildingDeleteView(ObjectDeleteView):
    model = Building
    list_url_name = "registry:building_list"
    detail_url_name = "registry:building_detail"
    delete_service = services.delete_building


# --- import -----------------------------------------------------------------------------


resident_import, resident_import_template = import_views(
    importer=IMPORTER,
    permission="registry.import_resident",
    form_class=ResidentImportForm,
    template_name="registry/resident_import.html",
    template_url_name="registry:resident_import_template",
    file_name=lambda: _("居民导入模板") + ".xlsx",
)
