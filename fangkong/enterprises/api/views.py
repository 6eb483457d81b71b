"""Enterprise API: reads start from ``visible_to(user)``, writes call one service each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
    ScopedModelViewSet,
    ServiceUpdateMixin,
)

from .. import selectors, services
from ..filtersets import (
    DailyReportFilterSet,
    DifficultyFilterSet,
    EmployeeFilterSet,
    EnterpriseFilterSet,
    IndustrialParkFilterSet,
    InspectionFilterSet,
    InspectionProblemFilterSet,
    LiaisonAssignmentFilterSet,
    ResumptionApplicationFilterSet,
)
from ..models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    IndustrialPark,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ResumptionApplication,
)
from .serializers import (
    ApproveSerializer,
    DailyReportSerializer,
    DailyReportUpdateSerializer,
    DifficultySerializer,
    EmployeeSerializer,
    EmployeeUpdateSerializer,
    EndAssignmentSerializer,
    EnterpriseSerializer,
    IndustrialParkSerializer,
    InspectionProblemSerializer,
    InspectionSerializer,
    LiaisonAssignmentSerializer,
    RectifySerializer,
    RespondSerializer,
    ResumptionApplicationSerializer,
    ReturnSerializer,
)


def for_enterprise(service: Callable, *, as_data: bool = True) -> Callable:
    """Adapt ``service(actor=, enterprise=, data=|**fields)`` to the viewsets' ``(actor, data)``."""

    def create(*, actor, data: dict[str, Any]):
        data = dict(data)
        enterprise = data.pop("enterprise")
        if as_data:
            return service(actor=actor, enterprise=enterprise, data=data)
        return service(actor=actor, enterprise=enterprise, **data)

    return staticmethod(create)


class EnterpriseViewSet(ScopedModelViewSet):
    """企业: office staff their area, enterprise accounts and liaisons their enterprises."""

    model = Enterprise
    selector = staticmethod(selectors.enterprise_list)
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    create_service = staticmethod(services.create_enterprise)
    update_service = staticmethod(services.update_enterprise)
    delete_service = staticmethod(services.delete_enterprise)


class IndustrialParkViewSet(ScopedModelViewSet):
    """园区."""

    model = IndustrialPark
    related = ("area",)
    serializer_class = IndustrialParkSerializer
    filterset_class = IndustrialParkFilterSet
    create_service = staticmethod(services.create_park)
    update_service = staticmethod(services.update_park)
    delete_service = staticmethod(services.delete_park)


class ResumptionApplicationViewSet(ScopedCreateReadViewSet):
    """复工申请: create = submit; ``approve`` and ``return`` by the responsible office."""

    model = ResumptionApplication
    selector = staticmethod(selectors.application_list)
    serializer_class = ResumptionApplicationSerializer
    filterset_class = ResumptionApplicationFilterSet
    create_service = for_enterprise(services.submit_application)
    action_perms = {
        "approve": ("enterprises.review_resumptionapplication",),
        "return_": ("enterprises.review_resumptionapplication",),
    }

    @extend_schema(
        request=ApproveSerializer, responses=ResumptionApplicationSerializer, summary=_("批准复工")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def approve(self, request, pk=None):
        return self.service_action(
            request, ApproveSerializer, services.approve_application, instance_kwarg="application"
        )

    @extend_schema(
        request=ReturnSerializer,
        responses=ResumptionApplicationSerializer,
        summary=_("退回复工申请"),
    )
    @action(detail=True, methods=["post"], url_path="return", permission_classes=[ViewPermission])
    def return_(self, request, pk=None):
        return self.service_action(
            request, ReturnSerializer, services.return_application, instance_kwarg="application"
        )


class EmployeeViewSet(ScopedModelViewSet):
    """企业职工 (ID number and phone masked) with the derived ``return_state``."""

    model = Employee
    selector = staticmethod(selectors.employee_list)
    serializer_class = EmployeeSerializer
    update_serializer_class = EmployeeUpdateSerializer
    filterset_class = EmployeeFilterSet
    create_service = for_enterprise(services.create_employee)
    update_service = staticmethod(services.update_employee)
    delete_service = staticmethod(services.delete_employee)


class LiaisonAssignmentViewSet(ScopedCreateReadViewSet):
    """驻企联络员派驻."""

    model = LiaisonAssignment
    selector = staticmethod(selectors.assignment_list)
    serializer_class = LiaisonAssignmentSerializer
    filterset_class = LiaisonAssignmentFilterSet
    create_service = for_enterprise(services.assign_liaison, as_data=False)
    action_perms = {
        "create": ("enterprises.manage_liaison",),
        "end": ("enterprises.manage_liaison",),
    }

    def get_permissions(self):
        if self.action == "create":
            return [ViewPermission()]  # the service demands ``manage_liaison``
        return super().get_permissions()

    @extend_schema(
        request=EndAssignmentSerializer,
        responses=LiaisonAssignmentSerializer,
        summary=_("结束派驻"),
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def end(self, request, pk=None):
        """After ``end_date`` the liaison no longer reaches the enterprise."""
        return self.service_action(
            request,
            EndAssignmentSerializer,
            services.end_liaison_assignment,
            instance_kwarg="liaisonassignment",
        )


class DailyReportViewSet(ServiceUpdateMixin, ScopedCreateReadViewSet):
    """企业日报: one per enterprise per day; PUT/PATCH corrects its figures."""

    model = DailyReport
    selector = staticmethod(selectors.report_list)
    serializer_class = DailyReportSerializer
    update_serializer_class = DailyReportUpdateSerializer
    filterset_class = DailyReportFilterSet
    create_service = for_enterprise(services.submit_daily_report)
    update_service = staticmethod(services.update_daily_report)


class InspectionViewSet(ScopedCreateReadViewSet):
    """驻企检查, filed by the liaison officer stationed at the enterprise."""

    model = Inspection
    selector = staticmethod(selectors.inspection_list)
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet

    @staticmethod
    def create_service(*, actor, data):
        data = dict(data)
        problems = data.pop("problems", [])
        return services.file_inspection(
            actor=actor, enterprise=data.pop("enterprise"), data=data, problems=problems
        )


class InspectionProblemViewSet(ScopedCreateReadViewSet):
    """企业问题; ``rectify`` closes one."""

    model = InspectionProblem
    selector = staticmethod(selectors.problem_list)
    serializer_class = InspectionProblemSerializer
    filterset_class = InspectionProblemFilterSet
    create_service = for_enterprise(services.report_problem, as_data=False)
    action_perms = {"rectify": ("enterprises.change_inspectionproblem",)}

    @extend_schema(
        request=RectifySerializer, responses=InspectionProblemSerializer, summary=_("整改完成")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def rectify(self, request, pk=None):
        return self.service_action(
            request, RectifySerializer, services.rectify_problem, instance_kwarg="problem"
        )


class DifficultyViewSet(ScopedCreateReadViewSet):
    """困难诉求; ``respond`` records the office's measures (一企一策)."""

    model = Difficulty
    selector = staticmethod(selectors.difficulty_list)
    serializer_class = DifficultySerializer
    filterset_class = DifficultyFilterSet
    create_service = for_enterprise(services.raise_difficulty, as_data=False)
    action_perms = {"respond": ("enterprises.respond_difficulty",)}

    @extend_schema(
        request=RespondSerializer, responses=DifficultySerializer, summary=_("答复困难诉求")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def respond(self, request, pk=None):
        return self.service_action(request, RespondSerializer, services.respond_difficulty)
