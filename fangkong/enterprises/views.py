"""Enterprise pages: registry, resumption, rosters, daily reports, inspections, difficulties.

List/detail/edit pages are configuration on ``core.views.generic``. The records an enterprise
files (application, report, inspection, …) are created from the enterprise's page by
``EnterpriseRecordCreateView``; state changes (approve, rectify, respond) are small POST
views calling one service each. Every lookup starts from ``visible_to(request.user)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    service_errors,
    service_messages,
)
from fangkong.core.views.imports import import_views

from . import selectors, services
from .choices import ApplicationState, DifficultyState, ProblemState, ResumptionState, ReturnState
from .filtersets import (
    DailyReportFilterSet,
    DifficultyFilterSet,
    EmployeeFilterSet,
    EnterpriseFilterSet,
    IndustrialParkFilterSet,
    InspectionFilterSet,
    InspectionProblemFilterSet,
    LiaisonAssignmentFilterSet,
    ReportReminderFilterSet,
    ResumptionApplicationFilterSet,
)
from .forms import (
    AccountBindForm,
    DailyReportEditForm,
    DailyReportForm,
    DifficultyForm,
    EmployeeForm,
    EmployeeImportForm,
    EndAssignmentForm,
    EnterpriseForm,
    EnterpriseImportForm,
    IndustrialParkForm,
    InspectionForm,
    LiaisonAssignmentForm,
    ProblemForm,
    RectifyForm,
    RespondForm,
    ResumptionApplicationForm,
    ReviewForm,
)
from .models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    EnterpriseAccount,
    IndustrialPark,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ReportReminder,
    ResumptionApplication,
)
from .scoping import active_assignment_q
from .tables import (
    DailyReportTable,
    DifficultyTable,
    EmployeeTable,
    EnterpriseTable,
    IndustrialParkTable,
    InspectionProblemTable,
    InspectionTable,
    LiaisonAssignmentTable,
    MissingReportTable,
    ReportReminderTable,
    ResumptionApplicationTable,
)

ENTERPRISE_IMPORTER = "enterprises.enterprise"
EMPLOYEE_IMPORTER = "enterprises.employee"


def enterprise_for(request: HttpRequest, pk: int) -> Enterprise:
    """The enterprise if the user reaches it (404 otherwise, so its existence does not leak)."""
    return get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("area", "park"), pk=pk
    )


def home_panel(request: HttpRequest) -> dict | None:
    """Resumption figures of the user's enterprises (an office's area, a liaison's binding)."""
    user = request.user
    if not user.has_perm("enterprises.view_enterprise"):
        return None
    enterprises = Enterprise.objects.visible_to(user)
    counts = selectors.resumption_counts(enterprises)
    panel = {
        "template": "enterprises/includes/home_panel.html",
        "total": sum(counts.values()),
        "states": [
            {"value": value, "label": label, "count": counts[value]}
            for value, label in ResumptionState.choices
        ],
        "isolating": selectors.return_state_counts(Employee.objects.visible_to(user))[
            ReturnState.ISOLATING
        ],
        "missing_reports": selectors.missing_reports(enterprises, timezone.localdate()).count(),
        # What waits on someone: difficulties nobody answered yet, problems past deadline.
        "open_difficulties": Difficulty.objects.visible_to(user)
        .filter(state=DifficultyState.OPEN)
        .count(),
        "overdue_problems": InspectionProblem.objects.visible_to(user)
        .filter(selectors.problems_overdue(timezone.localdate()))
        .count(),
    }
    if not user.has_perm("enterprises.review_resumptionapplication"):
        panel["mine"] = list(enterprises.order_by("name")[:20])
    return panel


# --- enterprises ------------------------------------------------------------------------


