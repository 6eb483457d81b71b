"""Duty pages: working groups, rosters with coverage and import, handovers, notices and the
recipient's inbox. Lists are configuration on ``core.views.generic``; writes call ``services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.models import Area
from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    service_errors,
    service_messages,
)
from fangkong.core.views.imports import import_views
from fangkong.status.clock import local_date

from . import selectors, services
from .coverage import unit_coverage
from .filtersets import HandoverFilterSet, NoticeFilterSet, ShiftFilterSet, WorkingGroupFilterSet
from .forms import (
    CloseItemForm,
    CoverageForm,
    HandoverForm,
    NoticeForm,
    ShiftCoverForm,
    ShiftForm,
    ShiftImportForm,
    WorkingGroupForm,
)
from .models import Handover, HandoverItem, Notice, NoticeReceipt, Shift, WorkingGroup
from .tables import HandoverTable, NoticeTable, ShiftTable, WorkingGroupTable

SHIFT_IMPORTER = "duty.shift"


# --- working groups ----------------------------------------------------------------------


class WorkingGroupListView(ObjectListView):
    model = WorkingGroup
    filterset_class = WorkingGroupFilterSet
    table_class = WorkingGroupTable
    selector = selectors.group_list
    export_permission = "duty.export_shift"
    list_url_name = "duty:group_list"
    add_url_name = "duty:group_add"


class WorkingGroupDetailView(ObjectDetailView):
    model = WorkingGroup
    selector = selectors.group_list
    template_name = "duty/group_detail.html"
    list_url_name = "duty:group_list"
    edit_url_name = "duty:group_edit"
    delete_url_name = "duty:group_delete"

    def get_extra_context(self, request, obj):
        return {"members": list(obj.members.order_by("username"))}


class WorkingGroupEditView(ObjectEditView):
    model = WorkingGroup
    form_class = WorkingGroupForm
    list_url_name = "duty:group_list"
    detail_url_name = "duty:group_detail"
    create_service = services.create_working_group
    update_service = services.update_working_group


class WorkingGroupDeleteView(ObjectDeleteView):
    model = WorkingGroup
    list_url_name = "duty:group_list"
    detail_url_name = "duty:group_detail"
    delete_service = services.delete_working_group


# --- shifts, coverage, import ------------------------------------------------------------


class ShiftListView(ObjectListView):
    model = Shift
    filterset_class = ShiftFilterSet
    table_class = ShiftTable
    selector = selectors.shift_roster
    export_permission = "duty.export_shift"
    list_url_name = "duty:shift_list"
    add_url_name = "duty:shift_add"
    hidden_filters = ("person",)
    extra_actions = (
        ("duty:coverage", gettext_lazy("值守覆盖"), "duty.view_shift"),
        ("duty:shift_import", gettext_lazy("导入值班表"), "duty.import_shift"),
    )

    def export_rows(self, qs):
        # A printed or filed roster runs in time order, whatever the page leads with.
        return super().export_rows(qs).order_by("start", "id")


class ShiftDetailView(ObjectDetailView):
    model = Shift
    selector = selectors.shift_list
    template_name = "duty/shift_detail.html"
    list_url_name = "duty:shift_list"
    edit_url_name = "duty:shift_edit"
    delete_url_name = "duty:shift_delete"

    def get_extra_context(self, request, obj):
        # A shift that is over was held by whoever held it: it has nobody left to cover.
        over = obj.end <= timezone.now()
        return {
            "cover_url": "" if over else self.action_url(request, obj, "duty:shift_cover", "change")
        }


class ShiftEditView(ObjectEditView):
    model = Shift
    form_class = ShiftForm
    list_url_name = "duty:shift_list"
    detail_url_name = "duty:shift_detail"
    create_service = services.create_shift
    update_service = services.update_shift


class ShiftCoverView(ObjectEditView):
    """替班 from the shift's page, with the version the page showed."""

    model = Shift
    form_class = ShiftCoverForm
    template_name = "duty/shift_cover.html"
    list_url_name = "duty:shift_list"
    detail_url_name = "duty:shift_detail"
    update_service = services.cover_shift
    saved_message = gettext_lazy("已替班：%(obj)s")

    def get_object(self, request, pk):
        obj = super().get_object(request, pk)
        if obj.end <= timezone.now():
            raise PermissionDenied(_("该班次已结束，不能替班"))
        return obj

    def get_form(self, request, obj, data=None, files=None):
        form = super().get_form(request, obj, data=data, files=files)
        if data is None:  # offered: not who holds it now (a post is checked by the service,
            people = form.fields["person"]  # after the version, for a page gone stale)
            people.queryset = people.queryset.exclude(pk=obj.person_id)
        return form

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


