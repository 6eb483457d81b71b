from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.api.permissions import ViewPermission
from fangkong.core.api.views import ScopedModelViewSet, ScopedReadOnlyModelViewSet

from .. import matching, selectors, services
from ..filtersets import (
    AssignmentFilterSet,
    NeedFilterSet,
    PartyReportFilterSet,
    ShiftFilterSet,
    TeamFilterSet,
    VolunteerFilterSet,
)
from ..models import Assignment, Need, PartyReport, Shift, Team, Volunteer
from .serializers import (
    PartyReportSerializer,
    VolunteerDispatchSerializer,
    VolunteerNeedSerializer,
    VolunteerProposalSerializer,
    VolunteerSerializer,
    VolunteerShiftSerializer,
    VolunteerTaskAnswerSerializer,
    VolunteerTaskSerializer,
    VolunteerTeamSerializer,
)


class VolunteerViewSet(ScopedModelViewSet):
    """志愿者: the caller's area subtree (a volunteer: only themselves); personal fields masked."""

    model = Volunteer
    selector = staticmethod(selectors.volunteer_list)
    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilterSet
    create_service = staticmethod(services.create_volunteer)
    update_service = staticmethod(services.update_volunteer)
    delete_service = staticmethod(services.delete_volunteer)


class NeedViewSet(ScopedModelViewSet):
    """岗位需求, with ranked proposals and dispatch."""

    model = Need
    selector = staticmethod(selectors.need_list)
    serializer_class = VolunteerNeedSerializer
    filterset_class = NeedFilterSet
    action_perms = {"send": ("volunteers.dispatch_need",)}
    create_service = staticmethod(services.create_need)
    update_service = staticmethod(services.update_need)
    delete_service = staticmethod(services.delete_need)

    @extend_schema(
        responses=VolunteerProposalSerializer(many=True),
        summary=_("推荐志愿者"),
        description=_("按技能、时间、距离和近期服务时长排序，并说明每位志愿者的得分理由。"),
    )
    @action(detail=True, methods=["get"])
    def proposals(self, request, pk=None):
        need = self.get_object()
        rows = matching.propose(need, Volunteer.objects.visible_to(request.user), limit=50)
        return Response(VolunteerProposalSerializer(rows, many=True).data)

    @extend_schema(
        request=VolunteerDispatchSerializer,
        responses=VolunteerTaskSerializer(many=True),
        summary=_("派遣志愿者"),
    )
    @action(detail=True, methods=["post"], url_path="dispatch", permission_classes=[ViewPermission])
    def send(self, request, pk=None):
        need = self.get_object()
        body = VolunteerDispatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["volunteers"]
        found = list(Volunteer.objects.visible_to(request.user).filter(pk__in=ids))
        if len(found) != len(set(ids)):
            raise ValidationError({"volunteers": _("部分志愿者不存在或不在您的管辖范围内")})
        rows = services.dispatch(actor=request.user, need=need, volunteers=found)
        return Response(VolunteerTaskSerializer(rows, many=True).data, status=201)


class AssignmentViewSet(ScopedReadOnlyModelViewSet):
    """志愿任务: staff see their area's; a volunteer sees and answers only their own."""

    model = Assignment
    selector = staticmethod(selectors.assignment_list)
    serializer_class = VolunteerTaskSerializer
    filterset_class = AssignmentFilterSet

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if self.action == "respond":
            # Before the answer is read: staff who see the task may still not answer it.
            services.require_own_assignment(request.user, obj)

    @extend_schema(
        request=VolunteerTaskAnswerSerializer,
        responses=VolunteerTaskSerializer,
        summary=_("答复任务"),
    )
    @action(detail=True, methods=["post"], permission_classes=[ViewPermission])
    def respond(self, request, pk=None):
        assignment = self.get_object()
        body = VolunteerTaskAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.respond_assignment(
            actor=request.user,
            assignment=assignment,
            accept=body.validated_data["accept"],
            reason=body.validated_data.get("reason", ""),
        )
        return self.written_response(assignment)

    @extend_schema(request=None, responses=VolunteerShiftSerializer, summary=_("签到"))
    @action(detail=True, methods=["post"], url_path="check-in", permission_classes=[ViewPermission])
    def check_in(self, request, pk=None):
        shift = services.check_in(actor=request.user, assignment=self.get_object())
        return Response(VolunteerShiftSerializer(shift).data, status=201)


class ShiftViewSet(ScopedReadOnlyModelViewSet):
    """服务记录; ``check-out`` closes one and derives its minutes."""

    model = Shift
    selector = staticmethod(selectors.shift_list)
    serializer_class = VolunteerShiftSerializer
    filterset_class = ShiftFilterSet

    @extend_schema(request=None, responses=VolunteerShiftSerializer, summary=_("签退"))
    @action(
        detail=True, methods=["post"], url_path="check-out", permission_classes=[ViewPermission]
    )
    def check_out(self, request, pk=None):
        shift = services.check_out(actor=request.user, shift=self.get_object())
        return Response(VolunteerShiftSerializer(shift).data)


class PartyReportViewSet(ScopedReadOnlyModelViewSet):
    """在职党员进社区报到 (read only)."""

    model = PartyReport
    related = ("volunteer", "area")
    serializer_class = PartyReportSerializer
    filterset_class = PartyReportFilterSet


class TeamViewSet(ScopedModelViewSet):
    """志愿队伍 (突击队, 临时党支部, 志愿服务队)."""

    model = Team
    selector = staticmethod(selectors.team_list)
    serializer_class = VolunteerTeamSerializer
    filterset_class = TeamFilterSet
    service_takes_data = False
    create_service = staticmethod(services.create_team)
    update_service = staticmethod(services.update_team)
    delete_service = staticmethod(services.delete_team)