class EnterpriseListView(ObjectListView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    table_class = EnterpriseTable
    selector = selectors.enterprise_list
    template_name = "enterprises/enterprise_list.html"
    export_permission = "enterprises.export_enterprise"
    list_url_name = "enterprises:enterprise_list"
    add_url_name = "enterprises:enterprise_add"
    hidden_filters = ("park",)
    extra_actions = (
        (
            "enterprises:enterprise_import",
            gettext_lazy("批量导入"),
            "enterprises.import_enterprise",
        ),
    )

    def base_context(self):
        counts = selectors.resumption_counts(Enterprise.objects.visible_to(self.request.user))
        return super().base_context() | {
            "resumption_counts": [
                (value, label, counts[value]) for value, label in ResumptionState.choices
            ]
        }


class EnterpriseDetailView(ObjectDetailView):
    model = Enterprise
    selector = selectors.enterprise_list
    template_name = "enterprises/enterprise_detail.html"
    list_url_name = "enterprises:enterprise_list"
    edit_url_name = "enterprises:enterprise_edit"
    delete_url_name = "enterprises:enterprise_delete"

    def get_extra_context(self, request, obj):
        user = request.user

        def mine(model):
            return model.objects.visible_to(user).of_enterprise(obj)

        def table(model, table_class, rows):
            # Each section only for a role that may read that kind of record.
            return (
                table_class(rows, user=user)
                if user.has_perm(f"enterprises.view_{model._meta.model_name}")
                else None
            )

        employees = mine(Employee)
        counts = selectors.return_state_counts(employees)
        return {
            "contact_phone": Enterprise._meta.get_field("contact_phone").mask(obj.contact_phone),
            "applications": table(
                ResumptionApplication,
                ResumptionApplicationTable,
                selectors.application_list(mine(ResumptionApplication))[:5],
            ),
            "assignments": selectors.assignment_list(
                mine(LiaisonAssignment).filter(active_assignment_q())
            ),
            "today": timezone.localdate(),
            "accounts": EnterpriseAccount.objects.filter(enterprise=obj).select_related("user"),
            "employee_total": sum(counts.values()),
            "return_states": [(v, label, counts[v]) for v, label in ReturnState.choices],
            "reports": table(
                DailyReport, DailyReportTable, selectors.report_list(mine(DailyReport))[:7]
            ),
            "reported_today": mine(DailyReport).filter(date=timezone.localdate()).exists(),
            "problems": table(
                InspectionProblem,
                InspectionProblemTable,
                selectors.problem_list(mine(InspectionProblem).filter(state=ProblemState.OPEN)),
            ),
            "difficulties": table(
                Difficulty,
                DifficultyTable,
                selectors.difficulty_list(mine(Difficulty).exclude(state=DifficultyState.RESOLVED)),
            ),
            "stationed": mine(LiaisonAssignment)
            .filter(active_assignment_q(), liaison=user)
            .exists(),
            "can_apply": user.has_perm("enterprises.add_resumptionapplication")
            and obj.resumption_state in (ResumptionState.NOT_APPLIED, ResumptionState.RETURNED),
        }


class EnterpriseEditView(ObjectEditView):
    model = Enterprise
    form_class = EnterpriseForm
    list_url_name = "enterprises:enterprise_list"
    detail_url_name = "enterprises:enterprise_detail"
    create_service = services.create_enterprise
    update_service = services.update_enterprise

    def service_kwargs(self, form, obj):
        return {"data": form.service_data()}


class EnterpriseDeleteView(ObjectDeleteView):
    model = Enterprise
    list_url_name = "enterprises:enterprise_list"
    detail_url_name = "enterprises:enterprise_detail"
    delete_service = services.delete_enterprise


enterprise_import, enterprise_import_template = import_views(
    importer=ENTERPRISE_IMPORTER,
    permission="enterprises.import_enterprise",
    form_class=EnterpriseImportForm,
    template_name="enterprises/import.html",
    template_url_name="enterprises:enterprise_import_template",
    file_name=lambda: _("企业导入模板") + ".xlsx",
    context=lambda: {"title": _("批量导入企业")},
)


# --- parks ------------------------------------------------------------------------------


class IndustrialParkListView(ObjectListView):
    model = IndustrialPark
    filterset_class = IndustrialParkFilterSet
    table_class = IndustrialParkTable
    selector = selectors.park_list
    export_permission = "enterprises.export_enterprise"
    list_url_name = "enterprises:park_list"
    add_url_name = "enterprises:park_add"


class IndustrialParkDetailView(ObjectDetailView):
    model = IndustrialPark
    selector = selectors.park_list
    template_name = "enterprises/park_detail.html"
    list_url_name = "enterprises:park_list"
    edit_url_name = "enterprises:park_edit"
    delete_url_name = "enterprises:park_delete"

    def get_extra_context(self, request, obj):
        rows = Enterprise.objects.visible_to(request.user).filter(park=obj)
        return {"enterprises": EnterpriseTable(selectors.enterprise_list(rows))}


class IndustrialParkEditView(ObjectEditView):
    model = IndustrialPark
    form_class = IndustrialParkForm
    list_url_name = "enterprises:park_list"
    detail_url_name = "enterprises:park_detail"
    create_service = services.create_park
    update_service = services.update_park


class IndustrialParkDeleteView(ObjectDeleteView):
    model = IndustrialPark
    list_url_name = "enterprises:park_list"
    detail_url_name = "enterprises:park_detail"
    delete_service = services.delete_park


# --- records an enterprise files, created from its page -------------------------------


class EnterpriseRecordCreateView(View):
    """A form on one enterprise's behalf; ``save`` calls the service and returns the row."""

    permission_required: str
    form_class: type
    title: Any = ""
    template_name = "enterprises/record_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied(_("您没有访问此页面的权限"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, request, enterprise, data=None):
        return self.form_class(data=data, **self.form_kwargs(request, enterprise))

    def form_kwargs(self, request, enterprise) -> dict[str, Any]:
        return {}

    def save(self, request, enterprise, form):
        raise NotImplementedError

    def success_url(self, enterprise, obj) -> str:
        return reverse("enterprises:enterprise_detail", args=[enterprise.pk])

    def extra_context(self, request, enterprise) -> dict[str, Any]:
        return {}

    def get(self, request, pk):
        enterprise = enterprise_for(request, pk)
        return self.render(request, enterprise, self.get_form(request, enterprise))

    def post(self, request, pk):
        enterprise = enterprise_for(request, pk)
        form = self.get_form(request, enterprise, data=request.POST)
        if form.is_valid():
            with service_errors(form):
                obj = self.save(request, enterprise, form)
                messages.success(request, _("已保存"))
                return redirect(self.success_url(enterprise, obj))
        return self.render(request, enterprise, form)

    def render(self, request, enterprise, form):
        return render(
            request,
            self.template_name,
            {
                "enterprise": enterprise,
                "form": form,
                "title": self.title,
                **self.extra_context(request, enterprise),
            },
        )


class ApplicationCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_resumptionapplication"
    form_class = ResumptionApplicationForm
    title = gettext_lazy("申请复工")

    def returned_application(self, user, enterprise) -> ResumptionApplication | None:
        """The application the office sent back, if that is where the enterprise stands."""
        if not hasattr(self, "_returned"):
            latest = None
            if enterprise.resumption_state == ResumptionState.RETURNED:
                latest = (
                    ResumptionApplication.objects.visible_to(user).of_enterprise(enterprise).first()
                )
            returned = latest is not None and latest.state == ApplicationState.RETURNED
            self._returned = latest if returned else None
        return self._returned

    def get_form(self, request, enterprise, data=None):
        """After 退回修改 the form starts from the returned application, to correct, not
        retype (a prevention plan is long, and often typed on a phone)."""
        returned = self.returned_application(request.user, enterprise)
        initial = (
            {name: getattr(returned, name) for name in services.APPLICATION_FIELDS}
            if returned
            else {}
        )
        return ResumptionApplicationForm(data=data, initial=initial)

    def extra_context(self, request, enterprise):
        return {"returned": self.returned_application(request.user, enterprise)}

    def save(self, request, enterprise, form):
        return services.submit_application(
            actor=request.user, enterprise=enterprise, data=form.cleaned_data
        )


class EmployeeCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_employee"
    form_class = EmployeeForm
    title = gettext_lazy("登记职工")

    def save(self, request, enterprise, form):
        return services.create_employee(
            actor=request.user, enterprise=enterprise, data=form.service_data()
        )


class DailyReportCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_dailyreport"
    form_class = DailyReportForm
    title = gettext_lazy("填报日报")

    def get_form(self, request, enterprise, data=None):
        return DailyReportForm(data=data, initial={"date": timezone.localdate()})

    def save(self, request, enterprise, form):
        return services.submit_daily_report(
            actor=request.user, enterprise=enterprise, data=form.cleaned_data
        )


class InspectionCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_inspection"
    form_class = InspectionForm
    title = gettext_lazy("驻企检查")

    def get_form(self, request, enterprise, data=None):
        return InspectionForm(data=data, initial={"inspected_on": timezone.localdate()})

    def save(self, request, enterprise, form):
        return services.file_inspection(
            actor=request.user,
            enterprise=enterprise,
            data=form.cleaned_data,
            problems=form.problem_lines(),
        )

    def success_url(self, enterprise, obj) -> str:
        return reverse("enterprises:inspection_detail", args=[obj.pk])


class ProblemCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_inspectionproblem"
    form_class = ProblemForm
    title = gettext_lazy("登记问题")

    def save(self, request, enterprise, form):
        return services.report_problem(
            actor=request.user, enterprise=enterprise, **form.cleaned_data
        )


class DifficultyCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.add_difficulty"
    form_class = DifficultyForm
    title = gettext_lazy("反映困难诉求")

    def save(self, request, enterprise, form):
        return services.raise_difficulty(
            actor=request.user, enterprise=enterprise, **form.cleaned_data
        )


class LiaisonAssignmentCreateView(EnterpriseRecordCreateView):
    permission_required = "enterprises.manage_liaison"
    form_class = LiaisonAssignmentForm
    title = gettext_lazy("派驻联络员")

    def form_kwargs(self, request, enterprise):
        return {"user": request.user}

    def save(self, request, enterprise, form):
        return services.assign_liaison(
            actor=request.user, enterprise=enterprise, **form.cleaned_data
        )


class AccountBindView(EnterpriseRecordCreateView):
    permission_required = "enterprises.manage_liaison"
    form_class = AccountBindForm
    title = gettext_lazy("绑定企业账号")

    def form_kwargs(self, request, enterprise):
        return {"user": request.user}

    def save(self, request, enterprise, form):
        return services.bind_enterprise_account(
            actor=request.user, user=form.cleaned_data["user"], enterprise=enterprise
        )


# --- state changes: one POST, one service -----------------------------------------------


def _act(
    request: HttpRequest,
    obj,
    view_class: type[EnterpriseRecordDetailView],
    call: Callable[[dict[str, Any], Any], Any],
    done: str,
    url_name: str,
) -> HttpResponse:
    """Validate the record page's form and call the service. Refused, the page comes back
    with the form as it was sent: the reason by its field and the text typed (on a phone,
    often long) still there, not an emptied form under a banner."""
    form = view_class.action_form(request.POST)
    if form.is_valid():
        with service_errors(form):
            call(form.cleaned_data, request.POST.get("version") or None)
            messages.success(request, done)
            return redirect(url_name, pk=obj.pk)
    view = view_class()
    view.setup(request, pk=obj.pk)
    return view.render_object(
        request, view.get_object(request, obj.pk), **{view.action_context: form}
    )


@require_POST
@permission_required("enterprises.manage_liaison", raise_exception=True)
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """结束派驻 from the enterprise's page: after the day given the liaison no longer sees the
    enterprise, its roster or its records."""
    assignment = get_object_or_404(
        LiaisonAssignment.objects.visible_to(request.user).select_related(
            "enterprise__area", "liaison"
        ),
        pk=pk,
    )
    form = EndAssignmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的派驻结束日期"))
    else:
        with service_messages(request):
            services.end_liaison_assignment(
                actor=request.user,
                liaisonassignment=assignment,
                end_date=form.cleaned_data["end_date"],
                expected_version=request.POST.get("version") or None,
            )
            messages.success(
                request,
                _("已结束 %(name)s 的派驻，最后一天为 %(day)s")
                % {
                    "name": assignment.liaison.display_name,
                    "day": form.cleaned_data["end_date"].isoformat(),
                },
            )
    return redirect("enterprises:enterprise_detail", pk=assignment.enterprise_id)


@require_POST
@permission_required("enterprises.review_resumptionapplication", raise_exception=True)
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(ResumptionApplication.objects.visible_to(request.user), pk=pk)

    def call(data, version):
        if data["decision"] == "approve":
            services.approve_application(
                actor=request.user,
                application=app,
                conditions=data["conditions"],
                expected_version=version,
            )
        else:
            try:
                services.return_application(
                    actor=request.user, application=app, note=data["note"], expected_version=version
                )
            except ValidationError as e:
                # The service names the model's field; on this form the reason is ``note``.
                if hasattr(e, "error_dict") and "review_note" in e.error_dict:
                    e.error_dict["note"] = e.error_dict.pop("review_note")
                raise

    return _act(
        request,
        app,
        ResumptionApplicationDetailView,
        call,
        _("审批意见已保存"),
        "enterprises:application_detail",
    )


@require_POST
@permission_required("enterprises.change_inspectionproblem", raise_exception=True)
def problem_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_object_or_404(InspectionProblem.objects.visible_to(request.user), pk=pk)

    def call(data, version):
        services.rectify_problem(
            actor=request.user,
            problem=problem,
            rectification=data["rectification"],
            expected_version=version,
        )

    return _act(
        request,
        problem,
        InspectionProblemDetailView,
        call,
        _("已标记为整改完成"),
        "enterprises:problem_detail",
    )


@require_POST
@permission_required("enterprises.respond_difficulty", raise_exception=True)
def difficulty_respond(request: HttpRequest, pk: int) -> HttpResponse:
    difficulty = get_object_or_404(Difficulty.objects.visible_to(request.user), pk=pk)

    def call(data, version):
        services.respond_difficulty(
            actor=request.user, difficulty=difficulty, expected_version=version, **data
        )

    return _act(
        request,
        difficulty,
        DifficultyDetailView,
        call,
        _("已记录解决措施"),
        "enterprises:difficulty_detail",
    )


# --- lists and details of the records -------------------------------------------------


class EnterpriseRecordListView(ObjectListView):
    """An enterprise's records (``?enterprise=`` from its page, a hidden filter)."""

    export_permission = "enterprises.export_enterprise"
    hidden_filters = ("enterprise",)


class EnterpriseRecordDetailView(ObjectDetailView):
    """A record's page with the one form its state allows (review, rectify, respond)."""

    action_form: type | None = None
    action_permission = ""
    action_context = ""

    def can_act(self, obj) -> bool:
        return True

    def get_extra_context(self, request, obj):
        can = self.can_act(obj) and request.user.has_perm(self.action_permission)
        return {self.action_context: self.action_form() if can else None}


class ResumptionApplicationListView(EnterpriseRecordListView):
    model = ResumptionApplication
    filterset_class = ResumptionApplicationFilterSet
    table_class = ResumptionApplicationTable
    selector = selectors.application_list
    list_url_name = "enterprises:application_list"


class ResumptionApplicationDetailView(EnterpriseRecordDetailView):
    model = ResumptionApplication
    selector = selectors.application_list
    template_name = "enterprises/application_detail.html"
    list_url_name = "enterprises:application_list"
    action_form, action_context = ReviewForm, "review_form"
    action_permission = "enterprises.review_resumptionapplication"

    def can_act(self, obj) -> bool:
        return obj.state == ApplicationState.SUBMITTED


class EmployeeListView(EnterpriseRecordListView):
    """职工 across the user's enterprises; ``?return_state=isolating`` is “返岗隔离中”."""

    model = Employee
    filterset_class = EmployeeFilterSet
    table_class = EmployeeTable
    selector = selectors.employee_list
    template_name = "enterprises/employee_list.html"
    export_permission = "enterprises.export_employee"
    list_url_name = "enterprises:employee_list"

    def base_context(self):
        qs = Employee.objects.visible_to(self.request.user)
        enterprise_id = self.request.GET.get("enterprise", "")
        enterprise = None
        if enterprise_id.isdigit():
            enterprise = (
                Enterprise.objects.visible_to(self.request.user)
                .filter(pk=int(enterprise_id))
                .first()
            )
            qs = qs.filter(enterprise_id=int(enterprise_id))
        counts = selectors.return_state_counts(qs)
        return super().base_context() | {
            "enterprise": enterprise,
            "return_states": [(v, label, counts[v]) for v, label in ReturnState.choices],
        }


class EmployeeEditView(ObjectEditView):
    model = Employee
    form_class = EmployeeForm
    selector = selectors.employee_list
    list_url_name = "enterprises:employee_list"
    update_service = services.update_employee

    def service_kwargs(self, form, obj):
        return {"data": form.service_data()}

    def success_url(self, obj) -> str:
        return reverse("enterprises:employee_list") + f"?enterprise={obj.enterprise_id}"


class EmployeeDeleteView(ObjectDeleteView):
    model = Employee
    list_url_name = "enterprises:employee_list"
    delete_service = services.delete_employee


@permission_required("enterprises.import_employee", raise_exception=True)
def employee_import(request: HttpRequest, pk: int) -> HttpResponse:
    from fangkong.core.views.imports import import_upload

    enterprise = enterprise_for(request, pk)
    form = EmployeeImportForm(
        request.POST or None, request.FILES or None, user=request.user, enterprise=enterprise
    )
    return import_upload(
        request,
        form,
        importer=EMPLOYEE_IMPORTER,
        template_name="enterprises/import.html",
        options={"enterprise_id": enterprise.pk},
        context={
            "title": _("导入职工花名册：%(name)s") % {"name": enterprise.name},
            "template_url": reverse("enterprises:employee_import_template"),
        },
    )


@permission_required("enterprises.import_employee", raise_exception=True)
def employee_import_template(request: HttpRequest) -> HttpResponse:
    from fangkong.core.views.imports import import_template_response

    return import_template_response(EMPLOYEE_IMPORTER, _("职工花名册导入模板") + ".xlsx")


class LiaisonAssignmentListView(EnterpriseRecordListView):
    model = LiaisonAssignment
    filterset_class = LiaisonAssignmentFilterSet
    table_class = LiaisonAssignmentTable
    selector = selectors.assignment_list
    list_url_name = "enterprises:assignment_list"


class DailyReportListView(EnterpriseRecordListView):
    model = DailyReport
    filterset_class = DailyReportFilterSet
    table_class = DailyReportTable
    selector = selectors.report_list
    list_url_name = "enterprises:report_list"
    extra_actions = (
        ("enterprises:missing_reports", gettext_lazy("未报日报"), "enterprises.view_dailyreport"),
    )


class DailyReportEditView(ObjectEditView):
    """更正日报: the enterprise (or its office) corrects a report's figures."""

    model = DailyReport
    form_class = DailyReportEditForm
    selector = selectors.report_list
    list_url_name = "enterprises:report_list"
    update_service = services.update_daily_report

    def success_url(self, obj) -> str:
        return reverse("enterprises:report_list") + f"?enterprise={obj.enterprise_id}"


class ReportReminderListView(EnterpriseRecordListView):
    model = ReportReminder
    filterset_class = ReportReminderFilterSet
    table_class = ReportReminderTable
    selector = selectors.reminder_list
    list_url_name = "enterprises:reminder_list"


@permission_required("enterprises.view_dailyreport", raise_exception=True)
def missing_reports(request: HttpRequest) -> HttpResponse:
    """未报日报: resumed enterprises without a report for the day; POST records reminders."""
    day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    enterprises = Enterprise.objects.visible_to(request.user)
    if request.method == "POST":
        with service_messages(request):
            created = services.remind_missing_reports(
                actor=request.user, day=day, enterprises=enterprises
            )
            messages.success(request, _("已记录催报 %(n)d 家") % {"n": len(created)})
        return redirect(f"{request.path}?date={day.isoformat()}")
    rows = selectors.missing_reports(enterprises, day)
    if request.GET.get("export") == "xlsx":
        from fangkong.core.exporting import export_xlsx

        if not request.user.has_perm("enterprises.export_enterprise"):
            raise PermissionDenied(_("您没有导出的权限"))
        return export_xlsx(
            rows,
            MissingReportTable.export_columns(),
            user=request.user,
            model=Enterprise,
            filters={"date": day.isoformat()},
            title=_("未报日报"),
        )
    # One page of them, counted once: a county's resumed enterprises are thousands, all on
    # one page before; the export and the reminder still take every one.
    paginator = Paginator(rows, ObjectListView.paginate_by)
    paginator.count = rows.count()  # a cached_property: set, it is not counted again
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/missing_reports.html",
        {
            "day": day,
            "table": MissingReportTable(page.object_list),
            "page": page,
            "query_string": urlencode({"date": day.isoformat()}),
            "count": paginator.count,
            "can_remind": request.user.has_perm("enterprises.add_reportreminder"),
            "can_export": request.user.has_perm("enterprises.export_enterprise"),
        },
    )


