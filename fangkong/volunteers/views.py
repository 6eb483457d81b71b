"""Volunteer pages: the pool and its review, party-member reports, needs with proposals and
dispatch, batches, tasks and shifts, teams, certificates; the public sign-up and the
volunteer's own phone page (我的任务).

Lists are configuration on ``core.views.generic``; writes go through ``volunteers.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.accounts.choices import Role
from fangkong.core import ratelimit
from fangkong.core.middleware import public
from fangkong.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_service_errors,
    error_text,
    form_error_text,
    service_errors,
    service_messages,
)
from fangkong.core.views.imports import import_views

from . import matching, selectors, services
from .choices import AssignmentState, NeedState, PoolState, Skill
from .filtersets import (
    AssignmentFilterSet,
    DispatchBatchFilterSet,
    NeedFilterSet,
    PartyReportFilterSet,
    ShiftFilterSet,
    TeamFilterSet,
    VolunteerFilterSet,
)
from .forms import (
    AccountForm,
    BatchForm,
    DeclineForm,
    DispatchForm,
    NeedForm,
    PartyReportForm,
    ReviewForm,
    ShiftRecordForm,
    SignupForm,
    TeamForm,
    VolunteerForm,
    VolunteerImportForm,
)
from .models import Assignment, DispatchBatch, Need, PartyReport, Shift, Team, Volunteer
from .pdf import render_certificate
from .rules import labels
from .tables import (
    AssignmentTable,
    CertificateTable,
    DispatchBatchTable,
    NeedTable,
    PartyReportTable,
    ShiftTable,
    TeamTable,
    VolunteerTable,
    availability,
)

IMPORTER = "volunteers.volunteer"
SIGNUP_LIMIT = 5  # sign-ups per client address
SIGNUP_WINDOW = 3600  # seconds


def home_panel(request: HttpRequest) -> dict | None:
    user = request.user
    if user.role == Role.VOLUNTEER:
        return my_home_panel(user)
    if not user.has_perm("volunteers.view_need"):
        return None
    return {
        "template": "volunteers/includes/home_panel.html",
        "figures": selectors.figures(
            Volunteer.objects.visible_to(user),
            Team.objects.visible_to(user),
            DispatchBatch.objects.visible_to(user),
            PartyReport.objects.visible_to(user),
        ),
    }


def my_home_panel(user) -> dict:
    """A volunteer's home page leads to their tasks (on a phone the menu hides them): the
    tasks waiting for an answer and the accepted ones not yet over."""
    tasks = selectors.my_assignments(user).order_by()
    return {
        "template": "volunteers/includes/my_home_panel.html",
        "offered": tasks.filter(state=AssignmentState.OFFERED).count(),
        "accepted": tasks.filter(
            state=AssignmentState.ACCEPTED, need__ends_at__gte=timezone.now()
        ).count(),
    }


# --- volunteers -------------------------------------------------------------------------


class VolunteerListView(ObjectListView):
    model = Volunteer
    filterset_class = VolunteerFilterSet
    table_class = VolunteerTable
    selector = staticmethod(selectors.volunteer_list)
    export_permission = "volunteers.export_volunteer"
    list_url_name = "volunteers:volunteer_list"
    add_url_name = "volunteers:volunteer_add"
    extra_actions = (
        ("volunteers:volunteer_import", gettext_lazy("批量导入"), "volunteers.import_volunteer"),
        ("volunteers:certificate_list", gettext_lazy("服务证书"), "volunteers.view_volunteer"),
        ("volunteers:signup", gettext_lazy("报名页面"), "volunteers.view_volunteer"),
    )


class VolunteerDetailView(ObjectDetailView):
    model = Volunteer
    selector = staticmethod(selectors.volunteer_list)
    template_name = "volunteers/volunteer_detail.html"
    list_url_name = "volunteers:volunteer_list"
    edit_url_name = "volunteers:volunteer_edit"
    delete_url_name = "volunteers:volunteer_delete"

    def get_extra_context(self, request, obj):
        user = request.user
        assignments = selectors.assignment_list(
            Assignment.objects.visible_to(user).filter(volunteer=obj)
        ).order_by("-need__starts_at")
        can_review = user.has_perm("volunteers.review_volunteer")
        return {
            "skills": labels(obj.skills, Skill),
            "availability": availability(obj),
            "id_number": Volunteer._meta.get_field("id_number").mask(obj.id_number),
            "phone": Volunteer._meta.get_field("phone").mask(obj.phone),
            "hours": selectors.hours(obj.total_minutes),
            "certificate": obj.total_minutes >= selectors.certificate_hours() * 60,
            "assignments": AssignmentTable(assignments[:50], user=user),
            "reports": obj.party_reports.select_related("area"),
            "teams": obj.teams.all(),
            "review_form": ReviewForm(initial={"state": PoolState.RESERVE}) if can_review else None,
            "can_account": can_review
            and not obj.user_id
            and obj.state in (PoolState.RESERVE, PoolState.ACTIVE),
            "can_report": obj.is_party_member and user.has_perm("volunteers.add_partyreport"),
            "pairings": _pairings_of(obj, user),
        }


def _pairings_of(volunteer: Volunteer, user) -> list | None:
    """The buildings and households this party member looks after (包联), in ``user``'s
    area; ``None`` when the user may not see pairings."""
    if not (volunteer.is_party_member and user.has_perm("pairing.view_pairing")):
        return None
    from fangkong.pairing.models import Pairing  # 包联 builds on the volunteers

    return list(
        Pairing.objects.visible_to(user)
        .filter(volunteer=volunteer)
        .select_related("area", "building", "household__building")
    )


class VolunteerEditView(ObjectEditView):
    model = Volunteer
    form_class = VolunteerForm
    list_url_name = "volunteers:volunteer_list"
    detail_url_name = "volunteers:volunteer_detail"
    create_service = staticmethod(services.create_volunteer)
    update_service = staticmethod(services.update_volunteer)

    def service_kwargs(self, form, obj):
        return {"data": form.service_data()}


class VolunteerDeleteView(ObjectDeleteView):
    model = Volunteer
    list_url_name = "volunteers:volunteer_list"
    detail_url_name = "volunteers:volunteer_detail"
    delete_service = staticmethod(services.delete_volunteer)


def _volunteer_for(request: HttpRequest, pk: int) -> Volunteer:
    return get_object_or_404(Volunteer.objects.visible_to(request.user), pk=pk)


@require_POST
@permission_required("volunteers.review_volunteer", raise_exception=True)
def volunteer_review(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer_for(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果"))
        return redirect("volunteers:volunteer_detail", pk=pk)
    with service_messages(request):
        services.review_volunteer(
            actor=request.user,
            volunteer=volunteer,
            state=form.cleaned_data["state"],
            note=form.cleaned_data["note"],
            expected_version=request.POST.get("version") or None,
        )
        messages.success(request, _("已更新状态：%(s)s") % {"s": volunteer.get_state_display()})
    return redirect("volunteers:volunteer_detail", pk=pk)


def _form_page(request, form, *, title: str, back: str, submit: str) -> HttpResponse:
    return render(
        request,
        "volunteers/form_page.html",
        {"form": form, "title": title, "back_url": back, "submit": submit},
    )


@permission_required("volunteers.review_volunteer", raise_exception=True)
def volunteer_account(request: HttpRequest, pk: int) -> HttpResponse:
    """开通登录账号: a volunteer-role user bound to this volunteer."""
    volunteer = _volunteer_for(request, pk)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_volunteer_account(
                actor=request.user, volunteer=volunteer, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("已开通登录账号"))
            return redirect("volunteers:volunteer_detail", pk=pk)
    return _form_page(
        request,
        form,
        title=_("为 %(n)s 开通登录账号") % {"n": volunteer.name},
        back=reverse("volunteers:volunteer_detail", args=[pk]),
        submit=_("开通"),
    )


@permission_required("volunteers.add_partyreport", raise_exception=True)
def party_report_add(request: HttpRequest, pk: int) -> HttpResponse:
    """在职党员进社区报到."""
    volunteer = _volunteer_for(request, pk)
    form = PartyReportForm(
        request.POST or None,
        user=request.user,
        initial={"area": volunteer.area_id, "work_unit": volunteer.organisation},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.report_party_member(
                actor=request.user, volunteer=volunteer, **form.cleaned_data
            )
            messages.success(request, _("已登记报到"))
            return redirect("volunteers:volunteer_detail", pk=pk)
    return _form_page(
        request,
        form,
        title=_("在职党员进社区报到：%(n)s") % {"n": volunteer.name},
        back=reverse("volunteers:volunteer_detail", args=[pk]),
        submit=_("登记报到"),
    )


@permission_required("volunteers.view_volunteer", raise_exception=True)
def volunteer_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(
        selectors.volunteer_list(Volunteer.objects.visible_to(request.user)), pk=pk
    )
    total = selectors.hours(volunteer.total_minutes)
    if volunteer.total_minutes < selectors.certificate_hours() * 60:
        raise Http404(_("累计服务时长未达到证书标准"))
    issuer = request.user.area.name if request.user.area_id else str(_("防控平台"))
    pdf = render_certificate(volunteer, total, issuer=issuer)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{volunteer.pk}.pdf"'
    return response


class CertificateListView(ObjectListView):
    """Volunteers whose service hours reach the certificate threshold."""

    model = Volunteer
    table_class = CertificateTable
    selector = staticmethod(selectors.certificate_eligible)
    export_permission = "volunteers.export_volunteer"
    list_url_name = "volunteers:certificate_list"

    def base_context(self):
        return super().base_context() | {
            "model_name_plural": _("服务证书（累计 %(h)s 小时以上）")
            % {"h": selectors.certificate_hours()}
        }


volunteer_import, volunteer_import_template = import_views(
    importer=IMPORTER,
    permission="volunteers.import_volunteer",
    form_class=VolunteerImportForm,
    template_name="volunteers/import.html",
    template_url_name="volunteers:volunteer_import_template",
    file_name=lambda: _("志愿者导入模板") + ".xlsx",
)


class PartyReportListView(ObjectListView):
    model = PartyReport
    filterset_class = PartyReportFilterSet
    table_class = PartyReportTable
    selector = staticmethod(selectors.party_report_list)
    export_permission = "volunteers.export_volunteer"
    list_url_name = "volunteers:party_report_list"


# --- the public sign-up -------------------------------------------------------------------


@public
def signup(request: HttpRequest) -> HttpResponse:
    """志愿者报名 (no login). A repeat sign-up merges into the existing record; the answer is
    the same either way, so the page does not tell who is already registered."""
    form = SignupForm(request.POST or None)
    done = False
    status = 200
    if request.method == "POST":
        # Only accepted sign-ups count: a visitor correcting typing mistakes is not locked out.
        if ratelimit.spent(request, "volunteer-signup", limit=SIGNUP_LIMIT):
            form.add_error(None, _("提交过于频繁，请一小时后再试；如需帮助请联系所在社区"))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("consent")
            try:
                services.sign_up_volunteer(data=data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                ratelimit.hit(request, "volunteer-signup", limit=SIGNUP_LIMIT, window=SIGNUP_WINDOW)
                done = True
                form = SignupForm()
    response = render(request, "volunteers/signup.html", {"form": form, "done": done})
    response.status_code = status
    response["Cache-Control"] = "no-store"
    return response


# --- needs, proposals, dispatch ---------------------------------------------------------


class NeedListView(ObjectListView):
    model = Need
    filterset_class = NeedFilterSet
    table_class = NeedTable
    selector = staticmethod(selectors.need_list)
    export_permission = "volunteers.export_need"
    list_url_name = "volunteers:need_list"
    add_url_name = "volunteers:need_add"
    extra_actions = (
        ("volunteers:batch_add", gettext_lazy("批量派遣"), "volunteers.dispatch_need"),
        ("volunteers:assignment_list", gettext_lazy("派遣任务"), "volunteers.view_assignment"),
    )


class NeedDetailView(ObjectDetailView):
    model = Need
    selector = staticmethod(selectors.need_list)
    template_name = "volunteers/need_detail.html"
    list_url_name = "volunteers:need_list"
    edit_url_name = "volunteers:need_edit"
    delete_url_name = "volunteers:need_delete"

    def get_extra_context(self, request, obj):
        user = request.user
        assignments = selectors.assignment_list(obj.assignments.all()).order_by("state", "-score")
        proposals = []
        can_dispatch = user.has_perm("volunteers.dispatch_need") and obj.state == NeedState.OPEN
        if can_dispatch:
            proposals = matching.propose(obj, Volunteer.objects.visible_to(user), limit=50)
        open_shifts = {
            s.assignment_id: s
            for s in Shift.objects.filter(assignment__need=obj, ended_at__isnull=True)
        }
        served = dict(
            Shift.objects.filter(assignment__need=obj, minutes__isnull=False)
            .values("assignment_id")
            .annotate(m=Sum("minutes"))
            .values_list("assignment_id", "m")
        )
        live = [a for a in assignments if a.state == AssignmentState.ACCEPTED]
        for a in live:
            a.open_shift = open_shifts.get(a.pk)
            a.served = selectors.hours(served.get(a.pk))
        now = timezone.now()
        opens, closes = services.check_in_window(obj)
        reported = set(
            PartyReport.objects.filter(
                volunteer__in=[p.volunteer.pk for p in proposals]
            ).values_list("volunteer_id", flat=True)
        )
        return {
            "assignments": AssignmentTable(assignments),
            "places": services.open_places(obj),
            "proposals": proposals,
            "reported": reported,
            "can_dispatch": can_dispatch,
            "can_checkin": user.has_perm("volunteers.add_shift"),
            "check_in_opens": opens if now < opens else None,
            "over": now >= closes,
            "live": live,
            # One form for every row (no ids, so the rows' inputs do not share one).
            "record_form": ShiftRecordForm(
                auto_id=False,
                initial={"started_at": obj.starts_at, "ended_at": min(obj.ends_at, now)},
            ),
        }


class NeedEditView(ObjectEditView):
    model = Need
    form_class = NeedForm
    list_url_name = "volunteers:need_list"
    detail_url_name = "volunteers:need_detail"
    create_service = staticmethod(services.create_need)
    update_service = staticmethod(services.update_need)

    def get_form(self, request, obj, data=None, files=None):
        form = super().get_form(request, obj, data, files)
        copy = request.GET.get("copy", "")
        if obj is None and data is None and copy.isdigit() and len(copy) < 16:
            source = get_object_or_404(Need.objects.visible_to(request.user), pk=int(copy))
            form.initial.update(NeedForm.next_day_initial(source))
        return form


class NeedDeleteView(ObjectDeleteView):
    model = Need
    list_url_name = "volunteers:need_list"
    detail_url_name = "volunteers:need_detail"
    delete_service = staticmethod(services.delete_need)


@require_POST
@permission_required("volunteers.dispatch_need", raise_exception=True)
def need_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.visible_to(request.user), pk=pk)
    form = DispatchForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors["volunteers"])))
        return redirect("volunteers:need_detail", pk=pk)
    with service_messages(request):
        rows = services.dispatch(
            actor=request.user, need=need, volunteers=form.cleaned_data["volunteers"]
        )
        messages.success(request, _("已派遣 %(n)s 名志愿者，等待其确认") % {"n": len(rows)})
    return redirect("volunteers:need_detail", pk=pk)


class DispatchBatchListView(ObjectListView):
    model = DispatchBatch
    filterset_class = DispatchBatchFilterSet
    table_class = DispatchBatchTable
    selector = staticmethod(selectors.batch_list)
    export_permission = "volunteers.export_need"
    list_url_name = "volunteers:batch_list"
    add_url_name = "volunteers:batch_add"


@permission_required("volunteers.dispatch_need", raise_exception=True)
def batch_add(request: HttpRequest) -> HttpResponse:
    """批量派遣: how many to send to each open need; the platform picks the best-ranked."""
    needs = list(
        selectors.need_list(Need.objects.visible_to(request.user).filter(state=NeedState.OPEN))
    )
    for need in needs:
        need.places = max(0, need.headcount - need.offered - need.accepted)
    needs = [n for n in needs if n.places]
    form = BatchForm(request.POST or None, needs=needs)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            batch = services.dispatch_batch(
                actor=request.user,
                name=form.cleaned_data["name"],
                notes=form.cleaned_data["notes"],
                needs=form.allocations(),
            )
            messages.success(request, _("已创建派遣批次：%(n)s") % {"n": batch.name})
            return redirect("volunteers:batch_detail", pk=batch.pk)
    return render(request, "volunteers/batch_form.html", {"form": form, "needs": needs})


class DispatchBatchDetailView(ObjectDetailView):
    model = DispatchBatch
    template_name = "volunteers/batch_detail.html"
    list_url_name = "volunteers:batch_list"

    def get_extra_context(self, request, obj):
        rows = selectors.assignment_list(
            Assignment.objects.visible_to(request.user).filter(batch=obj)
        ).order_by("need__area__path", "need__starts_at", "-score")
        return {
            "figures": selectors.batch_figures(obj),
            "assignments": AssignmentTable(rows, user=request.user),
        }


class AssignmentListView(ObjectListView):
    model = Assignment
    filterset_class = AssignmentFilterSet
    table_class = AssignmentTable
    selector = staticmethod(selectors.assignment_list)
    export_permission = "volunteers.export_need"
    list_url_name = "volunteers:assignment_list"
    hidden_filters = ("need", "batch")


def _assignment_for(request: HttpRequest, pk: int) -> Assignment:
    qs = selectors.assignment_list(Assignment.objects.visible_to(request.user))
    return get_object_or_404(qs, pk=pk)


def _back(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    if request.POST.get("next") == "my":
        return redirect("volunteers:my_tasks")
    return redirect("volunteers:need_detail", pk=assignment.need_id)


@require_POST
@permission_required("volunteers.dispatch_need", raise_exception=True)
def assignment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    with service_messages(request):
        services.cancel_assignment(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已取消该任务"))
    return _back(request, assignment)


@require_POST
def assignment_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    with service_messages(request):
        services.check_in(actor=request.user, assignment=assignment)
        messages.success(request, _("已签到"))
    return _back(request, assignment)


@require_POST
@permission_required("volunteers.add_shift", raise_exception=True)
def assignment_record_shift(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    form = ShiftRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(request, assignment)
    with service_messages(request):
        shift = services.record_shift(
            actor=request.user, assignment=assignment, **form.cleaned_data
        )
        messages.success(
            request,
            _("已补录 %(name)s 的服务 %(h)s 小时")
            % {"name": assignment.volunteer.name, "h": shift.hours},
        )
    return _back(request, assignment)


@require_POST
def shift_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(selectors.shift_list(Shift.objects.visible_to(request.user)), pk=pk)
    with service_messages(request):
        shift = services.check_out(actor=request.user, shift=shift)
        messages.success(request, _("已签退，本次服务 %(h)s 小时") % {"h": shift.hours})
    return _back(request, shift.assignment)


class ShiftListView(ObjectListView):
    model = Shift
    filterset_class = ShiftFilterSet
    table_class = ShiftTable
    selector = staticmethod(selectors.shift_list)
    export_permission = "volunteers.export_need"
    list_url_name = "volunteers:shift_list"


# --- the volunteer's own page ---------------------------------------------------------------


def my_tasks(request: HttpRequest) -> HttpResponse:
    """我的任务: the signed-in volunteer's tasks, to accept or decline, check in and out."""
    volunteer = Volunteer.objects.visible_to(request.user).filter(user=request.user).first()
    if volunteer is None:
        return render(request, "volunteers/my_tasks.html", {"volunteer": None, "tasks": []})
    now = timezone.now()
    tasks = list(selectors.my_assignments(request.user, now=now))
    for task in tasks:
        shifts = task.shifts.all()
        task.open_shift = next((s for s in shifts if s.ended_at is None), None)
        task.hours = selectors.hours(sum(s.minutes or 0 for s in shifts))
        opens, closes = services.check_in_window(task.need)
        # Buttons only while they can work: before, the time check-in opens; after, 已结束.
        task.check_in_opens = opens if now < opens else None
        task.over = now >= closes
    return render(
        request,
        "volunteers/my_tasks.html",
        {
            "volunteer": volunteer,
            "tasks": tasks,
            "hours": selectors.volunteer_hours(volunteer),
            "decline_form": DeclineForm(),
        },
    )


