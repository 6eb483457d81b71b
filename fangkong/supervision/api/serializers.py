"""Serializers of the supervision API: parse and render only; the services decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import IdField, ScopedModelSerializer, TextField

from ..choices import AnswerResult, Severity
from ..models import InspectionGroup, InspectionTask, Problem, ProblemEvent, ProblemSummary, Visit


class InspectionGroupSerializer(ScopedModelSerializer):
    class Meta:
        model = InspectionGroup
        fields = [
            "id",
            "name",
            "area",
            "leader",
            "members",
            "assigned_areas",
            "focus",
            "active",
            "version",
        ]
        read_only_fields = ["version"]


class InspectionTaskSerializer(ScopedModelSerializer):
    class Meta:
        model = InspectionTask
        fields = ["id", "group", "title", "area", "mode", "planned_date", "checklist", "state"]
        read_only_fields = ["state"]


class ChecklistAnswerSerializer(serializers.Serializer):
    item = IdField(label=_("检查项"))
    result = serializers.ChoiceField(label=_("结果"), choices=AnswerResult.choices)
    note = TextField(label=_("说明"), max_length=200, required=False, default="")


class InspectionFindingSerializer(serializers.Serializer):
    title = TextField(label=_("问题"), max_length=200)
    description = TextField(label=_("问题描述"), required=False, default="")
    severity = serializers.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    deadline = serializers.DateField(label=_("整改期限"))


class InspectionVisitSerializer(ScopedModelSerializer):
    """检查记录; ``answers`` and ``findings`` are written with it (photos: the web form)."""

    answers = ChecklistAnswerSerializer(many=True, required=False, write_only=True)
    findings = InspectionFindingSerializer(many=True, required=False, write_only=True)
    problem_count = serializers.IntegerField(read_only=True, label=_("发现问题"))

    class Meta:
        model = Visit
        fields = [
            "id",
            "task",
            "group",
            "area",
            "target_kind",
            "target_name",
            "mode",
            "visited_on",
            "inspector",
            "checklist",
            "summary",
            "answers",
            "findings",
            "problem_count",
        ]
        read_only_fields = ["inspector"]


class ProblemSerializer(ScopedModelSerializer):
    overdue = serializers.SerializerMethodField(label=_("逾期"))

    class Meta:
        model = Problem
        fields = [
            "id",
            "visit",
            "group",
            "area",
            "title",
            "description",
            "severity",
            "deadline",
            "found_on",
            "state",
            "overdue",
            "rectified_at",
            "closed_at",
            "reopen_count",
            "escalation_level",
            "escalated_to",
            "escalated_on",
            "version",
        ]
        read_only_fields = [
            "found_on",
            "state",
            "rectified_at",
            "closed_at",
            "reopen_count",
            "escalation_level",
            "escalated_to",
            "escalated_on",
            "version",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(self.context["today"])


class ProblemStepSerializer(serializers.Serializer):
    note = TextField(label=_("说明"), required=False, allow_blank=True, default="")
    version = serializers.IntegerField(label=_("版本"), min_value=1)
    deadline = serializers.DateField(
        label=_("新整改期限"), required=False, allow_null=True, default=None
    )


class ProblemEventSerializer(ScopedModelSerializer):
    class Meta:
        model = ProblemEvent
        fields = ["id", "action", "from_state", "to_state", "note", "escalated_to", "created_at"]


class ProblemSummarySerializer(ScopedModelSerializer):
    class Meta:
        model = ProblemSummary
        fields = ["id", "area", "date", "rows", "totals", "generated_at", "generated_by"]
        read_only_fields = ["rows", "totals", "generated_at", "generated_by"]
