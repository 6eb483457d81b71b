from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
    ScopedReadOnlyModelViewSet,
)
from fangkong.registry.models import Resident
from fangkong.registry.selectors import search_residents

from .. import services
from ..filtersets import PersonStatusFilterSet, StatusOverrideFilterSet
from ..models import PersonStatus, StatusOverride
from .serializers import PersonStatusSerializer, RejectSerializer, StatusOverrideSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, description=_("姓名、拼音首字母、身份证号或手机号（全号或后四位）")
            )
        ]
    ),
    retrieve=extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("居民 id"))]
    ),
)
class PersonStatusViewSet(ScopedReadOnlyModelViewSet):
    """人员状态: filter by ``colour`` and ``area`` (subtree), search with ``q``; read only."""

    model = PersonStatus
    related = ("resident", "area")
    serializer_class = PersonStatusSerializer
    filterset_class = PersonStatusFilterSet

    def get_queryset(self):
        qs = super().get_queryset()
        q = self.request.query_params.get("q", "").strip()
        if q:
            qs = qs.filter(resident__in=search_residents(Resident.objects.all(), q).values("pk"))
        return qs


class StatusOverrideViewSet(ScopedCreateReadViewSet):
    """状态人工调整: requests, and their approval or rejection by a higher-ranked user."""

    model = StatusOverride
    related = ("resident", "requested_by", "approved_by", "rejected_by")
    serializer_class = StatusOverrideSerializer
    filterset_class = StatusOverrideFilterSet
    service_takes_data = False
    create_service = staticmethod(services.request_status_override)
    action_perms = {
        "approve": ("status.approve_statusoverride",),
        "reject": ("status.approve_statusoverride",),
    }

    @extend_schema(request=None, responses=StatusOverrideSerializer, summary=_("批准人工调整"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def approve(self, request, pk=None):
        override = services.approve_status_override(actor=request.user, override=self.get_object())
        return self.written_response(override)

    @extend_schema(
        request=RejectSerializer, responses=StatusOverrideSerializer, summary=_("驳回人工调整")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def reject(self, request, pk=None):
        override = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override = services.reject_status_override(
            actor=request.user, override=override, note=body.validated_data["note"]
        )
        return self.written_response(override)
