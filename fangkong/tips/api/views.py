from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.areas.models import Area
from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
    ScopedGenericViewSet,
)

from .. import selectors, services
from ..filtersets import RewardFilterSet, TipFilterSet
from ..models import Reward, Tip
from .serializers import (
    RewardPaidSerializer,
    RewardSerializer,
    TipAssignSerializer,
    TipRejectSerializer,
    TipReturnSerializer,
    TipSerializer,
    TipVerifySerializer,
)


class TipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """举报线索 (staff): ``assign`` (or 改派 an assigned one), ``reject``, ``verify``, ``return``
    (退回 to the area above); the public submits on the web form."""

    model = Tip
    selector = staticmethod(selectors.tip_list)
    serializer_class = TipSerializer
    filterset_class = TipFilterSet
    action_perms = {
        "assign": ("tips.change_tip",),
        "reject": ("tips.change_tip",),
        "verify": ("tips.change_tip",),
        "return_to_triage": ("tips.change_tip",),
    }

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=TipAssignSerializer, responses=TipSerializer, summary=_("分拣交办"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def assign(self, request, pk=None):
        tip = self.get_object()
        d = self._body(TipAssignSerializer)
        area = get_object_or_404(Area.objects.visible_to(request.user), pk=d["area"])
        updated = services.assign_tip(
            actor=request.user, tip=tip, area=area, note=d["note"], expected_version=d["version"]
        )
        return self.written_response(updated)

    @extend_schema(request=TipRejectSerializer, responses=TipSerializer, summary=_("不予受理"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def reject(self, request, pk=None):
        tip = self.get_object()
        d = self._body(TipRejectSerializer)
        updated = services.reject_tip(
            actor=request.user, tip=tip, note=d["note"], expected_version=d["version"]
        )
        return self.written_response(updated)

    @extend_schema(
        request=TipReturnSerializer, responses=TipSerializer, summary=_("退回上级重新分拣")
    )
    @action(detail=True, methods=["post"], url_path="return", permission_classes=[ViewPermission])
    def return_to_triage(self, request, pk=None):
        tip = self.get_object()
        d = self._body(TipReturnSerializer)
        updated = services.return_tip(
            actor=request.user, tip=tip, note=d["note"], expected_version=d["version"]
        )
        # Returned to the area above, the tip has left the caller's scope: answer the row as
        # written rather than reading it back through that scope.
        return Response(self.get_serializer(updated).data)

    @extend_schema(request=TipVerifySerializer, responses=TipSerializer, summary=_("登记核查结果"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def verify(self, request, pk=None):
        tip = self.get_object()
        d = self._body(TipVerifySerializer)
        updated = services.verify_tip(
            actor=request.user,
            tip=tip,
            founded=d["founded"],
            outcome=d["outcome"],
            expected_version=d["version"],
        )
        return self.written_response(updated)


class RewardViewSet(ScopedCreateReadViewSet):
    """举报奖励: create for a verified tip; ``paid`` records the payment day."""

    model = Reward
    selector = staticmethod(selectors.reward_list)
    serializer_class = RewardSerializer
    filterset_class = RewardFilterSet
    service_takes_data = False
    create_service = staticmethod(services.record_reward)
    action_perms = {"paid": ("tips.change_reward",)}

    @extend_schema(request=RewardPaidSerializer, responses=RewardSerializer, summary=_("登记发放"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def paid(self, request, pk=None):
        reward = self.get_object()
        body = RewardPaidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.mark_reward_paid(
            actor=request.user,
            reward=reward,
            paid_on=body.validated_data["paid_on"],
            expected_version=body.validated_data["version"],
        )
        return self.written_response(updated)
