"""Health pages: quarantine/monitoring assignments with check-ins, release and certificates;
alerts; overdue check-ins; nucleic-acid tests; and the two public pages (the person's
self-report through their link, the certificate check).

Lists are configuration on ``core.views.generic``; writes go through ``health.services``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.exporting import export_xlsx
from fangkong.core.middleware import public
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    service_errors,
    service_messages,
)
from fangkong.core.views.home import Todo
from fangkong.core.views.imports import import_views
from fangkong.registry.record_pages import resident_form_page, resident_from_query
from fangkong.status.clock import local_date

from . import selectors, services
from .choices import AssignmentState, NatResult
from .filtersets import (
    AlertFilterSet,
    AssignmentFilterSet,
    HealthCertificateFilterSet,
    NucleicAcidTestFilterSet,
)
from .forms import (
    AssignmentChangeForm,
    AssignmentForm,
    AssignmentImportForm,
    CheckInForm,
    HandoverForm,
    NatForm,
    NatImportForm,
    NatReviewForm,
    ReleaseForm,
    RevokeForm,
)
from .models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from .tables import (
    AlertTable,
    AssignmentTable,
    CheckInTable,
    HealthCertificateTable,
    NucleicAcidTestTable,
    OverdueTable,
)

OVERDUE_DAYS = 14
OVERDUE_PER_PAGE = ObjectListView.paginate_by
EXPORT_PERMISSION = "registry.export_resident"


def _assignments(qs):
    return qs.select_related("resident", "resident__area", "responsible", "contact__case")


def _alerts(qs):
    return qs.select_related(
        "assignment",
        "assignment__resident",
        "assignment__resident__area",
        "assignment__responsible",
        "acknowledged_by",
    )


def _nat_tests(qs):
    return qs.select_related("resident", "resident__area")


def _certificates(qs):
    return qs.select_related("resident", "assignment", "issued_by")


# --- assignments -------------------------------------------------------------------------


class AssignmentListView(ObjectListView):
    model = Assignment
    filterset_class = AssignmentFilterSet
    table_class = AssignmentTable
    selector = _assignments
    export_permission = EXPORT_PERMISSION
    list_url_name = "health:assignment_list"
    scope_walk = True
    add_url_name = "health:assignment_add"
    hidden_filters = ("responsible",)
    extra_actions = (
        ("health:alert_list", gettext_lazy("健康预警"), "health.view_alert"),
        ("health:overdue_list", gettext_lazy("逾期未报"), "health.view_checkin"),
        ("health:assignment_handover", gettext_lazy("网格员交接"), "health.change_assignment"),
        ("health:assignment_import", gettext_lazy("批量导入"), "health.add_assignment"),
    )


@permission_required("health.add_assignment", raise_exception=True)
def assignment_add(request: HttpRequest) -> HttpResponse:
    resident = resident_from_query(request)
    form = AssignmentForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("id_number", None)
        with service_errors(form):
            assignment = services.create_assignment(
                actor=request.user, resident=form.resident, **data
            )
            messages.success(request, _("已安排：%(obj)s") % {"obj": assignment})
            return redirect("health:assignment_detail", pk=assignment.pk)
    return resident_form_page(
        request,
        form,
        title=_("安排隔离/健康监测"),
        list_url=reverse("health:assignment_list"),
        list_label=_("隔离/监测安排"),
        resident=resident,
    )


class AssignmentDetailView(ObjectDetailView):
    model = Assignment
    selector = _assignments
    template_name = "health/assignment_detail.html"
    list_url_name = "health:assignment_list"

    def get_extra_context(self, request, obj):
        user = request.user
        active = obj.state == AssignmentState.ACTIVE
        may_issue = obj.state == AssignmentState.RELEASED and user.has_perm(
            "health.add_healthcertificate"
        )
        refusal = services.certificate_refusal(obj) if may_issue else None
        checkins = CheckIn.objects.filter(assignment=obj).order_by("-date", "-slot")
        return {
            **_source_context(user, obj),
            "place": Assignment._meta.get_field("place").mask(obj.place),
            "checkins": CheckInTable(checkins),
            "alerts": list(
                Alert.objects.filter(assignment=obj).select_related("acknowledged_by")[:50]
            ),
            "certificates": list(
                HealthCertificate.objects.filter(assignment=obj).order_by("-issued_at")
            ),
            "checkin_form": CheckInForm()
            if active and user.has_perm("health.add_checkin")
            else None,
            "can_change": active and user.has_perm("health.change_assignment"),
            # 外出审批报备 is for a person under this closed-loop management: from here the
            # request names them (the form alone asks for the ID number, shown masked).
            "can_request_outing": active and user.has_perm("venues.add_outingapproval"),
            "release_form": ReleaseForm()
            if active and user.has_perm("health.release_assignment")
            else None,
            "can_issue": may_issue and refusal is None,
            "issue_refusal": refusal,
            "can_acknowledge": user.has_perm("health.change_alert"),
            "self_report_url": request.build_absolute_uri(
                reverse("health:self_report", args=[obj.checkin_token])
            )
            if active
            else "",
        }


def _source_context(user, obj: Assignment) -> dict:
    """The case whose contact this quarantine is for; the case's code is shown to all who see
    the assignment, the link and the voiding's reason to those who may read the case."""
    from fangkong.tracing.choices import CaseStatus, ContactState
    from fangkong.tracing.models import Case, Contact

    contact = obj.contact
    if contact is None:
        return {}
    case = contact.case
    readable = (
        user.has_perm("tracing.view_case")
        and Case.objects.visible_to(user).filter(pk=case.pk).exists()
    )
    voided = case.status == CaseStatus.VOIDED
    return {
        "source_contact": contact,
        "source_case": case,
        "source_case_readable": readable,
        "source_voided": voided and obj.state == AssignmentState.ACTIVE,
        # Still a live contact of another case: that one keeps the person in quarantine.
        "other_cases": (
            Contact.objects.filter(resident_id=obj.resident_id)
            .exclude(state=ContactState.DISMISSED)
            .exclude(case__status=CaseStatus.VOIDED)
            .values("case")
            .distinct()
            .count()
            if voided
            else 0
        ),
    }


