from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import (
    ScopedCreateReadViewSet,
    ServiceUpdateMixin,
)
from fangkong.status.clock import local_date

from .. import rules, selectors, services
from ..choices import ProblemAction
from ..filtersets import (
    InspectionGroupFilterSet,
    InspectionTaskFilterSet,
    ProblemFilterSet,
    ProblemSummaryFilterSet,
    VisitFilterSet,
)
from ..models import InspectionGroup, InspectionTask, Problem, ProblemSummary, Visit
from .serializers import (
    InspectionGroupSerializer,
    InspectionTaskSerializer,
    InspectionVisitSerializer,
    ProblemEventSerializer,
    ProblemSerializer,
    ProblemStepSerializer,
    ProblemSummarySerializer,
)


def _step_schema(summary):
    return extend_schema(
        request=ProblemStepSerializer, responses=ProblemSerializer, summary=summary
    )


class InspectionGroupViewSet(ServiceUpdateMixin, ScopedCreateReadViewSet):
    """督导组: members, leader and the area subtrees it inspects."""

    model = InspectionGroup
    selector = staticmethod(selectors.group_list)
    serializer_class = InspectionGroupSerializer
    filterset_class = InspectionGroupFilterSet
    create_service = staticmethod(services.create_group)
    update_service = staticmethod(services.update_group)


class InspectionTaskViewSet(ScopedCreateReadViewSet):
    """督导任务."""

    model = InspectionTask
    selector = staticmethod(selectors.task_list)
    serializer_class = InspectionTaskSerializer
    filterset_class = InspectionTaskFilterSet
    create_service = staticmethod(services.create_task)


class InspectionVisitViewSet(ScopedCreateReadViewSet):
    """检查记录 (明查/暗访) with checklist answers and findings."""

    model = Visit
    selector = staticmethod(selectors.visit_list)
    serializer_class = InspectionVisitSerializer
    filterset_class = VisitFilterSet
    service_takes_data = False

    def call_service(self, service, data, **kwargs):
        answers = {a["item"]: (a["result"], a.get("note", "")) for a in data.pop("answers", [])}
        return services.record_visit(
            actor=self.request.user,
            answers=answers,
            findings=data.pop("findings", []),
            **data,
        )

    create_service = staticmethod(services.record_visit)


class ProblemViewSet(ScopedCreateReadViewSet):
    """问题台账; ``rectify`` (责任单位), ``close`` and ``reopen`` (督导组) move it on."""

    model = Problem
    selector = staticmethod(selectors.problem_list)
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    action_perms = {
        "rectify": (rules.TRANSITIONS[ProblemAction.RECTIFY].permission,),
        "close": (rules.TRANSITIONS[ProblemAction.CLOSE].permission,),
        "reopen": (rules.TRANSITIONS[ProblemAction.REOPEN].permission,),
    }
    service_takes_data = False
    create_service = staticmethod(services.create_problem)

    def get_serializer_context(self):
        return super().get_serializer_context() | {"today": local_date(timezone.now())}

    def _step(self, request, step: str):
        problem = self.get_object()
        body = ProblemStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.transition_problem(
            actor=request.user,
            problem=problem,
            action=step,
            note=body.validated_data["note"],
            deadline=body.validated_data["deadline"],
            expected_version=body.validated_data["version"],
        )
        return self.written_response(updated)

    @extend_schema(
        request=ProblemStepSerializer, responses=ProblemSerializer, summary=_("提交整改")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def rectify(self, request, pk=None):
        return self._step(request, ProblemAction.RECTIFY)

    @extend_schema(
        request=ProblemStepSerializer, responses=ProblemSerializer, summary=_("核查销号")
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def close(self, request, pk=None):
        return self._step(request, ProblemAction.CLOSE)

    @_step_schema(_("退回重新整改"))
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def reopen(self, request, pk=None):
        return self._step(request, ProblemAction.REOPEN)

    @extend_schema(responses=ProblemEventSerializer(many=True), summary=_("处理记录"))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        problem = self.get_object()
        data = ProblemEventSerializer(problem.events.all(), many=True).data
        return Response(data)


class ProblemSummaryViewSet(ScopedCreateReadViewSet):
    """问题日汇总: stored summaries; POST (area, date) generates and stores one."""

    model = ProblemSummary
    selector = staticmethod(selectors.summary_list)
    serializer_class = ProblemSummarySerializer
    filterset_class = ProblemSummaryFilterSet
    service_takes_data = False
    create_service = staticmethod(services.generate_summary)