class ShiftDeleteView(ObjectDeleteView):
    model = Shift
    list_url_name = "duty:shift_list"
    detail_url_name = "duty:shift_detail"
    delete_service = services.delete_shift


@permission_required("duty.view_shift", raise_exception=True)
def coverage(request: HttpRequest) -> HttpResponse:
    """A unit's 24-hour coverage for a day or a week: gaps and double bookings."""
    initial = {"day": local_date(timezone.now()), "span": "day", "area": request.user.area_id}
    # The first visit shows the user's own unit today; an account without a unit picks one.
    data = request.GET or (initial if request.user.area_id else None)
    form = CoverageForm(data, user=request.user, initial=initial)
    days = []
    if form.is_bound and form.is_valid():
        days = unit_coverage(
            Shift.objects.visible_to(request.user),
            form.cleaned_data["area"],
            form.first_day(),
            form.days,
        )
    return render(
        request,
        "duty/coverage.html",
        {
            "form": form,
            "days": days,
            "gap_days": sum(1 for d in days if d.gaps),
            "list_url": reverse("duty:shift_list"),
        },
    )


shift_import, shift_import_template = import_views(
    importer=SHIFT_IMPORTER,
    permission="duty.import_shift",
    form_class=ShiftImportForm,
    template_name="duty/shift_import.html",
    template_url_name="duty:shift_import_template",
    file_name=lambda: _("值班表导入模板") + ".xlsx",
)


# --- handovers ---------------------------------------------------------------------------


class HandoverListView(ObjectListView):
    model = Handover
    filterset_class = HandoverFilterSet
    table_class = HandoverTable
    selector = selectors.handover_list
    export_permission = "duty.export_shift"
    list_url_name = "duty:handover_list"
    add_url_name = "duty:handover_add"

    def get_queryset(self, request):
        return selectors.handover_list(selectors.handovers_for(request.user))


def _duty_areas(user):
    """Units the user may hand over at: their subtree and units where they hold a shift."""
    held = Shift.objects.filter(person=user).values("area_id")
    return (
        Area.objects.filter(Q(pk__in=Area.objects.visible_to(user).values("pk")) | Q(pk__in=held))
        .select_related("parent")
        .order_by("path")
    )


def _chosen_area(form: HandoverForm) -> Area | None:
    """The unit the form names (posted, or ``?area=`` on the first visit), if it is one of
    the form's choices: the open items of any other unit are not the user's to read."""
    try:
        return form.fields["area"].clean(form["area"].value())
    except ValidationError:
        return None


