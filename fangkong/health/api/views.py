from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
    ScopedGenericViewSet,
)

from .. import services
from ..filtersets import (
    AlertFilterSet,
    AssignmentFilterSet,
    CheckInFilterSet,
    HealthCertificateFilterSet,
    NucleicAcidTestFilterSet,
)
from ..models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from .serializers import (
    AlertSerializer,
    AssignmentSerializer,
    CheckInSerializer,
    HealthCertificateSerializer,
    NatReviewSerializer,
    NucleicAcidTestSerializer,
    ReleaseSerializer,
    RevokeSerializer,
)


class ScopedCreateReadViewSet(ScopedCreateReadViewSet):
    service_takes_data = False


class PairServiceCreateMixin:
    """For services that answer ``(row, created)`` (idempotent re-sends): 201 or 200, both
    documented (a client generated from the schema took the re-send's 200 for an error)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        again = OpenApiResponse(
            cls.serializer_class,
            description=_("此前已登记：重发的同一记录不再新增，返回已有的记录"),
        )
        extend_schema_view(create=extend_schema(responses={201: cls.serializer_class, 200: again}))(
            cls
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = self.call_service(type(self).create_service, dict(serializer.validated_data))
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return self.written_response(row, status_code=code)


class AssignmentViewSet(ScopedCreateReadViewSet):
    """隔离/监测安排 (``place`` masked); ``release`` ends one with a record."""

    model = Assignment
    related = ("resident", "responsible")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    create_service = staticmethod(services.create_assignment)
    action_perms = {"release": ("health.release_assignment",)}

    @extend_schema(
        request=ReleaseSerializer, responses=AssignmentSerializer, summary=_("解除隔离/监测")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def release(self, request, pk=None):
        assignment = self.get_object()
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.release_assignment(
            actor=request.user,
            assignment=assignment,
            note=body.validated_data.get("note", ""),
            expected_version=body.validated_data.get("version"),
        )
        return self.written_response(updated)


class CheckInViewSet(PairServiceCreateMixin, ScopedCreateReadViewSet):
    """健康打卡 (staff entry); the same slot sent again answers 200 and changes nothing."""

    model = CheckIn
    related = ("assignment",)
    serializer_class = CheckInSerializer
    filterset_class = CheckInFilterSet
    ordering = ("-date", "-slot", "-id")
    create_service = staticmethod(services.record_checkin)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """健康预警 (read); ``acknowledge`` marks one handled."""

    model = Alert
    related = ("assignment__resident", "acknowledged_by")
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    action_perms = {"acknowledge": ("health.change_alert",)}

    @extend_schema(request=None, responses=AlertSerializer, summary=_("处理预警"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def acknowledge(self, request, pk=None):
        alert = services.acknowledge_alert(actor=request.user, alert=self.get_object())
        return self.written_response(alert)


class NucleicAcidTestViewSet(PairServiceCreateMixin, ScopedCreateReadViewSet):
    """核酸检测; the same sample sent again answers 200, a pending one takes its result."""

    model = NucleicAcidTest
    related = ("resident",)
    serializer_class = NucleicAcidTestSerializer
    filterset_class = NucleicAcidTestFilterSet
    create_service = staticmethod(services.record_nat_result)
    action_perms = {"review": ("health.review_nucleicacidtest",)}

    @extend_schema(
        request=NatReviewSerializer, responses=NucleicAcidTestSerializer, summary=_("阳性复核")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def review(self, request, pk=None):
        test = self.get_object()
        body = NatReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.review_nat_result(
            actor=request.user,
            test=test,
            outcome=body.validated_data["review"],
            note=body.validated_data.get("review_note", ""),
        )
        return self.written_response(updated)


class HealthCertificateViewSet(ScopedCreateReadViewSet):
    """健康证明: create = issue for a completed, released assignment; ``revoke``."""

    model = HealthCertificate
    related = ("resident", "assignment")
    serializer_class = HealthCertificateSerializer
    filterset_class = HealthCertificateFilterSet
    create_service = staticmethod(services.issue_certificate)
    action_perms = {"revoke": ("health.revoke_healthcertificate",)}

    @extend_schema(
        request=RevokeSerializer, responses=HealthCertificateSerializer, summary=_("作废健康证明")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def revoke(self, request, pk=None):
        certificate = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.revoke_certificate(
            actor=request.user, certificate=certificate, reason=body.validated_data["reason"]
        )
        return self.written_response(updated)
