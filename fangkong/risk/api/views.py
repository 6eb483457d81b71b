from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
)

from .. import selectors, services
from ..filtersets import RiskDesignationFilterSet
from ..models import RiskDesignation, RiskLevel
from .serializers import (
    EndDesignationSerializer,
    RiskDesignationSerializer,
    RiskLevelSerializer,
)


class RiskLevelViewSet(ScopedCreateReadViewSet):
    """风险等级 (public information: not area-scoped)."""

    model = RiskLevel
    serializer_class = RiskLevelSerializer
    service_takes_data = False
    create_service = staticmethod(services.create_risk_level)

    def get_queryset(self):
        return RiskLevel.objects.all()


class RiskDesignationViewSet(ScopedCreateReadViewSet):
    """风险地区认定: create = set a level for a place (closes its open designation)."""

    model = RiskDesignation
    serializer_class = RiskDesignationSerializer
    filterset_class = RiskDesignationFilterSet
    action_perms = {"end": ("risk.change_riskdesignation",)}
    service_takes_data = False
    create_service = staticmethod(services.set_risk_level)

    def get_queryset(self):
        return selectors.designations_visible_to(self.request.user)

    @extend_schema(
        request=EndDesignationSerializer,
        responses=RiskDesignationSerializer,
        summary=_("解除风险地区认定"),
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def end(self, request, pk=None):
        designation = self.get_object()
        body = EndDesignationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.end_risk_designation(
            actor=request.user, designation=designation, **body.validated_data
        )
        return self.written_response(updated)