@require_POST
def my_task_respond(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_for(request, pk)
    accept = request.POST.get("answer") == "accept"
    with service_messages(request):
        services.respond_assignment(
            actor=request.user,
            assignment=assignment,
            accept=accept,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已接受任务") if accept else _("已回复不能参加"))
    return redirect("volunteers:my_tasks")


# --- teams ----------------------------------------------------------------------------------


class TeamListView(ObjectListView):
    model = Team
    filterset_class = TeamFilterSet
    table_class = TeamTable
    selector = staticmethod(selectors.team_list)
    export_permission = "volunteers.export_volunteer"
    list_url_name = "volunteers:team_list"
    add_url_name = "volunteers:team_add"


class TeamDetailView(ObjectDetailView):
    model = Team
    selector = staticmethod(selectors.team_list)
    template_name = "volunteers/team_detail.html"
    list_url_name = "volunteers:team_list"
    edit_url_name = "volunteers:team_edit"
    delete_url_name = "volunteers:team_delete"

    def get_extra_context(self, request, obj):
        members = selectors.volunteer_list(obj.members.all())
        return {"members": VolunteerTable(members)}


class TeamEditView(ObjectEditView):
    model = Team
    form_class = TeamForm
    list_url_name = "volunteers:team_list"
    detail_url_name = "volunteers:team_detail"
    create_service = staticmethod(services.create_team)
    update_service = staticmethod(services.update_team)

    def service_kwargs(self, form, obj):
        return dict(form.cleaned_data)


class TeamDeleteView(ObjectDeleteView):
    model = Team
    list_url_name = "volunteers:team_list"
    detail_url_name = "volunteers:team_detail"
    delete_service = staticmethod(services.delete_team)