class InspectionListView(EnterpriseRecordListView):
    model = Inspection
    filterset_class = InspectionFilterSet
    table_class = InspectionTable
    selector = selectors.inspection_list
    list_url_name = "enterprises:inspection_list"


class InspectionDetailView(ObjectDetailView):
    model = Inspection
    selector = selectors.inspection_list
    template_name = "enterprises/inspection_detail.html"
    list_url_name = "enterprises:inspection_list"

    def get_extra_context(self, request, obj):
        return {
            "checklist": [
                (Inspection._meta.get_field(name).verbose_name, getattr(obj, name))
                for name in Inspection.CHECKLIST
            ],
            "problems": InspectionProblemTable(
                selectors.problem_list(InspectionProblem.objects.filter(inspection=obj))
            ),
        }


class InspectionProblemListView(EnterpriseRecordListView):
    model = InspectionProblem
    filterset_class = InspectionProblemFilterSet
    table_class = InspectionProblemTable
    selector = selectors.problem_list
    list_url_name = "enterprises:problem_list"


class InspectionProblemDetailView(EnterpriseRecordDetailView):
    model = InspectionProblem
    selector = selectors.problem_list
    template_name = "enterprises/problem_detail.html"
    list_url_name = "enterprises:problem_list"
    action_form, action_context = RectifyForm, "rectify_form"
    action_permission = "enterprises.change_inspectionproblem"

    def can_act(self, obj) -> bool:
        return obj.state == ProblemState.OPEN


class DifficultyListView(EnterpriseRecordListView):
    model = Difficulty
    filterset_class = DifficultyFilterSet
    table_class = DifficultyTable
    selector = selectors.difficulty_list
    list_url_name = "enterprises:difficulty_list"


class DifficultyDetailView(EnterpriseRecordDetailView):
    model = Difficulty
    selector = selectors.difficulty_list
    template_name = "enterprises/difficulty_detail.html"
    list_url_name = "enterprises:difficulty_list"
    action_form, action_context = RespondForm, "respond_form"
    action_permission = "enterprises.respond_difficulty"

    def can_act(self, obj) -> bool:
        return obj.state != DifficultyState.RESOLVED
