"""Tracing pages: cases, their contacts with the reasons found, confirm/dismiss, one-action
quarantine, the transmission chain (SVG and Excel). Writes go through ``tracing.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.exporting import can_reveal_export, check_export, export_xlsx
from fangkong.core.personal import mask_name
from fangkong.core.scoping import area_visible_to
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    form_error_text,
    service_errors,
    service_messages,
)
from fangkong.health.choices import QUARANTINE_KINDS, AssignmentState
from fangkong.health.models import Assignment
from fangkong.health.selectors import quarantines_in_force
from fangkong.registry.record_pages import resident_form_page, resident_from_query

from . import selectors, services
from .choices import CaseStatus, ContactDegree, ContactState, ExposureKind
from .filtersets import CaseFilterSet, ContactFilterSet
from .forms import (
    CaseChangeForm,
    CaseForm,
    DischargeForm,
    DismissForm,
    NamedContactForm,
    NamedContactImportForm,
    QuarantineForm,
    TraceForm,
    VisitorContactForm,
    VoidForm,
)
from .graph import chain_svg
from .models import Case, Contact, Exposure
from .tables import CaseTable, ChainEdgeTable, ContactTable, VisitorTable


def _cases(qs):
    return qs.select_related("resident", "resident__area")


def _contacts(qs):
    return qs.select_related("resident", "resident__area", "case__resident__area")


class CaseListView(ObjectListView):
    model = Case
    filterset_class = CaseFilterSet
    table_class = CaseTable
    selector = _cases
    export_permission = "tracing.export_case"
    list_url_name = "tracing:case_list"
    add_url_name = "tracing:case_add"


class ContactListView(ObjectListView):
    model = Contact
    filterset_class = ContactFilterSet
    table_class = ContactTable
    selector = _contacts
    export_permission = "tracing.export_case"
    list_url_name = "tracing:contact_list"
    scope_walk = True


@permission_required("tracing.add_case", raise_exception=True)
def case_add(request: HttpRequest) -> HttpResponse:
    resident = resident_from_query(request)
    form = CaseForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("id_number", None)
        with service_errors(form):
            case = services.create_case(actor=request.user, resident=form.resident, **data)
            messages.success(request, _("已登记病例 %(case)s") % {"case": case.label})
            return redirect("tracing:case_detail", pk=case.pk)
    return resident_form_page(
        request,
        form,
        title=_("登记病例"),
        list_url=reverse("tracing:case_list"),
        list_label=_("病例"),
        resident=resident,
    )


class CaseDetailView(ObjectDetailView):
    model = Case
    selector = _cases
    template_name = "tracing/case_detail.html"
    list_url_name = "tracing:case_list"
    edit_url_name = "tracing:case_edit"

    def action_url(self, request, obj, url_name, action):
        if obj.status == CaseStatus.VOIDED:  # nothing is recorded against a voided case
            return ""
        return super().action_url(request, obj, url_name, action)

    def get_extra_context(self, request, obj):
        user = request.user
        contacts = list(
            _contacts(Contact.objects.visible_to(user).filter(case=obj)).order_by(
                "degree", "state", "resident__area__path", "resident_id"
            )
        )
        # Whom each exposure was to: a secondary contact's is one of the close contacts, named
        # as the page names them (masked when they live outside the user's area).
        names = {
            obj.resident_id: obj.resident.name,
            **{c.resident_id: c.resident.name for c in contacts},
        }
        exposures: dict[int, list[Exposure]] = {}
        for e in (
            Exposure.objects.filter(contact__in=[c.pk for c in contacts])
            .select_related("venue", "source")
            .order_by("exposed_at", "id")
        ):
            e.source_name = names.get(e.source_id) or mask_name(e.source.name)
            e.apart_minutes = None
            if e.kind == ExposureKind.VENUE and not e.overlap_minutes:
                # Not there at once, but within the window of each other: how far apart.
                apart = max(e.contact_start - e.source_end, e.source_start - e.contact_end)
                e.apart_minutes = int(apart.total_seconds() // 60)
            exposures.setdefault(e.contact_id, []).append(e)
        people = [c.resident_id for c in contacts]
        running = quarantines_in_force(people, timezone.localdate())
        # Contacts who have become cases themselves: the chain goes on from them.
        as_cases = selectors.cases_of_residents(people)
        for c in contacts:
            c.found = exposures.get(c.pk, [])
            c.quarantine = running.get(c.resident_id)
            c.as_case = as_cases.get(c.resident_id)
        # Those confirmed, not cases and not yet in quarantine: whom 转隔离 would arrange.
        to_quarantine = [
            c
            for c in contacts
            if c.state == ContactState.CONFIRMED and c.quarantine is None and c.as_case is None
        ]
        linked_from = [
            (c, area_visible_to(c.case.resident.area, user))
            for c in selectors.exposures_of_case_person(obj)
        ]
        hidden = Contact.objects.filter(case=obj).count() - len(contacts)
        voided = obj.status == CaseStatus.VOIDED
        visitors = _visitors(user, obj)
        return {
            "close": [c for c in contacts if c.degree == ContactDegree.CLOSE],
            "secondary": [c for c in contacts if c.degree == ContactDegree.SECONDARY],
            "hidden": hidden,
            "linked_from": linked_from,
            "to_quarantine_count": len(to_quarantine),
            # Nothing is recorded against a voided case (recorded in error).
            "can_trace": not voided and user.has_perm("tracing.trace_case"),
            "can_change": not voided and user.has_perm("tracing.change_contact"),
            "can_name": not voided and user.has_perm("tracing.add_contact"),
            "can_quarantine": not voided and user.has_perm("health.add_assignment"),
            "can_export": user.has_perm("tracing.export_case"),
            "can_export_personal": user.has_perm("tracing.export_case")
            and can_reveal_export(user, Exposure),
            "discharge_form": (
                DischargeForm(initial={"status": CaseStatus.RECOVERED})
                if obj.status == CaseStatus.ACTIVE and user.has_perm("tracing.change_case")
                else None
            ),
            "void_form": (
                VoidForm() if not voided and user.has_perm("tracing.change_case") else None
            ),
            "trace_form": TraceForm(),
            "visitors": visitors,
            # 登记并列为密接 registers the person (a resident) and names them (a contact).
            "can_register_visitor": not voided
            and user.has_perm("tracing.add_contact")
            and user.has_perm("registry.add_resident"),
            "quarantine_form": QuarantineForm(),
            "dismiss_form": DismissForm(),
        }


def _visitors(user, case: Case) -> list[selectors.VisitorRow]:
    """The case's unregistered visitors in ``user``'s scope, each with its cells masked by
    ``VisitorTable`` (the pages show nothing else of their personal fields)."""
    rows = selectors.visitor_rows(user, case)
    names = [c.name for c in VisitorTable.html_columns()]
    for row, cells in VisitorTable(rows, user=user):
        row.cells = dict(zip(names, cells, strict=True))
    return rows


class CaseEditView(ObjectEditView):
    """修改病例: onset date, notes, source, 转确诊 — through ``services.update_case``."""

    model = Case
    form_class = CaseChangeForm
    selector = _cases
    list_url_name = "tracing:case_list"
    detail_url_name = "tracing:case_detail"
    update_service = services.update_case

    def get_object(self, request, pk):
        obj = super().get_object(request, pk)
        if obj.status == CaseStatus.VOIDED:
            raise PermissionDenied(_("该病例已撤销，不能再修改"))
        return obj

    def get_form(self, request, obj, data=None, files=None):
        return CaseChangeForm(data=data, case=obj)

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


def _case_for(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(_cases(Case.objects.visible_to(request.user)), pk=pk)


def _contact_for(request: HttpRequest, pk: int) -> Contact:
    return get_object_or_404(_contacts(Contact.objects.visible_to(request.user)), pk=pk)


@require_POST
@permission_required("tracing.trace_case", raise_exception=True)
def case_trace(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = TraceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("tracing:case_detail", pk=case.pk)
    with service_messages(request):
        summary = services.trace_case(
            actor=request.user, case=case, window_minutes=form.cleaned_data["window_minutes"]
        )
        text = _("追踪完成：密接 %(close)d 人，次密接 %(secondary)d 人，新增待核实 %(new)d 人") % {
            "close": summary.close,
            "secondary": summary.secondary,
            "new": summary.created,
        }
        if summary.outside_scope:
            text += _("；其中 %(n)d 人居住在其他辖区，已列入其所属辖区的待核实名单") % {
                "n": summary.outside_scope
            }
        messages.success(request, text)
    return redirect("tracing:case_detail", pk=case.pk)


@require_POST
@permission_required("tracing.change_case", raise_exception=True)
def case_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    """治愈/出院: the case leaves care, its resident's status follows."""
    case = _case_for(request, pk)
    form = DischargeForm(request.POST)
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        services.discharge_case(
            actor=request.user,
            case=case,
            expected_version=request.POST.get("version") or None,
            **form.cleaned_data,
        )
        messages.success(request, _("已登记病例治愈/出院"))
    return redirect("tracing:case_detail", pk=case.pk)


