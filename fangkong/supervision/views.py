"""Supervision pages: groups, checklists, tasks, visits (a phone form with checklist,
photos and findings), the problem ledger with its state machine, and the daily summary.

Lists are configuration on ``core.views.generic``; writes go through
``supervision.services``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.exporting import export_xlsx
from fangkong.core.images import content_type_of
from fangkong.core.scoping import user_area
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ask_files_again,
    service_errors,
    service_messages,
)
from fangkong.status.clock import local_date

from . import rules, selectors, services
from .choices import PhotoKind, ProblemAction
from .filtersets import (
    InspectionGroupFilterSet,
    InspectionTaskFilterSet,
    ProblemFilterSet,
    ProblemSummaryFilterSet,
    VisitFilterSet,
)
from .forms import (
    ChecklistTemplateForm,
    InspectionGroupForm,
    InspectionTaskForm,
    ProblemActionForm,
    ProblemForm,
    SummaryForm,
    VisitForm,
)
from .models import (
    ChecklistTemplate,
    InspectionGroup,
    InspectionTask,
    Photo,
    Problem,
    ProblemSummary,
    Visit,
)
from .tables import (
    ChecklistTemplateTable,
    InspectionGroupTable,
    InspectionTaskTable,
    ProblemSummaryTable,
    ProblemTable,
    SummaryRowTable,
    VisitTable,
)

EXPORT_PERMISSION = "supervision.export_problem"


def _today() -> datetime.date:
    return local_date(timezone.now())


# --- groups, checklists, tasks -----------------------------------------------------------


class InspectionGroupListView(ObjectListView):
    model = InspectionGroup
    filterset_class = InspectionGroupFilterSet
    table_class = InspectionGroupTable
    selector = selectors.group_list
    export_permission = EXPORT_PERMISSION
    list_url_name = "supervision:group_list"
    add_url_name = "supervision:group_add"
    extra_actions = (
        (
            "supervision:checklist_list",
            gettext_lazy("检查清单"),
            "supervision.view_checklisttemplate",
        ),
        ("supervision:task_list", gettext_lazy("督导任务"), "supervision.view_inspectiontask"),
    )


class InspectionGroupDetailView(ObjectDetailView):
    model = InspectionGroup
    template_name = "supervision/group_detail.html"
    list_url_name = "supervision:group_list"
    edit_url_name = "supervision:group_edit"

    def get_extra_context(self, request, obj):
        one = InspectionGroup.objects.filter(pk=obj.pk)
        return {
            "members": list(obj.members.order_by("username")),
            "assigned": list(obj.assigned_areas.order_by("path")),
            "coverage": selectors.group_coverage(one),
            "problems": selectors.problem_counts(
                Problem.objects.visible_to(request.user).filter(group=obj), today=_today()
            ),
        }


class InspectionGroupEditView(ObjectEditView):
    model = InspectionGroup
    form_class = InspectionGroupForm
    list_url_name = "supervision:group_list"
    detail_url_name = "supervision:group_detail"
    create_service = staticmethod(services.create_group)
    update_service = staticmethod(services.update_group)


class ChecklistTemplateListView(ObjectListView):
    model = ChecklistTemplate
    table_class = ChecklistTemplateTable
    selector = selectors.checklist_list
    export_permission = "supervision.view_checklisttemplate"  # no personal data
    list_url_name = "supervision:checklist_list"
    add_url_name = "supervision:checklist_add"


class ChecklistTemplateDetailView(ObjectDetailView):
    model = ChecklistTemplate
    template_name = "supervision/checklist_detail.html"
    list_url_name = "supervision:checklist_list"


class ChecklistTemplateEditView(ObjectEditView):
    model = ChecklistTemplate
    form_class = ChecklistTemplateForm
    list_url_name = "supervision:checklist_list"
    detail_url_name = "supervision:checklist_detail"
    create_service = staticmethod(services.create_checklist)


class InspectionTaskListView(ObjectListView):
    model = InspectionTask
    filterset_class = InspectionTaskFilterSet
    table_class = InspectionTaskTable
    selector = selectors.task_list
    export_permission = EXPORT_PERMISSION
    list_url_name = "supervision:task_list"
    add_url_name = "supervision:task_add"


class InspectionTaskEditView(ObjectEditView):
    model = InspectionTask
    form_class = InspectionTaskForm
    list_url_name = "supervision:task_list"
    create_service = staticmethod(services.create_task)


# --- visits ------------------------------------------------------------------------------


class VisitListView(ObjectListView):
    model = Visit
    filterset_class = VisitFilterSet
    table_class = VisitTable
    selector = selectors.visit_list
    export_permission = EXPORT_PERMISSION
    list_url_name = "supervision:visit_list"
    add_url_name = "supervision:visit_add"
    hidden_filters = ("group",)


class VisitDetailView(ObjectDetailView):
    model = Visit
    template_name = "supervision/visit_detail.html"
    list_url_name = "supervision:visit_list"
    selector = selectors.visit_list

    def get_extra_context(self, request, obj):
        return {
            "answers": list(obj.answers.select_related("item")),
            "photos": list(obj.photos.all()),
            "problems": ProblemTable(selectors.problem_list(obj.problems.all())),
        }


def _pick(request: HttpRequest, model, name: str, *, field: bool = False):
    """``?checklist=<pk>`` / ``?task=<pk>``: the row if visible, else None. Sent, the page's
    hidden ``_<name>``, or with ``field`` the form's own field of that name (what was chosen
    in it wins over what the page was opened with)."""
    sent = (request.POST.get(name) if field else None) or request.POST.get(f"_{name}")
    value = sent or request.GET.get(name) or ""
    if not value.isdigit():
        return None
    return model.objects.visible_to(request.user).filter(pk=int(value)).first()


@permission_required("supervision.add_visit", raise_exception=True)
def visit_add(request: HttpRequest) -> HttpResponse:
    """The inspector's phone form; a chosen task fills in the group, area and checklist.

    A task picked in the form's own list counts too: its checklist is then on the page sent
    back, to be answered (the service asks for the answers of the task's checklist)."""
    task = _pick(request, InspectionTask, "task", field=True)
    checklist = _pick(request, ChecklistTemplate, "checklist") or (task.checklist if task else None)
    initial = {"visited_on": _today()}
    if task is not None:
        initial |= {"task": task, "group": task.group, "area": task.area, "mode": task.mode}
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        checklist=checklist,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with service_errors(form):
            visit = services.record_visit(
                actor=request.user,
                group=d["group"],
                task=d["task"],
                area=d["area"],
                target_kind=d["target_kind"],
                target_name=d["target_name"],
                mode=d["mode"],
                visited_on=d["visited_on"],
                checklist=checklist,
                summary=d["summary"],
                answers=form.answers(),
                photos=d["photos"],
                findings=form.findings(),
            )
            messages.success(request, _("已保存检查记录"))
            return redirect("supervision:visit_detail", pk=visit.pk)
    if request.method == "POST":
        ask_files_again(form, request.FILES, "photos")
    return render(
        request,
        "supervision/visit_form.html",
        {
            "form": form,
            "checklist": checklist,
            "task": task,
            "checklists": ChecklistTemplate.objects.visible_to(request.user).filter(active=True),
        },
    )


# --- problems ----------------------------------------------------------------------------


class ProblemListView(ObjectListView):
    model = Problem
    filterset_class = ProblemFilterSet
    table_class = ProblemTable
    selector = selectors.problem_list
    export_permission = EXPORT_PERMISSION
    list_url_name = "supervision:problem_list"
    add_url_name = "supervision:problem_add"
    hidden_filters = ("group", "visit")
    extra_actions = (
        ("supervision:summary", gettext_lazy("每日汇总"), "supervision.view_problemsummary"),
    )


ACTION_BUTTONS = {
    ProblemAction.RECTIFY: ("btn-primary", gettext_lazy("提交整改")),
    ProblemAction.CLOSE: ("btn-success", gettext_lazy("核查通过，销号")),
    ProblemAction.REOPEN: ("btn-outline-danger", gettext_lazy("退回重新整改")),
}


class ProblemDetailView(ObjectDetailView):
    model = Problem
    template_name = "supervision/problem_detail.html"
    list_url_name = "supervision:problem_list"
    selector = selectors.problem_list

    @staticmethod
    def actions(request, obj) -> list[tuple[str, str, str]]:
        return [
            (action, *ACTION_BUTTONS[action])
            for action in rules.allowed_actions(obj.state)
            if request.user.has_perm(rules.TRANSITIONS[action].permission)
        ]

    @staticmethod
    def action_form(actions, data=None, files=None) -> ProblemActionForm | None:
        form = ProblemActionForm(data, files) if actions else None
        offered = [a[0] for a in actions]
        if form is not None and ProblemAction.RECTIFY not in offered:
            del form.fields["photos"]  # evidence photos go with a rectification only
        if form is not None and ProblemAction.REOPEN not in offered:
            del form.fields["deadline"]  # a new deadline goes with a sending back only
        return form

    def get_extra_context(self, request, obj):
        actions = self.actions(request, obj)
        form = self.action_form(actions)
        photos = list(obj.photos.all())
        found = (
            list(Photo.objects.visible_to(request.user).filter(visit_id=obj.visit_id))
            if obj.visit_id
            else []
        )
        return {
            "events": list(obj.events.select_related("performed_by", "escalated_to")),
            "photos": [p for p in photos if p.kind == PhotoKind.RECTIFICATION],
            # What was wrong, as photographed when found: on the visit that found it, or
            # with the problem when it was registered outside a visit.
            "visit_photos": found + [p for p in photos if p.kind != PhotoKind.RECTIFICATION],
            "actions": actions,
            "action_form": form,
            "overdue": obj.is_overdue(_today()),
        }


@require_POST
def problem_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """整改 / 销号 / 退回: one POST per step; the service refuses a step the state forbids."""
    view = ProblemDetailView()
    view.setup(request, pk=pk)
    problem = view.get_object(request, pk)
    if action not in rules.TRANSITIONS:
        return redirect("supervision:problem_detail", pk=pk)
    # The form as the page showed it: a refused step sends the page back with the typed
    # 整改情况 (long, typed on a phone) and the reason by its field, not an emptied form.
    form = view.action_form(view.actions(request, problem), request.POST, request.FILES)
    if form is None:
        raise PermissionDenied(_("您没有执行此操作的权限"))
    if form.is_valid():
        with service_errors(form):
            services.transition_problem(
                actor=request.user,
                problem=problem,
                action=action,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data.get("photos") or (),
                deadline=form.cleaned_data.get("deadline"),
                expected_version=request.POST.get("version") or None,
            )
            messages.success(request, _("已%(a)s") % {"a": ProblemAction(action).label})
            return redirect("supervision:problem_detail", pk=pk)
    ask_files_again(form, request.FILES, "photos")
    return view.render_object(request, problem, action_form=form)


@permission_required("supervision.add_problem", raise_exception=True)
def problem_add(request: HttpRequest) -> HttpResponse:
    form = ProblemForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            problem = services.create_problem(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记问题"))
            return redirect("supervision:problem_detail", pk=problem.pk)
    if request.method == "POST":
        ask_files_again(form, request.FILES, "photos")
    return render(
        request,
        "generic/object_edit.html",
        {
            "form": form,
            "model_name": Problem._meta.verbose_name,
            "model_name_plural": Problem._meta.verbose_name_plural,
            "list_url": reverse("supervision:problem_list"),
            "cancel_url": reverse("supervision:problem_list"),
            "version": None,
        },
    )


@permission_required("supervision.view_photo", raise_exception=True)
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit or rectification photo, for signed-in staff whose area holds it."""
    row = get_object_or_404(Photo.objects.visible_to(request.user), pk=pk)
    response = FileResponse(row.image.open("rb"), content_type=content_type_of(row.image.name))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- daily summary -----------------------------------------------------------------------


def _summary_export(request, rows, area, day) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(_("您没有导出的权限"))
    return export_xlsx(
        rows,
        SummaryRowTable.export_columns(),
        user=request.user,
        model=ProblemSummary,
        filters={"area": area.pk, "date": day.isoformat()},
        filename=f"problem-summary-{area.code}-{day:%Y%m%d}.xlsx",
        title=_("问题每日汇总"),
    )


@permission_required("supervision.view_problemsummary", raise_exception=True)
def summary(request: HttpRequest) -> HttpResponse:
    """每日汇总 on demand: figures as of a date for an area; export, or store it (POST)."""
    root = user_area(request.user)
    data = request.POST or request.GET or None
    form = SummaryForm(data, user=request.user, initial={"date": _today(), "area": root})
    day, area = _today(), root
    valid = data is not None and form.is_valid()
    if valid:
        day, area = form.cleaned_data["date"], form.cleaned_data["area"]
    if area is None:
        raise PermissionDenied(_("您的账号没有所属区域"))
    # Stored only as asked: a refused date or area stores nothing (not today's own area).
    if request.method == "POST" and valid:
        with service_messages(request):
            stored = services.generate_summary(actor=request.user, area=area, date=day)
            messages.success(request, _("已生成并保存日汇总"))
            return redirect("supervision:summary_detail", pk=stored.pk)
    qs = Problem.objects.visible_to(request.user).in_area(area)
    rows, totals = selectors.daily_summary(qs, date=day, area=area)
    # Exported only as asked: a refused date or area is shown on the page, not swapped for
    # today's summary of the user's own area in the file.
    if request.GET.get("export") == "xlsx" and (data is None or valid):
        return _summary_export(request, rows, area, day)
    return render(
        request,
        "supervision/summary.html",
        {
            "form": form,
            "area": area,
            "day": day,
            "table": SummaryRowTable(rows),
            "totals": totals,
            "query_string": f"date={day.isoformat()}&area={area.pk}",
            "can_store": request.user.has_perm("supervision.add_problemsummary"),
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        },
    )


class ProblemSummaryListView(ObjectListView):
    model = ProblemSummary
    filterset_class = ProblemSummaryFilterSet
    table_class = ProblemSummaryTable
    selector = selectors.summary_list
    export_permission = EXPORT_PERMISSION
    list_url_name = "supervision:summary_list"


class ProblemSummaryDetailView(ObjectDetailView):
    model = ProblemSummary
    template_name = "supervision/summary_detail.html"
    list_url_name = "supervision:summary_list"
    selector = selectors.summary_list

    def get(self, request, pk):
        if request.GET.get("export") == "xlsx":
            obj = self.get_object(request, pk)
            return _summary_export(request, obj.rows, obj.area, obj.date)
        return super().get(request, pk)

    def get_extra_context(self, request, obj):
        return {"table": SummaryRowTable(obj.rows)}


def home_panel(request: HttpRequest) -> dict | None:
    """Home page figures for roles that follow problems: open, overdue, escalated."""
    user = request.user
    if not user.has_perm("supervision.view_problem"):
        return None
    today = _today()
    counts = selectors.problem_counts(Problem.objects.visible_to(user), today=today)
    # Each figure opens the list of those very problems: 未销号 and 已升级 count the problems
    # not closed (the ``escalated`` filter alone also lists escalated ones closed since).
    url = reverse("supervision:problem_list")
    open_on = f"open_on={today.isoformat()}"
    links = {
        "open": f"{url}?{open_on}",
        "overdue": f"{url}?overdue=true",
        "escalated": f"{url}?escalated=true&{open_on}",
    }
    return {
        "template": "supervision/includes/home_panel.html",
        "problem_counts": counts,
        "links": links,
    }
