from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import ScopedGenericViewSet, ServiceCreateMixin

from .. import selectors, services
from ..filtersets import CaseFilterSet, ContactFilterSet
from ..models import Case, Contact
from .serializers import (
    CaseSerializer,
    ChainSerializer,
    ContactSerializer,
    DischargeSerializer,
    DismissSerializer,
    QuarantineRequestSerializer,
    QuarantineResultSerializer,
    TraceRequestSerializer,
    TraceSummarySerializer,
    VoidSerializer,
)


class CaseViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    """病例; ``trace`` finds contacts, ``chain`` is the transmission chain, ``quarantine``
    assigns confirmed contacts to quarantine, ``discharge`` records recovery or discharge,
    ``void`` withdraws a case recorded in error."""

    model = Case
    related = ("resident", "resident__area")
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    create_service = staticmethod(services.create_case)
    action_perms = {
        "trace": ("tracing.trace_case",),
        "discharge": ("tracing.change_case",),
        "void": ("tracing.change_case",),
        "quarantine": ("health.add_assignment",),
    }
    service_takes_data = False

    @extend_schema(
        request=TraceRequestSerializer, responses=TraceSummarySerializer, summary=_("流调追踪")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def trace(self, request, pk=None):
        case = self.get_object()
        body = TraceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        summary = self.call_service(
            services.trace_case,
            {"case": case, "window_minutes": body.validated_data.get("window_minutes")},
        )
        return Response(TraceSummarySerializer(summary).data)

    @extend_schema(
        request=DischargeSerializer, responses=CaseSerializer, summary=_("登记治愈/出院")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def discharge(self, request, pk=None):
        return self.service_action(
            request, DischargeSerializer, services.discharge_case, instance_kwarg="case"
        )

    @extend_schema(request=VoidSerializer, responses=CaseSerializer, summary=_("撤销病例"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def void(self, request, pk=None):
        return self.service_action(
            request, VoidSerializer, services.void_case, instance_kwarg="case"
        )

    @extend_schema(responses=ChainSerializer, summary=_("传播链"))
    @action(detail=True, methods=["get"], permission_classes=[ViewPermission])
    def chain(self, request, pk=None):
        return Response(ChainSerializer(selectors.chain(request.user, self.get_object())).data)

    @extend_schema(
        request=QuarantineRequestSerializer,
        responses=QuarantineResultSerializer,
        summary=_("转隔离"),
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def quarantine(self, request, pk=None):
        case = self.get_object()
        body = QuarantineRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        ids = data.pop("contacts")
        contacts = list(
            Contact.objects.visible_to(request.user)
            .filter(case=case, pk__in=ids)
            .select_related("resident", "resident__area")
        )
        if len(contacts) != len(set(ids)):
            raise ValidationError({"contacts": [_("所选接触者不属于该病例或不在您的管辖范围内")]})
        made = self.call_service(
            services.quarantine_contacts, {"case": case, "contacts": contacts, **data}
        )
        return Response({"assigned": len(made)})


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """接触者 with their exposures; ``confirm`` and ``dismiss`` record the verification."""

    model = Contact
    related = ("resident", "case")
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    action_perms = {
        "confirm": ("tracing.change_contact",),
        "dismiss": ("tracing.change_contact",),
    }
    service_takes_data = False

    def get_queryset(self):
        return super().get_queryset().prefetch_related("exposures", "exposures__venue")

    @extend_schema(request=None, responses=ContactSerializer, summary=_("确认接触者"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def confirm(self, request, pk=None):
        contact = self.call_service(services.confirm_contact, {"contact": self.get_object()})
        return self.written_response(contact)

    @extend_schema(request=DismissSerializer, responses=ContactSerializer, summary=_("排除接触者"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def dismiss(self, request, pk=None):
        body = DismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contact = self.call_service(
            services.dismiss_contact,
            {"contact": self.get_object(), "reason": body.validated_data["reason"]},
        )
        return self.written_response(contact)
