from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from fangkong.areas.models import Area
from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import BaseViewSet, ScopedGenericViewSet, ScopedModelViewSet

from .. import selectors, services
from ..coverage import unit_coverage
from ..filtersets import HandoverFilterSet, NoticeFilterSet, ShiftFilterSet, WorkingGroupFilterSet
from ..models import Handover, HandoverItem, Notice, Shift, WorkingGroup
from .serializers import (
    AcknowledgmentSerializer,
    CloseItemSerializer,
    CoverageQuerySerializer,
    DayCoverageSerializer,
    HandoverItemSerializer,
    HandoverSerializer,
    InboxSerializer,
    NoticeReceiptSerializer,
    NoticeSerializer,
    ShiftCoverSerializer,
    ShiftSerializer,
    WorkingGroupSerializer,
)


class WorkingGroupViewSet(ScopedModelViewSet):
    """专班 with members and leader."""

    model = WorkingGroup
    selector = staticmethod(selectors.group_list)
    serializer_class = WorkingGroupSerializer
    filterset_class = WorkingGroupFilterSet
    create_service = staticmethod(services.create_working_group)
    update_service = staticmethod(services.update_working_group)
    delete_service = staticmethod(services.delete_working_group)


class ShiftViewSet(ScopedModelViewSet):
    """值班班次; ``coverage`` gives a unit's gaps and double bookings per local day."""

    model = Shift
    selector = staticmethod(selectors.shift_list)
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilterSet
    create_service = staticmethod(services.create_shift)
    update_service = staticmethod(services.update_shift)
    delete_service = staticmethod(services.delete_shift)
    action_perms = {"cover": ("duty.change_shift",)}

    @extend_schema(request=ShiftCoverSerializer, responses=ShiftSerializer, summary=_("替班"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def cover(self, request, pk=None):
        return self.service_action(request, ShiftCoverSerializer, services.cover_shift)

    @extend_schema(
        parameters=[CoverageQuerySerializer],
        responses=DayCoverageSerializer(many=True),
        summary=_("值守覆盖：空档与重复排班"),
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = get_object_or_404(Area.objects.visible_to(request.user), pk=query.data["area"])
        days = unit_coverage(
            Shift.objects.visible_to(request.user),
            area,
            query.validated_data["day"],
            query.validated_data["days"],
        )
        return Response(DayCoverageSerializer(days, many=True).data)


class HandoverViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """交接班记录: create = hand over (the caller is the outgoing person); ``acknowledge``."""

    model = Handover
    serializer_class = HandoverSerializer
    filterset_class = HandoverFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Handover.objects.none()
        return selectors.handover_list(selectors.handovers_for(self.request.user)).prefetch_related(
            "items", "carried_items"
        )

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        handover = services.create_handover(
            actor=request.user,
            area=data["area"],
            incoming=data["incoming"],
            notes=data["notes"],
            new_items=data.get("new_items", []),
            shift=data.get("shift"),
        )
        return self.written_response(handover, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HandoverSerializer, summary=_("确认接班"))
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def acknowledge(self, request, pk=None):
        handover = services.acknowledge_handover(actor=request.user, handover=self.get_object())
        return self.written_response(handover)

    @extend_schema(
        request=CloseItemSerializer, responses=HandoverItemSerializer, summary=_("办结交接事项")
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"items/(?P<item_id>\d+)/close",
        permission_classes=[IsAuthenticated],
    )
    def close_item(self, request, pk=None, item_id=None):
        handover = self.get_object()
        item = get_object_or_404(HandoverItem.objects.filter(area=handover.area), pk=int(item_id))
        body = CloseItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.close_handover_item(
            actor=request.user, item=item, note=body.validated_data["note"]
        )
        return Response(HandoverItemSerializer(item).data)


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """通知/指令 of the caller's subtree: create = send; ``acknowledgments``; ``remind``."""

    model = Notice
    selector = staticmethod(selectors.notice_list)
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    action_perms = {"remind": ("duty.remind_notice",)}

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        notice = services.send_notice(actor=request.user, **data)
        return self.written_response(notice, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses=AcknowledgmentSerializer, summary=_("签收情况"))
    @action(detail=True, methods=["get"])
    def acknowledgments(self, request, pk=None):
        report = selectors.acknowledgment_report(self.get_object())
        return Response(AcknowledgmentSerializer(report).data)

    @extend_schema(
        request=None, responses=NoticeReceiptSerializer(many=True), summary=_("催办未签收")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def remind(self, request, pk=None):
        reminded = services.remind_unacknowledged(actor=request.user, notice=self.get_object())
        return Response(NoticeReceiptSerializer(reminded, many=True).data)


class InboxViewSet(mixins.ListModelMixin, BaseViewSet):
    """我的签收: the caller's notices, unacknowledged first; ``acknowledge`` signs one."""

    serializer_class = InboxSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return selectors.inbox(self.request.user)

    @extend_schema(
        request=None,
        responses=InboxSerializer,
        summary=_("签收"),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("通知编号"))],
    )
    @action(detail=False, methods=["post"], url_path=r"(?P<notice_id>\d+)/acknowledge")
    def acknowledge(self, request, notice_id=None):
        notice = get_object_or_404(selectors.notices_for(request.user), pk=int(notice_id))
        receipt = services.acknowledge_notice(actor=request.user, notice=notice)
        receipt = selectors.inbox(request.user).get(pk=receipt.pk)
        return Response(InboxSerializer(receipt).data)
