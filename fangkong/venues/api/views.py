from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.renderers import FastJSONRenderer
from fangkong.core.api.views import ScopedGenericViewSet, ScopedModelViewSet, ServiceCreateMixin

from .. import selectors, services
from ..filtersets import OutingApprovalFilterSet, ScanFilterSet, VenueFilterSet
from ..models import OutingApproval, Scan, Venue
from .serializers import (
    ClockSerializer,
    OutingApprovalSerializer,
    OutingDecisionSerializer,
    ScanBatchResultSerializer,
    ScanBatchSerializer,
    ScanSerializer,
    VenueSerializer,
)


class VenueViewSet(ScopedModelViewSet):
    """场所/卡点."""

    model = Venue
    selector = staticmethod(selectors.venue_list)
    serializer_class = VenueSerializer
    filterset_class = VenueFilterSet
    create_service = staticmethod(services.create_venue)
    update_service = staticmethod(services.update_venue)
    delete_service = staticmethod(services.delete_venue)


# A batch's per-record results are written by orjson (the same bytes as DRF's renderer; the
# answer holds no floats).
BATCH_RENDERERS = [
    FastJSONRenderer if renderer is JSONRenderer else renderer
    for renderer in api_settings.DEFAULT_RENDERER_CLASSES
]


class ScanViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """扫码记录: list (newest first) and ``batch`` ingest. No update or delete: append-only."""

    model = Scan
    selector = staticmethod(selectors.scan_list)
    serializer_class = ScanSerializer
    filterset_class = ScanFilterSet
    action_perms = {"batch": ("venues.ingest_scan",)}

    @extend_schema(
        request=None,
        responses=ClockSerializer,
        summary=_("设备连通与校时"),
        description=_("卡点设备上传前检查连通并校准时钟（扫码时间晚于服务器时间的记录会被拒收）。"),
    )
    @action(detail=False, methods=["get"], permission_classes=[IsAuthenticated])
    def clock(self, request):
        return Response({"now": timezone.now()})

    @extend_schema(
        request=ScanBatchSerializer,
        responses={
            200: ScanBatchResultSerializer,
            # Either the per-record result (every record refused) or a malformed request.
            400: OpenApiResponse(
                response=OpenApiTypes.OBJECT, description=_("全部记录被拒收，或请求格式错误")
            ),
        },
        summary=_("批量上传扫码记录"),
        description=_(
            "卡点设备与合作系统批量上传。每条记录带设备生成的 UUID（id）；超时后重发同一批次"
            "不会产生重复记录（以 id 与扫码时间为键）。有错误的记录逐条返回（index、field、"
            "message），其余记录照常入库。全部记录都有错误时返回 400。"
        ),
    )
    # The service checks venues.ingest_scan and the scope of each record's venue.
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[IsAuthenticated],
        renderer_classes=BATCH_RENDERERS,
    )
    def batch(self, request):
        body = ScanBatchSerializer.checked(request.data)
        result = services.ingest_scans(
            actor=request.user, records=body["records"], source=body["source"]
        )
        code = (
            status.HTTP_400_BAD_REQUEST
            if result.rejected == len(body["records"])
            else status.HTTP_200_OK
        )
        return Response(result.as_dict(), status=code)


class OutingApprovalViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    """外出审批报备: create = a request; ``approve`` / ``reject`` by the responsible staff;
    ``cancel`` (撤销, with a note) by staff who register requests."""

    model = OutingApproval
    selector = staticmethod(selectors.outing_list)
    serializer_class = OutingApprovalSerializer
    filterset_class = OutingApprovalFilterSet
    create_service = staticmethod(services.request_outing)
    action_perms = {
        "approve": ("venues.approve_outingapproval",),
        "reject": ("venues.approve_outingapproval",),
        "cancel": ("venues.add_outingapproval",),
    }
    service_takes_data = False

    def _decide(self, request, service):
        outing = self.get_object()
        body = OutingDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = service(
            actor=request.user,
            outing=outing,
            note=body.validated_data.get("note", ""),
            expected_version=body.validated_data.get("version"),
        )
        return self.written_response(updated)

    @extend_schema(
        request=OutingDecisionSerializer, responses=OutingApprovalSerializer, summary=_("批准外出")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_outing)

    @extend_schema(
        request=OutingDecisionSerializer, responses=OutingApprovalSerializer, summary=_("驳回外出")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def reject(self, request, pk=None):
        return self._decide(request, services.reject_outing)

    @extend_schema(
        request=OutingDecisionSerializer, responses=OutingApprovalSerializer, summary=_("撤销外出")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def cancel(self, request, pk=None):
        return self._decide(request, services.cancel_outing)