class AssignmentEditView(ObjectEditView):
    """修改: another 责任网格员 (handing over), the doctor, a later end date."""

    model = Assignment
    form_class = AssignmentChangeForm
    selector = _assignments
    list_url_name = "health:assignment_list"
    detail_url_name = "health:assignment_detail"
    update_service = services.change_assignment

    def get_object(self, request, pk):
        obj = super().get_object(request, pk)
        if obj.state != AssignmentState.ACTIVE:
            raise PermissionDenied(_("该安排已解除，不能再修改"))
        return obj

    def get_form(self, request, obj, data=None, files=None):
        return AssignmentChangeForm(data=data, user=request.user, assignment=obj)

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


@permission_required("health.change_assignment", raise_exception=True)
def assignment_handover(request: HttpRequest) -> HttpResponse:
    """网格员交接: move every running assignment of one grid worker to another at once."""
    # An account's page links here with its worker as 原责任网格员 (``?outgoing=``).
    initial = {"outgoing": request.GET.get("outgoing")}
    form = HandoverForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            moved = services.hand_over_assignments(actor=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("已将 %(n)d 项进行中的隔离/监测安排移交给 %(who)s")
                % {"n": moved, "who": form.cleaned_data["incoming"].display_name},
            )
            url = reverse("health:assignment_list")
            return redirect(f"{url}?responsible={form.cleaned_data['incoming'].pk}")
    return render(request, "health/assignment_handover.html", {"form": form})


def _assignment_for(request: HttpRequest, pk: int) -> Assignment:
    qs = _assignments(Assignment.objects.visible_to(request.user))
    return get_object_or_404(qs, pk=pk)


