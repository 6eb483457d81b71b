"""Supplies pages: catalogue, places, the ledger and stock with days of cover, donations with
receipts and traceability, requests with priority allocation and receipt, funds.

Lists are configuration on ``core.views.generic``; writes go through ``supplies.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.exporting import export_xlsx
from fangkong.core.filtersets import bound_filter_form
from fangkong.core.forms import style_form
from fangkong.core.middleware import public
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    form_error_text,
    service_errors,
    service_messages,
)
from fangkong.core.views.imports import import_views
from fangkong.registry.forms import ResidentImportForm

from . import selectors, services
from .choices import AllocationState, RequestState
from .filtersets import (
    AllocationFilterSet,
    DonationFilterSet,
    FundEntryFilterSet,
    FundFilterSet,
    ItemFilterSet,
    MovementFilterSet,
    StockFilterSet,
    SupplyRequestFilterSet,
    WarehouseFilterSet,
)
from .forms import (
    AllocateForm,
    DecisionForm,
    DonationForm,
    FundEntryForm,
    FundForm,
    GoodsLineFormSet,
    ItemForm,
    MovementForm,
    SupplyRequestForm,
    VoidDonationForm,
    WarehouseForm,
)
from .models import Allocation, Donation, Fund, FundEntry, Item, Movement, SupplyRequest, Warehouse
from .tables import (
    AllocationTable,
    DonationTable,
    FundEntryTable,
    FundTable,
    ItemTable,
    MovementTable,
    StockTable,
    SupplyRequestTable,
    WarehouseTable,
)


def _movements(qs):
    return qs.select_related("warehouse", "item", "lot", "counterpart", "created_by")


def _requests(qs):
    return qs.select_related("unit", "unit__area", "item")


def _allocations(qs):
    return qs.select_related("source", "request__unit", "request__item", "received_by")


def _donations(qs):
    return qs.select_related("area", "fund", "warehouse").prefetch_related("lots__item")


# --- items and places --------------------------------------------------------------------


class ItemListView(ObjectListView):
    model = Item
    filterset_class = ItemFilterSet
    table_class = ItemTable
    export_permission = "supplies.view_item"
    list_url_name = "supplies:item_list"
    add_url_name = "supplies:item_add"
    extra_actions = (("supplies:item_import", gettext_lazy("批量导入"), "supplies.add_item"),)


class ItemEditView(ObjectEditView):
    model = Item
    form_class = ItemForm
    create_service = staticmethod(services.create_item)
    update_service = staticmethod(services.update_item)
    list_url_name = "supplies:item_list"


class WarehouseListView(ObjectListView):
    model = Warehouse
    filterset_class = WarehouseFilterSet
    table_class = WarehouseTable
    selector = staticmethod(lambda qs: qs.select_related("area"))
    export_permission = "supplies.view_warehouse"
    list_url_name = "supplies:warehouse_list"
    add_url_name = "supplies:warehouse_add"
    extra_actions = (
        ("supplies:stock_list", gettext_lazy("库存与可用天数"), "supplies.view_movement"),
        ("supplies:movement_list", gettext_lazy("库存流水"), "supplies.view_movement"),
    )


class WarehouseEditView(ObjectEditView):
    model = Warehouse
    form_class = WarehouseForm
    create_service = staticmethod(services.create_warehouse)
    update_service = staticmethod(services.update_warehouse)
    list_url_name = "supplies:warehouse_list"
    detail_url_name = "supplies:warehouse_detail"


class WarehouseDetailView(ObjectDetailView):
    model = Warehouse
    template_name = "supplies/warehouse_detail.html"
    list_url_name = "supplies:warehouse_list"
    edit_url_name = "supplies:warehouse_edit"

    def get_extra_context(self, request, obj):
        movements = Movement.objects.visible_to(request.user).filter(warehouse=obj)
        return {
            "stock": StockTable(selectors.stock_table(movements)),
            "recent": MovementTable(_movements(movements)[:20]),
            "can_post": request.user.has_perm("supplies.add_movement"),
        }


# --- ledger and stock --------------------------------------------------------------------


class MovementListView(ObjectListView):
    model = Movement
    filterset_class = MovementFilterSet
    table_class = MovementTable
    selector = staticmethod(_movements)
    export_permission = "supplies.view_movement"
    list_url_name = "supplies:movement_list"
    hidden_filters = ("warehouse",)
    extra_actions = (
        ("supplies:receipt_import", gettext_lazy("批量导入入库单"), "supplies.add_movement"),
    )


MOVEMENT_TITLES = {
    "in": gettext_lazy("入库"),
    "out": gettext_lazy("出库"),
    "transfer": gettext_lazy("调拨"),
    "adjust": gettext_lazy("盘点调整"),
}


@permission_required("supplies.add_movement", raise_exception=True)
def movement_add(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in MOVEMENT_TITLES:
        raise Http404
    initial = {"warehouse": request.GET.get("warehouse")}
    form = MovementForm(request.POST or None, kind=kind, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "actor": request.user,
            "item": d["item"],
            "quantity": d["quantity"],
            "unit": d.get("unit") or "",
        }
        with service_errors(form):
            if kind == "in":
                services.receive_stock(
                    warehouse=d["warehouse"],
                    source=d["source"] or "purchase",
                    note=d["reason"],
                    document=d["document"],
                    **common,
                )
            elif kind == "out":
                services.issue_stock(
                    warehouse=d["warehouse"], recipient=d["recipient"], reason=d["reason"], **common
                )
            elif kind == "transfer":
                if d.get("destination") is None:
                    raise ValidationError({"destination": _("请选择调入库点")})
                services.transfer_stock(
                    source=d["warehouse"],
                    destination=d["destination"],
                    reason=d["reason"],
                    **common,
                )
            else:
                services.adjust_stock(
                    warehouse=d["warehouse"], reason=d["reason"], counted=d["counted"], **common
                )
            messages.success(request, _("已登记%(kind)s") % {"kind": MOVEMENT_TITLES[kind]})
            return redirect("supplies:warehouse_detail", pk=d["warehouse"].pk)
    return render(
        request,
        "supplies/form.html",
        {
            "form": form,
            "title": MOVEMENT_TITLES[kind],
            "back_url": reverse("supplies:warehouse_list"),
            "back_label": _("物资库点"),
        },
    )


@permission_required("supplies.view_movement", raise_exception=True)
def stock_list(request: HttpRequest) -> HttpResponse:
    """库存: stock per place and item, daily outflow and days of cover, in scope or in an
    area of it, as of the end of a day (today by default); ``?low=true`` alerts only."""
    filterset = StockFilterSet(
        request.GET or None, queryset=Movement.objects.visible_to(request.user), request=request
    )
    style_form(bound_filter_form(filterset.form))
    chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
    low, day = bool(chosen.get("low")), chosen.get("date") or timezone.localdate()
    pick = selectors.low_stock_alerts if low else selectors.stock_table
    rows = pick(filterset.qs, today=day)
    if request.GET.get("export") == "xlsx":
        return export_xlsx(
            rows,
            StockTable.export_columns(),
            user=request.user,
            model=Movement,
            filters={"low": low, "date": day.isoformat()}
            | ({"area": str(chosen["area"].pk)} if chosen.get("area") else {}),
            title=_("物资库存"),
        )
    return render(
        request,
        "supplies/stock_list.html",
        {
            "filterset": filterset,
            "table": StockTable(rows),
            "count": len(rows),
            "low": low,
            "window": selectors.BURN_WINDOW_DAYS,
            "query_string": request.GET.urlencode(),
        },
    )


# --- donations ---------------------------------------------------------------------------


class DonationListView(ObjectListView):
    model = Donation
    filterset_class = DonationFilterSet
    table_class = DonationTable
    selector = staticmethod(_donations)
    export_permission = "supplies.export_donation"
    list_url_name = "supplies:donation_list"
    add_url_name = "supplies:donation_add"
    template_name = "supplies/donation_list.html"

    def base_context(self):
        qs = DonationFilterSet(
            self.request.GET or None,
            queryset=Donation.objects.visible_to(self.request.user),
            request=self.request,
        ).qs
        return super().base_context() | {"totals": selectors.donation_totals(qs)}


@permission_required("supplies.add_donation", raise_exception=True)
def donation_add(request: HttpRequest) -> HttpResponse:
    form = DonationForm(request.POST or None, user=request.user)
    goods = GoodsLineFormSet(request.POST or None, prefix="goods")
    if request.method == "POST" and form.is_valid() and goods.is_valid():
        d = dict(form.cleaned_data)
        lines = [
            services.GoodsLine(g["item"], g["quantity"], g.get("unit") or "")
            for g in goods.cleaned_data
            if g.get("item") and g.get("quantity")
        ]
        with service_errors(form):
            donation = services.create_donation(actor=request.user, goods=lines, **d)
            messages.success(request, _("已登记捐赠：%(obj)s") % {"obj": donation})
            return redirect("supplies:donation_detail", pk=donation.pk)
    return render(
        request,
        "supplies/form.html",
        {
            "form": form,
            "formset": goods,
            "formset_title": _("捐赠物品"),
            "title": _("登记捐赠"),
            "back_url": reverse("supplies:donation_list"),
            "back_label": _("捐赠"),
        },
    )


class DonationDetailView(ObjectDetailView):
    model = Donation
    selector = staticmethod(_donations)
    template_name = "supplies/donation_detail.html"
    list_url_name = "supplies:donation_list"

    def get_extra_context(self, request, obj):
        return {
            "contact": Donation._meta.get_field("donor_contact").mask(obj.donor_contact),
            "lots": list(obj.lots.select_related("item", "warehouse")),
            "trace": selectors.trace_donation(obj),
            "verify_url": request.build_absolute_uri(
                reverse("supplies:donation_verify", args=[obj.receipt_code])
            ),
            "void_form": (
                VoidDonationForm()
                if obj.voided_at is None and request.user.has_perm("supplies.change_donation")
                else None
            ),
        }


@require_POST
@permission_required("supplies.change_donation", raise_exception=True)
def donation_void(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销: a donation recorded in error is taken back out of the fund or the warehouse."""
    donation = get_object_or_404(_donations(Donation.objects.visible_to(request.user)), pk=pk)
    form = VoidDonationForm(request.POST)
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        services.void_donation(
            actor=request.user,
            donation=donation,
            reason=form.cleaned_data["reason"],
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已撤销捐赠登记：%(obj)s") % {"obj": donation})
    return redirect("supplies:donation_detail", pk=donation.pk)


@permission_required("supplies.view_donation", raise_exception=True)
def donation_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    donation = get_object_or_404(Donation.objects.visible_to(request.user), pk=pk)
    try:
        data = services.donation_receipt_pdf(
            actor=request.user, donation=donation, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect("supplies:donation_detail", pk=donation.pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{donation.receipt_code}.pdf"'
    return response


@public
def donation_verify(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt's QR code lands here (public): is this a receipt we issued, and for what."""
    donation = (
        Donation.objects.filter(receipt_code=code[:32])
        .only("kind", "donor_name", "donor_kind", "date", "amount", "receipt_code", "voided_at")
        .first()
    )
    response = render(request, "supplies/donation_verify.html", {"donation": donation})
    if donation is None:
        response.status_code = 404
    return response


# --- requests and allocations ------------------------------------------------------------


class SupplyRequestListView(ObjectListView):
    model = SupplyRequest
    filterset_class = SupplyRequestFilterSet
    table_class = SupplyRequestTable
    selector = staticmethod(_requests)
    export_permission = "supplies.view_supplyrequest"
    list_url_name = "supplies:request_list"
    add_url_name = "supplies:request_add"
    extra_actions = (
        ("supplies:allocate", gettext_lazy("按优先级分配"), "supplies.add_allocation"),
        ("supplies:allocation_list", gettext_lazy("调拨发放"), "supplies.view_allocation"),
    )


@permission_required("supplies.add_supplyrequest", raise_exception=True)
def request_add(request: HttpRequest) -> HttpResponse:
    form = SupplyRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(form):
            req = services.submit_request(
                actor=request.user,
                unit=d["unit_place"],
                item=d["item"],
                quantity=d["quantity"],
                unit_of_measure=d.get("unit") or "",
                urgency=d["urgency"],
                reason=d["reason"],
            )
            messages.success(request, _("已提交申领"))
            return redirect("supplies:request_detail", pk=req.pk)
    return render(
        request,
        "supplies/form.html",
        {
            "form": form,
            "title": _("物资申领"),
            "back_url": reverse("supplies:request_list"),
            "back_label": _("物资申领"),
        },
    )


class SupplyRequestDetailView(ObjectDetailView):
    model = SupplyRequest
    selector = staticmethod(_requests)
    template_name = "supplies/request_detail.html"
    list_url_name = "supplies:request_list"

    def get_extra_context(self, request, obj):
        can_decide = obj.state == RequestState.SUBMITTED and request.user.has_perm(
            "supplies.approve_supplyrequest"
        )
        return {
            "decision_form": DecisionForm() if can_decide else None,
            "allocations": AllocationTable(_allocations(obj.allocations.all())),
        }


@require_POST
@permission_required("supplies.approve_supplyrequest", raise_exception=True)
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(_requests(SupplyRequest.objects.visible_to(request.user)), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    with service_messages(request):
        services.decide_request(
            actor=request.user,
            request=req,
            approve=request.POST.get("decision") == "approve",
            approved_quantity=form.cleaned_data.get("approved_quantity"),
            note=form.cleaned_data.get("note", ""),
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已审批"))
    return redirect("supplies:request_detail", pk=req.pk)


@permission_required("supplies.add_allocation", raise_exception=True)
def allocate(request: HttpRequest) -> HttpResponse:
    """按优先级分配: preview the order, then dispatch in one step."""
    form = AllocateForm(request.POST or request.GET or None, user=request.user)
    plan = []
    if form.is_bound and form.is_valid():
        source, item = form.cleaned_data["source"], form.cleaned_data["item"]
        if request.method == "POST":
            with service_errors(form):
                created = services.allocate_item(actor=request.user, source=source, item=item)
                messages.success(request, _("已按优先级发出 %(n)s 笔") % {"n": len(created)})
                return redirect("supplies:allocation_list")
        requests = list(
            _requests(SupplyRequest.objects.visible_to(request.user)).filter(
                item=item, state=RequestState.APPROVED
            )
        )
        dispatched = selectors.dispatched_by_request(
            Allocation.objects.filter(request__in=requests)
        )
        available = selectors.stock_of(Movement.objects.all(), warehouse=source, item=item)
        plan = services.plan_allocation(requests, available, dispatched)
    return render(request, "supplies/allocate.html", {"form": form, "plan": plan})


class AllocationListView(ObjectListView):
    model = Allocation
    filterset_class = AllocationFilterSet
    table_class = AllocationTable
    selector = staticmethod(_allocations)
    export_permission = "supplies.view_allocation"
    list_url_name = "supplies:allocation_list"
    template_name = "supplies/allocation_list.html"

    def base_context(self):
        user = self.request.user
        pending = []
        if user.has_perm("supplies.receive_allocation"):
            pending = list(
                _allocations(Allocation.objects.visible_to(user)).filter(
                    state=AllocationState.DISPATCHED
                )[:50]
            )
        return super().base_context() | {"pending": pending}


@require_POST
@permission_required("supplies.receive_allocation", raise_exception=True)
def allocation_receive(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(_allocations(Allocation.objects.visible_to(request.user)), pk=pk)
    with service_messages(request):
        services.confirm_receipt(
            actor=request.user, allocation=allocation, note=request.POST.get("note", "")
        )
        messages.success(request, _("已签收"))
    return redirect("supplies:allocation_list")


# --- funds -------------------------------------------------------------------------------


class FundListView(ObjectListView):
    model = Fund
    filterset_class = FundFilterSet
    table_class = FundTable
    selector = staticmethod(selectors.fund_list)
    export_permission = "supplies.view_fund"
    list_url_name = "supplies:fund_list"
    add_url_name = "supplies:fund_add"
    extra_actions = (
        ("supplies:fundentry_list", gettext_lazy("资金流水"), "supplies.view_fundentry"),
    )


class FundEntryListView(ObjectListView):
    """资金流水: every income, allocation and spending, exported for the 公示 of funds."""

    model = FundEntry
    filterset_class = FundEntryFilterSet
    table_class = FundEntryTable
    selector = staticmethod(lambda qs: qs.select_related("fund"))
    export_permission = "supplies.view_fundentry"
    list_url_name = "supplies:fundentry_list"
    hidden_filters = ("fund",)


@permission_required("supplies.add_fund", raise_exception=True)
def fund_add(request: HttpRequest) -> HttpResponse:
    form = FundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            fund = services.create_fund(actor=request.user, **form.cleaned_data)
            return redirect("supplies:fund_detail", pk=fund.pk)
    return render(
        request,
        "supplies/form.html",
        {
            "form": form,
            "title": _("新增专项资金"),
            "back_url": reverse("supplies:fund_list"),
            "back_label": _("专项资金"),
        },
    )


class FundDetailView(ObjectDetailView):
    model = Fund
    selector = staticmethod(selectors.fund_list)
    template_name = "supplies/fund_detail.html"
    list_url_name = "supplies:fund_list"

    def get_extra_context(self, request, obj):
        return {
            "entries": FundEntryTable(FundEntry.objects.filter(fund=obj).select_related("fund")),
            "entry_form": FundEntryForm()
            if request.user.has_perm("supplies.add_fundentry")
            else None,
        }


@require_POST
@permission_required("supplies.add_fundentry", raise_exception=True)
def fund_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_object_or_404(Fund.objects.visible_to(request.user), pk=pk)
    form = FundEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("supplies:fund_detail", pk=fund.pk)
    with service_messages(request):
        services.record_fund_entry(actor=request.user, fund=fund, **form.cleaned_data)
        messages.success(request, _("已登记资金流水"))
    return redirect("supplies:fund_detail", pk=fund.pk)


# --- catalogue import --------------------------------------------------------------------

ITEM_IMPORTER = "supplies.item"


def _item_import_form(form) -> None:
    form.fields["area"].label = _("导入单位所在区域")
    form.fields["area"].help_text = _("物资目录全市共用；区域仅用于记录导入来源")


item_import, item_import_template = import_views(
    importer=ITEM_IMPORTER,
    permission="supplies.add_item",
    form_class=ResidentImportForm,
    form_setup=_item_import_form,
    template_name="supplies/item_import.html",
    template_url_name="supplies:item_import_template",
    file_name=lambda: _("物资目录导入模板") + ".xlsx",
)


# --- delivery note import ----------------------------------------------------------------

RECEIPT_IMPORTER = "supplies.receipt"


def _receipt_import_form(form) -> None:
    form.fields["area"].help_text = _(
        "表中的库点须在此区域内；不同区域有同名库点时，请选择库点所在的区域"
    )


receipt_import, receipt_import_template = import_views(
    importer=RECEIPT_IMPORTER,
    permission="supplies.add_movement",
    form_class=ResidentImportForm,
    form_setup=_receipt_import_form,
    template_name="supplies/receipt_import.html",
    template_url_name="supplies:receipt_import_template",
    file_name=lambda: _("入库单导入模板") + ".xlsx",
)
