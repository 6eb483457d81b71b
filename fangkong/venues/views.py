"""Venue pages: the lists (configuration on ``core.views.generic``), the poster, the checkpoint
page for staff, going-out approvals, and the public scan page (no login).

Writes go through ``venues.services``; nothing here decides who is admitted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core import ratelimit
from fangkong.core.cache import local_cache
from fangkong.core.middleware import public
from fangkong.core.scoping import is_large_scope, user_area
from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_service_errors,
    newest_per_group,
    service_errors,
    service_messages,
)
from fangkong.core.views.home import Todo
from fangkong.core.views.imports import import_views
from fangkong.registry.record_pages import resident_form_page, resident_from_query

from . import pdf, selectors, services
from .choices import ApprovalState, Direction
from .filtersets import OutingApprovalFilterSet, ScanFilterSet, VenueFilterSet
from .forms import (
    CheckpointLookupForm,
    CheckpointRecordForm,
    OutingCancelForm,
    OutingDecisionForm,
    OutingRequestForm,
    PublicScanForm,
    VenueForm,
    VenueImportForm,
)
from .models import OutingApproval, Scan, Venue
from .tables import OutingApprovalTable, ScanTable, VenueTable

RECENT_SCANS = 20


# --- venues ------------------------------------------------------------------------------


class VenueListView(ObjectListView):
    model = Venue
    filterset_class = VenueFilterSet
    table_class = VenueTable
    selector = staticmethod(selectors.venue_list)
    export_permission = "venues.export_venue"
    list_url_name = "venues:venue_list"
    add_url_name = "venues:venue_add"
    extra_actions = (
        ("venues:scan_list", gettext_lazy("扫码记录"), "venues.view_scan"),
        ("venues:outing_list", gettext_lazy("外出审批报备"), "venues.view_outingapproval"),
        ("venues:venue_import", gettext_lazy("批量导入"), "venues.add_venue"),
    )


class VenueDetailView(ObjectDetailView):
    model = Venue
    selector = staticmethod(selectors.venue_list)
    template_name = "venues/venue_detail.html"
    list_url_name = "venues:venue_list"
    edit_url_name = "venues:venue_edit"
    delete_url_name = "venues:venue_delete"

    def get_extra_context(self, request, obj):
        url = request.build_absolute_uri(pdf.scan_path(obj))
        current = selectors.occupancy(obj)
        # Who came in, when, with what temperature and colour: for those who may read scans,
        # not for everyone who staffs the venue's door (volunteers, liaisons, inspectors).
        scans = None
        if request.user.has_perm("venues.view_scan"):
            recent = selectors.scan_list(Scan.objects.filter(venue=obj))[:RECENT_SCANS]
            scans = ScanTable(recent)
        return {
            "scan_url": url,
            "qr_svg": pdf.qr_svg(url),
            "occupancy": current,
            "at_limit": selectors.at_flow_limit(obj, current),
            "scans": scans,
            "can_checkpoint": request.user.has_perm("venues.checkpoint_venue"),
        }


class VenueEditView(ObjectEditView):
    model = Venue
    form_class = VenueForm
    create_service = staticmethod(services.create_venue)
    update_service = staticmethod(services.update_venue)
    list_url_name = "venues:venue_list"
    detail_url_name = "venues:venue_detail"


class VenueDeleteView(ObjectDeleteView):
    model = Venue
    delete_service = staticmethod(services.delete_venue)
    list_url_name = "venues:venue_list"
    detail_url_name = "venues:venue_detail"


def _venue_for(request: HttpRequest, pk: int) -> Venue:
    qs = selectors.venue_list(Venue.objects.visible_to(request.user))
    return get_object_or_404(qs, pk=pk)


@permission_required("venues.view_venue", raise_exception=True)
def venue_poster(request: HttpRequest, pk: int) -> HttpResponse:
    venue = _venue_for(request, pk)
    data = pdf.render_poster(venue, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="venue-{venue.pk}.pdf"'
    return response


# --- scans -------------------------------------------------------------------------------


class ScanListView(ObjectListView):
    model = Scan
    filterset_class = ScanFilterSet
    table_class = ScanTable
    selector = staticmethod(selectors.scan_list)
    export_permission = "venues.export_scan"
    list_url_name = "venues:scan_list"
    scope_walk = True
    hidden_filters = ("venue",)
    large = True  # 10M rows: no COUNT(*) per page

    def narrow_to_page(self, request, qs, stop):
        """A community or grid (a scope not walked, ``ScopedQuerySet.in_area``) on SQLite:
        bounded by its venues' own newest scans. PostgreSQL's plan already reads a page."""
        area = user_area(request.user)
        if (
            connection.vendor != "sqlite"
            or area is None
            or is_large_scope(area)
            or tuple(qs.query.order_by) != ("-scanned_at", "-uuid")
        ):
            return qs
        venues = Venue.objects.visible_to(request.user)
        return newest_per_group(qs, time="scanned_at", group="venue", groups=venues, stop=stop)


# --- the checkpoint page -----------------------------------------------------------------


def _recheck(request: HttpRequest, venue: Venue, record_form: CheckpointRecordForm):
    """After a refused record: the person's check, the record form with its errors and an
    empty lookup form (see ``checkpoint``); without a check when it fails too."""
    identity = {k: record_form.cleaned_data.get(k, "") for k in ("token", "id_number")}
    try:
        admission = services.checkpoint_check(actor=request.user, venue=venue, **identity)
    except (ValidationError, PermissionDenied):
        return None, None, record_form
    return admission, record_form, CheckpointLookupForm()


@permission_required("venues.checkpoint_venue", raise_exception=True)
def checkpoint(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff at the door: check a person (code or ID number), then record entry or exit.

    The identity travels in the POST body only; recording decides again on the server.
    """
    venue = _venue_for(request, pk)
    admission = None
    record_form = None
    recorded = False
    form = CheckpointLookupForm(request.POST or None)
    action = request.POST.get("action", "check")
    if request.method == "POST":
        if action == "record":
            form = CheckpointRecordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "record":
                    admission = services.record_checkpoint_scan(
                        actor=request.user,
                        venue=venue,
                        direction=data["direction"],
                        token=data.get("token", ""),
                        id_number=data.get("id_number", ""),
                        temperature=data.get("temperature"),
                    )
                    done = (
                        _("已登记离开")
                        if data["direction"] == Direction.OUT
                        else (_("已登记进入") if admission.admitted else _("已登记：拒绝进入"))
                    )
                    messages.success(request, done)
                    recorded = True
                else:
                    admission = services.checkpoint_check(
                        actor=request.user,
                        venue=venue,
                        token=data.get("token", ""),
                        id_number=data.get("id_number", ""),
                    )
                    record_form = CheckpointRecordForm(
                        initial={"token": data.get("token"), "id_number": data.get("id_number")}
                    )
                    # The identity goes on in the record form's hidden fields; the lookup field
                    # is emptied for the next person, not left showing a full ID number to
                    # whoever stands in the queue.
                    form = CheckpointLookupForm()
            except ValidationError as e:
                add_service_errors(form, e)
                admission = None
                if action == "record":
                    # The person was checked a moment ago: the check again beside the error
                    # (a missing temperature…), so staff can record without checking again.
                    admission, record_form, form = _recheck(request, venue, form)
            except PermissionDenied as e:
                form.add_error(None, str(e))
        if recorded:
            form = CheckpointLookupForm()
    current = selectors.occupancy(venue)
    response = render(
        request,
        "venues/checkpoint.html",
        {
            "venue": venue,
            "form": form,
            "admission": admission,
            "record_form": record_form,
            "occupancy": current,
            "at_limit": selectors.at_flow_limit(venue, current),
            "recorded": recorded,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- going-out approvals -----------------------------------------------------------------


class OutingApprovalListView(ObjectListView):
    model = OutingApproval
    filterset_class = OutingApprovalFilterSet
    table_class = OutingApprovalTable
    selector = staticmethod(selectors.outing_list)
    export_permission = "venues.export_scan"
    list_url_name = "venues:outing_list"
    add_url_name = "venues:outing_add"
    hidden_filters = ("resident",)


class OutingApprovalDetailView(ObjectDetailView):
    model = OutingApproval
    selector = staticmethod(selectors.outing_list)
    template_name = "venues/outing_detail.html"
    list_url_name = "venues:outing_list"

    def get_extra_context(self, request, obj):
        can_decide = (
            obj.state == ApprovalState.PENDING
            and request.user.has_perm("venues.approve_outingapproval")
            and obj.requested_by_id != request.user.pk
        )
        # A request whose return time has passed can no longer be approved, only rejected.
        stale = obj.ends_at <= timezone.now()
        can_cancel = (
            obj.state in (ApprovalState.PENDING, ApprovalState.APPROVED)
            and obj.ends_at > timezone.now()
            and request.user.has_perm("venues.add_outingapproval")
        )
        return {
            "decision_form": OutingDecisionForm() if can_decide else None,
            "stale": stale,
            "cancel_form": OutingCancelForm() if can_cancel else None,
        }


@permission_required("venues.add_outingapproval", raise_exception=True)
def outing_add(request: HttpRequest) -> HttpResponse:
    resident = resident_from_query(request)
    form = OutingRequestForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "id_number"}
        with service_errors(form):
            outing = services.request_outing(actor=request.user, resident=form.resident, **data)
            messages.success(request, _("已登记外出申请，等待审批"))
            return redirect("venues:outing_detail", pk=outing.pk)
    return resident_form_page(
        request,
        form,
        title=_("登记外出申请"),
        list_url=reverse("venues:outing_list"),
        list_label=_("外出审批报备"),
        resident=resident,
    )


@require_POST
@permission_required("venues.approve_outingapproval", raise_exception=True)
def outing_decide(request: HttpRequest, pk: int) -> HttpResponse:
    outing = get_object_or_404(
        selectors.outing_list(OutingApproval.objects.visible_to(request.user)), pk=pk
    )
    form = OutingDecisionForm(request.POST)
    form.is_valid()
    decide = (
        services.approve_outing
        if request.POST.get("decision") == "approve"
        else services.reject_outing
    )
    with service_messages(request):
        decide(
            actor=request.user,
            outing=outing,
            note=form.cleaned_data.get("note", ""),
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已审批：%(s)s") % {"s": outing.get_state_display()})
    return redirect("venues:outing_detail", pk=outing.pk)


@require_POST
@permission_required("venues.add_outingapproval", raise_exception=True)
def outing_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    outing = get_object_or_404(
        selectors.outing_list(OutingApproval.objects.visible_to(request.user)), pk=pk
    )
    form = OutingCancelForm(request.POST)
    form.is_valid()
    with service_messages(request):
        services.cancel_outing(
            actor=request.user,
            outing=outing,
            note=form.cleaned_data.get("note", ""),
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已撤销外出申请"))
    return redirect("venues:outing_detail", pk=outing.pk)


def home_todos(user) -> list[Todo]:
    """外出申请待审批 on the approver's home page (someone else registered them): the person
    is often waiting at home or at the gate for the answer."""
    if not user.has_perm("venues.approve_outingapproval"):
        return []
    return [
        Todo(
            "outings",
            _("外出申请待审批"),
            selectors.outings_awaiting(user).count(),
            reverse("venues:outing_list") + "?to_decide=true",
        )
    ]


# --- the public scan page ----------------------------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    # The default same-origin referrer policy stays: "no-referrer" makes browsers send
    # "Origin: null" with the form, which CSRF protection rightly refuses.
    response["Cache-Control"] = "no-store"
    return response


@public
def public_scan(request: HttpRequest, code: str) -> HttpResponse:
    """场所码扫码登记: the person types who they are; the page answers in large colours.

    No personal data in the URL (only the venue's random code); the identity comes in the
    POST body and is remembered in the phone's localStorage by ``venues/scan.js`` only.
    """
    venue = (
        Venue.objects.filter(code=code, active=True)
        .only("pk", "name", "code", "measures_temperature", "capacity", "area_id")
        .first()
    )
    if venue is None:
        response = render(
            request, "venues/public_scan.html", {"error": _("场所码无效或已停用")}, status=404
        )
        return _no_store(response)
    form = PublicScanForm(request.POST or None)
    admission = None
    status = 200
    if request.method == "POST":
        limit = getattr(settings, "FANGKONG_SCAN_RATE_PER_MINUTE", 30)
        if not ratelimit.hit(request, "public-scan", limit=limit, window=60, cache=local_cache):
            response = render(
                request,
                "venues/public_scan.html",
                {"venue": venue, "form": form, "error": _("操作过于频繁，请稍后再试")},
                status=429,
            )
            return _no_store(response)
        if form.is_valid():
            data = form.cleaned_data
            try:
                admission = services.record_public_scan(
                    venue_code=venue.code,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    temperature=data["temperature"],
                    direction=data["direction"] or Direction.IN,
                )
            except ValidationError as e:
                add_service_errors(form, e)
        if admission is None:
            status = 400
    response = render(
        request,
        "venues/public_scan.html",
        {"venue": venue, "form": form, "admission": admission},
        status=status,
    )
    return _no_store(response)


venue_import, venue_import_template = import_views(
    importer="venues.venue",
    permission="venues.add_venue",
    form_class=VenueImportForm,
    template_name="venues/venue_import.html",
    template_url_name="venues:venue_import_template",
    file_name=lambda: _("场所名单导入模板") + ".xlsx",
)
