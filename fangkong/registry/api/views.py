from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import ScopedModelViewSet

from .. import selectors, services
from ..filtersets import BuildingFilterSet, HouseholdFilterSet, ResidentFilterSet
from ..models import Building, Household, Resident
from .serializers import (
    BuildingSerializer,
    HouseholdSerializer,
    ResidentSerializer,
    RevealReasonSerializer,
    RevealSerializer,
)


class ResidentViewSet(ScopedModelViewSet):
    """居民: the caller's area subtree; personal fields masked, ``reveal`` for plaintext."""

    model = Resident
    selector = staticmethod(selectors.resident_list)
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilterSet
    create_service = staticmethod(services.create_resident)
    update_service = staticmethod(services.update_resident)
    delete_service = staticmethod(services.delete_resident)
    action_perms = {"reveal": ("registry.reveal_resident",)}

    @extend_schema(
        request=RevealReasonSerializer,
        responses=RevealSerializer,
        summary=_("查看未脱敏的个人信息"),
        description=_("返回身份证号、联系电话和现住址的明文；每次查看都记入审计日志。"),
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def reveal(self, request, pk=None):
        resident = self.get_object()
        body = RevealReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = services.reveal_resident(
            actor=request.user, resident=resident, reason=body.validated_data.get("reason", "")
        )
        # Plaintext personal data: never kept by a browser or proxy cache.
        return Response(RevealSerializer(values).data, headers={"Cache-Control": "no-store"})


class HouseholdViewSet(ScopedModelViewSet):
    """户: list, detail, create, update, delete (address masked)."""

    model = Household
    related = ("area", "building")
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet
    service_takes_data = False
    create_service = staticmethod(services.create_household)
    update_service = staticmethod(services.update_household)
    delete_service = staticmethod(services.delete_household)


class BuildingViewSet(ScopedModelViewSet):
    """楼栋: list, detail, create, update, delete."""

    model = Building
    related = ("area",)
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet
    service_takes_data = False
    create_service = staticmethod(services.create_building)
    update_service = staticmethod(services.update_building)
    delete_service = staticmethod(services.delete_building)