@require_POST
@permission_required("tracing.change_case", raise_exception=True)
def case_void(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销: a case recorded in error leaves the figures; its contacts are dismissed."""
    case = _case_for(request, pk)
    form = VoidForm(request.POST)
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        dismissed = Contact.objects.filter(case=case).exclude(state=ContactState.DISMISSED).count()
        services.void_case(
            actor=request.user,
            case=case,
            reason=form.cleaned_data["reason"],
            expected_version=request.POST.get("version") or None,
        )
        text = _("已撤销病例 %(case)s") % {"case": case.label}
        if dismissed:
            text += _("；其 %(n)d 名接触者已一并排除") % {"n": dismissed}
        held = Assignment.objects.filter(contact__case=case, state=AssignmentState.ACTIVE).count()
        if held:
            text += _(
                "；由此安排的 %(n)d 项隔离仍在执行，已列入健康管理人员待办"
                "（隔离来源病例已撤销，待评估），核实后再决定是否解除"
            ) % {"n": held}
        messages.success(request, text)
    return redirect("tracing:case_detail", pk=case.pk)


@require_POST
@permission_required("tracing.change_contact", raise_exception=True)
def contact_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_for(request, pk)
    with service_messages(request):
        services.confirm_contact(actor=request.user, contact=contact)
        messages.success(request, _("已确认接触者"))
    return redirect("tracing:case_detail", pk=contact.case_id)


@require_POST
@permission_required("tracing.change_contact", raise_exception=True)
def contact_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_for(request, pk)
    form = DismissForm(request.POST)
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError({"reason": _("排除接触者须填写原因")})
        services.dismiss_contact(
            actor=request.user, contact=contact, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("已排除接触者"))
        # The quarantine is a fact of its own: dismissing the contact does not end it, and
        # the person stays red and counted among 隔离中人员 until staff release it.
        running = _running_quarantine(contact.resident_id)
        if running is not None:
            messages.warning(
                request,
                _("该居民仍在%(kind)s中（至 %(end)s），排除后如无需隔离，请在其隔离安排中办理解除")
                % {"kind": running.get_kind_display(), "end": running.end_date.isoformat()},
            )
    return redirect("tracing:case_detail", pk=contact.case_id)


def _running_quarantine(resident_id: int):
    return (
        Assignment.objects.filter(
            resident_id=resident_id, kind__in=QUARANTINE_KINDS, state=AssignmentState.ACTIVE
        )
        .order_by("-end_date")
        .first()
    )


@require_POST
@permission_required("health.add_assignment", raise_exception=True)
def case_quarantine(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = QuarantineForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("contacts") if v.isdigit()]
    contacts = list(
        _contacts(Contact.objects.visible_to(request.user)).filter(case=case, pk__in=ids)
    )
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        made = services.quarantine_contacts(
            actor=request.user, case=case, contacts=contacts, **form.cleaned_data
        )
        messages.success(
            request,
            _("已为 %(n)d 名接触者安排隔离（其余已在隔离中）") % {"n": len(made)}
            if len(made) < len(contacts)
            else _("已为 %(n)d 名接触者安排隔离") % {"n": len(made)},
        )
    return redirect("tracing:case_detail", pk=case.pk)


@permission_required("tracing.add_contact", raise_exception=True)
def case_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = NamedContactForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.name_contact(
                actor=request.user,
                case=case,
                resident=form.resident,
                last_exposure=form.cleaned_data["last_exposure"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已登记流调指认的密切接触者"))
            return redirect("tracing:case_detail", pk=case.pk)
    return resident_form_page(
        request,
        form,
        title=_("流调指认密切接触者"),
        list_url=reverse("tracing:case_detail", args=[case.pk]),
        list_label=case.label,
    )


# --- import ------------------------------------------------------------------------------

NAMED_CONTACT_IMPORTER = "tracing.named_contact"


@permission_required("tracing.add_contact", raise_exception=True)
def named_contact_import(request: HttpRequest, pk: int) -> HttpResponse:
    """批量导入指认名单: the investigation's list of the case's close contacts, upload →
    dry-run preview → confirm (``core.views.imports``)."""
    from fangkong.core.views.imports import import_upload

    case = _case_for(request, pk)
    if case.status == CaseStatus.VOIDED:
        messages.error(request, _("该病例已撤销，不能再登记或追踪其接触者"))
        return redirect("tracing:case_detail", pk=case.pk)
    form = NamedContactImportForm(request.POST or None, request.FILES or None, user=request.user)
    return import_upload(
        request,
        form,
        importer=NAMED_CONTACT_IMPORTER,
        template_name="tracing/named_contact_import.html",
        options=lambda valid: {"case_id": case.pk, **valid.import_options()},
        context={
            "case": case,
            "template_url": reverse("tracing:named_contact_import_template", args=[case.pk]),
        },
    )


@permission_required("tracing.add_contact", raise_exception=True)
def named_contact_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.core.views.imports import import_template_response

    _case_for(request, pk)
    return import_template_response(NAMED_CONTACT_IMPORTER, _("流调指认名单导入模板") + ".xlsx")


def _legend() -> dict[str, str]:
    return {"case": _("病例"), "close": _("密切接触者"), "secondary": _("次密切接触者")}


@permission_required("tracing.view_exposure", raise_exception=True)
def case_chain_svg(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    svg = chain_svg(
        selectors.chain(request.user, case),
        title=_("病例 %(case)s 传播链") % {"case": case.label},
        legend=_legend(),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("tracing.export_case", raise_exception=True)
def case_chain_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The chain as Excel: names masked (GET), or in full for 协查 (POST with the purpose, by
    those who may: ``tracing.export_personal_exposure``), audited either way."""
    case = _case_for(request, pk)
    reveal = request.method == "POST"
    purpose = request.POST.get("purpose", "") if reveal else _("导出传播链")
    try:
        check_export(request.user, Exposure, reveal=reveal, purpose=purpose)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("tracing:case_detail", pk=case.pk)
    return export_xlsx(
        selectors.chain(request.user, case, reveal=reveal).edges,
        ChainEdgeTable.columns,
        user=request.user,
        purpose=purpose,
        reveal=reveal,
        model=Exposure,
        filters={"case": case.label},
        filename=f"chain-{case.label}.xlsx",
        title=_("传播链"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("tracing.add_contact", raise_exception=True)
def case_visitor_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """登记并列为密接: one unregistered visitor, found again among the case's visitors in the
    user's scope by the uuid of their scan (no personal data leaves the server). GET: the
    visitor, masked, and the choice of grid; POST: registered as a resident of that grid (or
    the resident their ID number already is) and named a close contact — all or nothing
    (``services.name_visitor_contact``)."""
    case = _case_for(request, pk)
    data = request.POST if request.method == "POST" else None
    wanted = (data or request.GET).get("scan", "")
    row = next((r for r in _visitors(request.user, case) if r.scan_uuid == wanted), None)
    if row is None:
        messages.error(request, _("未找到该同场未登记人员，请刷新页面后重试"))
        return redirect("tracing:case_detail", pk=case.pk)
    form = VisitorContactForm(
        data,
        initial={"scan": row.scan_uuid},
        user=request.user,
        registered=row.visitor.resident is not None,
    )
    if data is None:
        return render(
            request, "tracing/visitor_contact.html", {"case": case, "row": row, "form": form}
        )
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        _contact, created = services.name_visitor_contact(
            actor=request.user,
            case=case,
            visitor=row.visitor,
            area=form.cleaned_data.get("area"),
        )
        messages.success(
            request,
            _("已登记为居民并列为密切接触者（待核实）")
            if created
            else _("该人员已是登记居民，已列为密切接触者（待核实）"),
        )
    return redirect("tracing:case_detail", pk=case.pk)


@permission_required("tracing.export_case", raise_exception=True)
def case_visitors_export(request: HttpRequest, pk: int) -> HttpResponse:
    """同场未登记人员 as Excel, masked (their details come from scans), audited."""
    from fangkong.venues.models import Scan

    case = _case_for(request, pk)
    return export_xlsx(
        selectors.visitor_rows(request.user, case),
        VisitorTable.export_columns(),
        user=request.user,
        purpose=_("导出同场未登记人员"),
        reveal=False,
        model=Scan,
        filters={"case": case.label},
        filename=f"visitors-{case.label}.xlsx",
        title=_("同场未登记人员"),
    )
