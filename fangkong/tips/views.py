"""Tip pages: the public form, receipt and progress pages (no login), and the staff pages
for triage, verification and rewards. Writes go through ``tips.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core import ratelimit
from fangkong.core.images import content_type_of
from fangkong.core.middleware import public
from fangkong.core.personal import mask
from fangkong.core.scoping import area_visible_to
from fangkong.core.views.generic import (
    ObjectDetailView,
    ObjectListView,
    add_service_errors,
    ask_files_again,
    service_errors,
)

from . import selectors, services
from .choices import PUBLIC_STATE_TEXT, TipState
from .filtersets import RewardFilterSet, TipFilterSet
from .forms import (
    AssignForm,
    ProgressForm,
    RejectForm,
    ReturnForm,
    RewardForm,
    RewardPaidForm,
    TipForm,
    VerifyForm,
)
from .models import Reward, Tip, TipPhoto
from .tables import RewardTable, TipTable

RECEIPT_SESSION_KEY = "tips_receipt"


# --- public ------------------------------------------------------------------------------


@public
@never_cache
def tip_submit(request: HttpRequest) -> HttpResponse:
    """/tips/report/: the public tip form (anonymous allowed)."""
    form = TipForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tip = services.submit_tip(
                category=data["category"],
                description=data["description"],
                area=data["area"],
                place=data["place"],
                anonymous=data["anonymous"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                photo=data["photo"],
                client_address=ratelimit.client_address(request),
            )
        except ValidationError as e:
            add_service_errors(form, e)
            status = 429 if getattr(e, "code", None) == "rate_limited" else 200
        else:
            request.session[RECEIPT_SESSION_KEY] = tip.receipt_code
            return redirect("tips:thanks")
    if request.method == "POST":
        ask_files_again(form, request.FILES, "photo")
    return render(request, "tips/tip_form.html", {"form": form}, status=status)


@public
@never_cache
def tip_thanks(request: HttpRequest) -> HttpResponse:
    """The receipt code of the tip just submitted (kept in the session, never in a URL)."""
    code = request.session.get(RECEIPT_SESSION_KEY)
    return render(request, "tips/tip_thanks.html", {"code": code, "form": ProgressForm()})


@public
@never_cache
def tip_progress(request: HttpRequest) -> HttpResponse:
    """/tips/progress/: the state of one tip by its receipt code, nothing else."""
    form = ProgressForm(request.POST or None)
    context = {"form": form, "result": None}
    if request.method == "POST" and form.is_valid():
        tip = services.progress(form.cleaned_data["code"])
        if tip is None:
            form.add_error("code", _("未找到该回执码，请核对后重新输入"))
        else:
            context["result"] = {
                "code": tip.receipt_code,
                "submitted": tip.created_at,
                "state": tip.state,
                "text": PUBLIC_STATE_TEXT[TipState(tip.state)],
            }
    return render(request, "tips/tip_progress.html", context)


# --- staff -------------------------------------------------------------------------------


class TipListView(ObjectListView):
    model = Tip
    filterset_class = TipFilterSet
    table_class = TipTable
    selector = selectors.tip_list
    export_permission = "tips.export_tip"
    list_url_name = "tips:tip_list"
    extra_actions = (("tips:reward_list", gettext_lazy("举报奖励"), "tips.view_reward"),)


class RewardListView(ObjectListView):
    model = Reward
    filterset_class = RewardFilterSet
    table_class = RewardTable
    selector = selectors.reward_list
    export_permission = "tips.export_tip"
    list_url_name = "tips:reward_list"
    template_name = "tips/reward_list.html"

    def base_context(self):
        # The rows the list shows (scope and filter), summed: what the office reports.
        qs = RewardFilterSet(
            self.request.GET or None,
            queryset=Reward.objects.visible_to(self.request.user),
            request=self.request,
        ).qs
        return super().base_context() | {"totals": selectors.reward_totals(qs)}


class TipDetailView(ObjectDetailView):
    model = Tip
    template_name = "tips/tip_detail.html"
    list_url_name = "tips:tip_list"

    def get_extra_context(self, request, obj):
        user = request.user
        can_change = user.has_perm("tips.change_tip")
        reward = Reward.objects.filter(tip=obj).first()
        return {
            "masked": {
                "contact_name": mask("name", obj.contact_name),
                "contact_phone": mask("phone", obj.contact_phone),
            },
            "photos": list(obj.photos.all()),
            "reward": reward,
            "can_reveal": user.has_perm("tips.view_tipster") and not obj.anonymous,
            "assign_form": AssignForm(user=user)
            if can_change and (obj.state == TipState.NEW or self._may_reassign(user, obj))
            else None,
            "reject_form": RejectForm() if can_change and obj.state == TipState.NEW else None,
            "verify_form": VerifyForm() if can_change and obj.state == TipState.ASSIGNED else None,
            "return_form": ReturnForm() if can_change and obj.state == TipState.ASSIGNED else None,
            "reward_form": RewardForm()
            if user.has_perm("tips.add_reward")
            and obj.state == TipState.VERIFIED
            and not obj.anonymous
            and not reward
            else None,
            "paid_form": RewardPaidForm()
            if reward and reward.paid_on is None and user.has_perm("tips.change_reward")
            else None,
        }

    @staticmethod
    def _may_reassign(user, tip: Tip) -> bool:
        """改派 is for whoever covers more than the area the tip went to (the office above)."""
        if tip.state != TipState.ASSIGNED:
            return False
        return user.area_id != tip.area_id and area_visible_to(tip.area, user)


def _tip_for(request: HttpRequest, pk: int) -> Tip:
    return get_object_or_404(Tip.objects.visible_to(request.user).select_related("area"), pk=pk)


def _run(request: HttpRequest, tip: Tip, form, action, success: str, context: str) -> HttpResponse:
    """Validate ``form``, call ``action(data)`` and go back to the tip. Refused, the tip's
    page comes back with ``form`` (its entry ``context`` on the page) as it was sent: the
    reason by its field, the 核查结果 typed on a phone still there."""
    if form.is_valid():
        with service_errors(form):
            action(form.cleaned_data)
            messages.success(request, success)
            return redirect("tips:tip_detail", pk=tip.pk)
    view = TipDetailView()
    view.setup(request, pk=tip.pk)
    return view.render_object(request, view.get_object(request, tip.pk), **{context: form})


def _version(request: HttpRequest):
    return request.POST.get("version") or None


@require_POST
@permission_required("tips.change_tip", raise_exception=True)
def tip_assign(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    form = AssignForm(request.POST, user=request.user)
    return _run(
        request,
        tip,
        form,
        lambda d: services.assign_tip(
            actor=request.user,
            tip=tip,
            area=d["area"],
            note=d["note"],
            expected_version=_version(request),
        ),
        _("已交办"),
        "assign_form",
    )


@require_POST
@permission_required("tips.change_tip", raise_exception=True)
def tip_reject(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    return _run(
        request,
        tip,
        RejectForm(request.POST),
        lambda d: services.reject_tip(
            actor=request.user, tip=tip, note=d["note"], expected_version=_version(request)
        ),
        _("已标记为无效线索"),
        "reject_form",
    )


@require_POST
@permission_required("tips.change_tip", raise_exception=True)
def tip_return(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    return _run(
        request,
        tip,
        ReturnForm(request.POST),
        lambda d: services.return_tip(
            actor=request.user, tip=tip, note=d["note"], expected_version=_version(request)
        ),
        _("已退回上级重新分拣"),
        "return_form",
    )


@require_POST
@permission_required("tips.change_tip", raise_exception=True)
def tip_verify(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    return _run(
        request,
        tip,
        VerifyForm(request.POST),
        lambda d: services.verify_tip(
            actor=request.user,
            tip=tip,
            founded=d["founded"],
            outcome=d["outcome"],
            expected_version=_version(request),
        ),
        _("已登记核查结果"),
        "verify_form",
    )


@require_POST
@permission_required("tips.add_reward", raise_exception=True)
def reward_add(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    return _run(
        request,
        tip,
        RewardForm(request.POST),
        lambda d: services.record_reward(
            actor=request.user, tip=tip, amount=d["amount"], note=d["note"]
        ),
        _("已登记奖励"),
        "reward_form",
    )


@require_POST
@permission_required("tips.change_reward", raise_exception=True)
def reward_paid(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip_for(request, pk)
    reward = get_object_or_404(Reward.objects.visible_to(request.user), tip=tip)
    return _run(
        request,
        tip,
        RewardPaidForm(request.POST),
        lambda d: services.mark_reward_paid(
            actor=request.user, reward=reward, paid_on=d["paid_on"]
        ),
        _("已登记发放"),
        "paid_form",
    )


@require_POST
@never_cache
@permission_required("tips.view_tipster", raise_exception=True)
def tip_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The tip-giver's identity, for the reward handler; each reading is audited."""
    tip = _tip_for(request, pk)
    identity = services.reveal_tipster(actor=request.user, tip=tip, reason=_("发放举报奖励"))
    template = "tips/includes/tipster.html" if request.htmx else "tips/tipster_page.html"
    response = render(request, template, {"identity": identity, "tip": tip})
    response["Cache-Control"] = "no-store"
    return response


@permission_required("tips.view_tip", raise_exception=True)
def tip_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(TipPhoto.objects.visible_to(request.user), pk=pk)
    response = FileResponse(photo.image.open("rb"), content_type=content_type_of(photo.image.name))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