@require_POST
@permission_required("health.release_assignment", raise_exception=True)
def assignment_release(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    form = ReleaseForm(request.POST)
    form.is_valid()
    with service_messages(request):
        services.release_assignment(
            actor=request.user,
            assignment=assignment,
            note=form.cleaned_data.get("note", ""),
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已解除隔离/监测"))
    return redirect("health:assignment_detail", pk=assignment.pk)


@permission_required("health.add_checkin", raise_exception=True)
def checkin_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff enter a half-day check-in (temperature and symptoms) for an assignment."""
    assignment = _assignment_for(request, pk)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            _checkin, created = services.record_checkin(
                actor=request.user, assignment=assignment, **form.cleaned_data
            )
            messages.success(request, _("已记录打卡") if created else _("打卡已更新"))
            return redirect("health:assignment_detail", pk=assignment.pk)
    return render(request, "health/checkin_form.html", {"form": form, "assignment": assignment})


@public
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own check-in through their link (public): no personal data shown."""
    assignment = (
        Assignment.objects.filter(checkin_token=token, state=AssignmentState.ACTIVE)
        .only("pk", "kind", "start_date", "end_date", "state")
        .first()
    )
    if assignment is None:
        response = render(
            request,
            "health/self_report.html",
            {"error": _("填报链接无效或隔离/监测已解除")},
        )
        response.status_code = 404
        return response
    form = CheckInForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.record_self_checkin(token=token, **form.cleaned_data)
            done = True
            form = CheckInForm()
    response = render(
        request,
        "health/self_report.html",
        {"form": form, "assignment": assignment, "done": done},
    )
    response["Cache-Control"] = "no-store"
    # The site's "same-origin" referrer policy already keeps the token in this URL from other
    # sites; "no-referrer" would make browsers post "Origin: null", which CSRF refuses.
    return response


# --- alerts and overdue check-ins --------------------------------------------------------


class AlertListView(ObjectListView):
    model = Alert
    filterset_class = AlertFilterSet
    table_class = AlertTable
    selector = _alerts
    export_permission = EXPORT_PERMISSION
    list_url_name = "health:alert_list"
    fragment_template_name = "health/includes/alert_table.html"

    def base_context(self):
        return super().base_context() | {
            "fragment_template": self.fragment_template_name,
            "can_acknowledge": self.request.user.has_perm("health.change_alert"),
        }


@require_POST
@permission_required("health.change_alert", raise_exception=True)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(_alerts(Alert.objects.visible_to(request.user)), pk=pk)
    with service_messages(request):
        services.acknowledge_alert(actor=request.user, alert=alert)
        messages.success(request, _("预警已处理"))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("health:alert_list")


@permission_required("health.view_checkin", raise_exception=True)
def overdue_list(request: HttpRequest) -> HttpResponse:
    """逾期未报: missed half-day check-ins of the last two weeks, in scope; exportable."""
    now = timezone.now()
    since = local_date(now) - datetime.timedelta(days=OVERDUE_DAYS)
    rows = selectors.overdue_checkins(Assignment.objects.visible_to(request.user), now, since=since)
    rows.sort(key=lambda r: (r.assignment.resident.area.path, r.date, r.slot))
    can_export = request.user.has_perm(EXPORT_PERMISSION)
    if request.GET.get("export") == "xlsx":
        if not can_export:
            raise PermissionDenied(_("您没有导出的权限"))
        return export_xlsx(
            rows,
            OverdueTable.export_columns(),
            user=request.user,
            model=CheckIn,
            filters={"since": since.isoformat()},
            title=_("逾期未报"),
        )
    # One page of them: two weeks of a city's quarantine were tens of thousands of rows on
    # one page, megabytes a phone cannot render; the export still holds every row.
    page = Paginator(rows, OVERDUE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "health/overdue_list.html",
        {
            "table": OverdueTable(page.object_list),
            "page": page,
            "since": since,
            "can_export": can_export,
        },
    )


# --- nucleic-acid tests ------------------------------------------------------------------


class NucleicAcidTestListView(ObjectListView):
    model = NucleicAcidTest
    filterset_class = NucleicAcidTestFilterSet
    table_class = NucleicAcidTestTable
    selector = _nat_tests
    export_permission = EXPORT_PERMISSION
    list_url_name = "health:nat_list"
    add_url_name = "health:nat_add"
    extra_actions = (("health:nat_import", gettext_lazy("批量导入"), "health.add_nucleicacidtest"),)


class NucleicAcidTestDetailView(ObjectDetailView):
    model = NucleicAcidTest
    selector = _nat_tests
    template_name = "health/nat_detail.html"
    list_url_name = "health:nat_list"

    def get_extra_context(self, request, obj):
        pending = obj.result == NatResult.POSITIVE and not obj.review
        return {
            "review_form": NatReviewForm()
            if pending and request.user.has_perm("health.review_nucleicacidtest")
            else None,
            "pending_review": pending,
            "can_add_case": pending and request.user.has_perm("tracing.add_case"),
        }


@require_POST
@permission_required("health.review_nucleicacidtest", raise_exception=True)
def nat_review(request: HttpRequest, pk: int) -> HttpResponse:
    """阳性复核: 已确诊 (the case is on record) or 复核排除 with a note."""
    view = NucleicAcidTestDetailView()
    view.setup(request, pk=pk)
    test = view.get_object(request, pk)
    form = NatReviewForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.review_nat_result(
                actor=request.user,
                test=test,
                outcome=form.cleaned_data["review"],
                note=form.cleaned_data["review_note"],
            )
            messages.success(request, _("已复核，本人状态已重新计算"))
            return redirect("health:nat_detail", pk=test.pk)
    return view.render_object(request, test, review_form=form)


@permission_required("health.add_nucleicacidtest", raise_exception=True)
def nat_add(request: HttpRequest) -> HttpResponse:
    resident = resident_from_query(request)
    form = NatForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("id_number", None)
        with service_errors(form):
            _test, created = services.record_nat_result(
                actor=request.user, resident=form.resident, **data
            )
            messages.success(request, _("已录入核酸检测") if created else _("该样本已录入"))
            return redirect("health:nat_list")
    return resident_form_page(
        request,
        form,
        title=_("录入核酸检测"),
        list_url=reverse("health:nat_list"),
        list_label=_("核酸检测"),
        resident=resident,
    )


def home_todos(user) -> list[Todo]:
    """阳性结果待复核 on the reviewer's home page: until reviewed the person stays red. 隔离
    来源病例已撤销 for those who release: the quarantine stays until someone decides."""
    todos = []
    if user.has_perm("health.review_nucleicacidtest"):
        todos.append(
            Todo(
                "positives",
                _("阳性结果待复核"),
                selectors.positives_awaiting_review(user).count(),
                reverse("health:nat_list") + "?pending_review=true",
            )
        )
    if user.has_perm("health.release_assignment"):
        todos.append(
            Todo(
                "source_voided",
                _("隔离来源病例已撤销，待评估"),
                selectors.assignments_to_review(user).count(),
                reverse("health:assignment_list") + "?source_voided=true",
            )
        )
    return todos


# --- certificates ------------------------------------------------------------------------


class HealthCertificateListView(ObjectListView):
    model = HealthCertificate
    filterset_class = HealthCertificateFilterSet
    table_class = HealthCertificateTable
    selector = _certificates
    export_permission = EXPORT_PERMISSION
    list_url_name = "health:certificate_list"


class HealthCertificateDetailView(ObjectDetailView):
    model = HealthCertificate
    selector = _certificates
    template_name = "health/certificate_detail.html"
    list_url_name = "health:certificate_list"

    def get_extra_context(self, request, obj):
        return {
            "revoke_form": RevokeForm()
            if not obj.revoked and request.user.has_perm("health.revoke_healthcertificate")
            else None,
            "verify_url": request.build_absolute_uri(
                reverse("verify:certificate", args=[obj.code])
            ),
            # The public check shows such a certificate as lapsed; staff see why.
            "holder_problem": None if obj.revoked else selectors.holder_problem(obj.resident),
        }


@require_POST
@permission_required("health.add_healthcertificate", raise_exception=True)
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    with service_messages(request):
        certificate = services.issue_certificate(actor=request.user, assignment=assignment)
        messages.success(request, _("已开具健康证明"))
        return redirect("health:certificate_detail", pk=certificate.pk)
    return redirect("health:assignment_detail", pk=assignment.pk)


def _certificate_for(request: HttpRequest, pk: int) -> HealthCertificate:
    qs = _certificates(HealthCertificate.objects.visible_to(request.user))
    return get_object_or_404(qs.select_related("assignment__resident"), pk=pk)


@permission_required("health.view_healthcertificate", raise_exception=True)
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable PDF (full name on paper; the printing is audited as a reveal)."""
    certificate = _certificate_for(request, pk)
    data = services.certificate_pdf(
        actor=request.user,
        certificate=certificate,
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required("health.revoke_healthcertificate", raise_exception=True)
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for(request, pk)
    with service_messages(request):
        services.revoke_certificate(
            actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("健康证明已作废"))
    return redirect("health:certificate_detail", pk=certificate.pk)


@public
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """/verify/certificate/<code>/ (public): valid or revoked, and the masked name only."""
    if len(code) > 64:
        raise Http404
    data = selectors.certificate_verify_data(code)
    response = render(request, "health/certificate_verify.html", {"data": data})
    if data["status"] == "unknown":
        response.status_code = 404
    return response


# --- import ------------------------------------------------------------------------------

NAT_IMPORTER = "health.nucleic_acid_test"


nat_import, nat_import_template = import_views(
    importer=NAT_IMPORTER,
    permission="health.add_nucleicacidtest",
    form_class=NatImportForm,
    template_name="health/nat_import.html",
    template_url_name="health:nat_import_template",
    file_name=lambda: _("核酸检测结果导入模板") + ".xlsx",
)


ASSIGNMENT_IMPORTER = "health.assignment"


assignment_import, assignment_import_template = import_views(
    importer=ASSIGNMENT_IMPORTER,
    permission="health.add_assignment",
    form_class=AssignmentImportForm,
    template_name="health/assignment_import.html",
    template_url_name="health:assignment_import_template",
    file_name=lambda: _("隔离监测安排导入模板") + ".xlsx",
    context=lambda: {"start_margin": services.START_MARGIN.days},
)