@permission_required("duty.add_handover", raise_exception=True)
def handover_add(request: HttpRequest) -> HttpResponse:
    areas = _duty_areas(request.user)
    form = HandoverForm(
        request.POST or None,
        user=request.user,
        areas=areas,
        people=selectors.handover_candidates(request.user, list(areas)),
        initial={"area": request.GET.get("area") or request.user.area_id},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            handover = services.create_handover(
                actor=request.user,
                area=form.cleaned_data["area"],
                incoming=form.cleaned_data["incoming"],
                notes=form.cleaned_data["notes"],
                new_items=form.cleaned_data["new_items"],
            )
            messages.success(request, _("已交班，等待接班人确认"))
            return redirect("duty:handover_detail", pk=handover.pk)
    open_items = []
    area = _chosen_area(form)
    if area is not None:
        open_items = list(selectors.open_items(HandoverItem.objects.all(), area))
    return render(
        request,
        "duty/handover_form.html",
        {"form": form, "open_items": open_items, "list_url": reverse("duty:handover_list")},
    )


class HandoverDetailView(ObjectDetailView):
    model = Handover
    template_name = "duty/handover_detail.html"
    list_url_name = "duty:handover_list"

    def get_queryset(self, request):
        return selectors.handover_list(selectors.handovers_for(request.user))

    def get_extra_context(self, request, obj):
        return {
            "new_items": list(obj.items.select_related("closed_by")),
            "carried": list(obj.carried_items.select_related("closed_by", "handover")),
            "can_acknowledge": obj.acknowledged_at is None and obj.incoming_id == request.user.pk,
            "close_form": CloseItemForm(),
        }


def _handover_for(request: HttpRequest, pk: int) -> Handover:
    return get_object_or_404(selectors.handovers_for(request.user), pk=pk)


@require_POST
@login_required
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover_for(request, pk)
    with service_messages(request):
        services.acknowledge_handover(actor=request.user, handover=handover)
        messages.success(request, _("已确认接班"))
    return redirect("duty:handover_detail", pk=handover.pk)


@require_POST
@login_required
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    visible = selectors.handovers_for(request.user)
    item = get_object_or_404(
        HandoverItem.objects.filter(Q(handover__in=visible) | Q(carried_in__in=visible)).distinct(),
        pk=pk,
    )
    form = CloseItemForm(request.POST)
    form.is_valid()
    with service_messages(request):
        services.close_handover_item(
            actor=request.user, item=item, note=form.cleaned_data.get("note", "")
        )
        messages.success(request, _("事项已办结"))
    # Back to the handover the item was closed from (a carried item shows on later ones).
    back = request.POST.get("handover", "")
    return redirect("duty:handover_detail", pk=int(back) if back.isdigit() else item.handover_id)


# --- notices and the inbox ---------------------------------------------------------------


class NoticeListView(ObjectListView):
    model = Notice
    filterset_class = NoticeFilterSet
    table_class = NoticeTable
    selector = selectors.notice_list
    export_permission = "duty.export_shift"
    list_url_name = "duty:notice_list"
    add_url_name = "duty:notice_add"
    extra_actions = (("duty:inbox", gettext_lazy("我的签收"), "duty.view_notice"),)


@permission_required("duty.add_notice", raise_exception=True)
def notice_add(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            notice = services.send_notice(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已发送给 %(n)s 人") % {"n": notice.recipient_count})
            return redirect("duty:notice_detail", pk=notice.pk)
    return render(
        request, "duty/notice_form.html", {"form": form, "list_url": reverse("duty:notice_list")}
    )


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice; its recipient signs here; the sending side sees who has and has not."""
    notice = get_object_or_404(
        selectors.notices_for(request.user).select_related("sender_area", "sent_by"), pk=pk
    )
    receipt = NoticeReceipt.objects.filter(notice=notice, user=request.user).first()
    manages = request.user.has_perm("duty.view_notice") and (
        Notice.objects.visible_to(request.user).filter(pk=notice.pk).exists()
    )
    report = selectors.acknowledgment_report(notice) if manages else None
    return render(
        request,
        "duty/notice_detail.html",
        {
            "object": notice,
            "receipt": receipt,
            "report": report,
            "overdue": notice.is_overdue(),
            "can_remind": manages
            and request.user.has_perm("duty.remind_notice")
            and report is not None
            and bool(report.pending),
            "target_areas": list(notice.target_areas.order_by("path")),
            "list_url": reverse("duty:notice_list") if manages else reverse("duty:inbox"),
        },
    )


@require_POST
@login_required
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    with service_messages(request):
        services.acknowledge_notice(actor=request.user, notice=notice)
        messages.success(request, _("已签收：%(t)s") % {"t": notice.title})
    if request.POST.get("next") == "inbox":
        return redirect("duty:inbox")
    return redirect("duty:notice_detail", pk=notice.pk)


@require_POST
@permission_required("duty.remind_notice", raise_exception=True)
def notice_remind(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    with service_messages(request):
        reminded = services.remind_unacknowledged(actor=request.user, notice=notice)
        messages.success(request, _("已催办 %(n)s 人") % {"n": len(reminded)})
    return redirect("duty:notice_detail", pk=notice.pk)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notices: unacknowledged first."""
    receipts = list(selectors.inbox(request.user)[:200])
    now = timezone.now()
    return render(
        request,
        "duty/inbox.html",
        {
            "receipts": receipts,
            "pending": sum(1 for r in receipts if r.acknowledged_at is None),
            "now": now,
        },
    )
