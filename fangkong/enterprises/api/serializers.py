"""API serializers: they parse and render; every rule is in the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField

from ..choices import ReturnState
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

RECORD_READ_ONLY = ["id", "version", "created_at"]


class IndustrialParkSerializer(ScopedModelSerializer):
    class Meta:
        model = IndustrialPark
        fields = ["id", "area", "name", "notes", "version"]
        read_only_fields = ["version"]


class EnterpriseSerializer(ScopedModelSerializer):
    """企业. ``contact_phone`` is written in plaintext and read masked."""

    area_name = TextField(source="area.name", read_only=True, label=_("区域名称"))

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "area",
            "area_name",
            "park",
            "name",
            "credit_code",
            "sector",
            "headcount",
            "contact_name",
            "contact_phone",
            "address",
            "notes",
            "resumption_state",
            "resumed_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["resumption_state", "resumed_on", "version", "created_at", "updated_at"]


class ResumptionApplicationSerializer(ScopedModelSerializer):
    class Meta:
        model = ResumptionApplication
        fields = [
            "id",
            "enterprise",
            "employees_expected",
            "prevention_plan",
            "masks",
            "thermometers",
            "disinfectant_kg",
            "has_isolation_room",
            "state",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "conditions",
            "review_note",
            "version",
        ]
        read_only_fields = [
            "state",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "conditions",
            "review_note",
            "version",
        ]


class ApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    conditions = TextField(required=False, allow_blank=True, label=_("复工条件/要求"))


class ReturnSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    note = TextField(allow_blank=True, label=_("退回原因"))


class EmployeeSerializer(ScopedModelSerializer):
    """企业职工 with the derived return state and status colour (read only)."""

    return_state = serializers.ChoiceField(
        choices=ReturnState.choices, read_only=True, label=_("返岗状态")
    )
    status_colour = TextField(read_only=True, allow_null=True, label=_("健康码"))

    class Meta:
        model = Employee
        fields = [
            "id",
            "enterprise",
            "name",
            "id_number",
            "phone",
            "department",
            "returning_from",
            "notes",
            "return_state",
            "status_colour",
            "version",
        ]
        read_only_fields = ["version"]
        extra_kwargs = {"id_number": {"allow_blank": False, "required": True}}


class EmployeeUpdateSerializer(EmployeeSerializer):
    class Meta(EmployeeSerializer.Meta):
        read_only_fields = ["enterprise", "version"]


class LiaisonAssignmentSerializer(ScopedModelSerializer):
    class Meta:
        model = LiaisonAssignment
        fields = ["id", "enterprise", "liaison", "start_date", "end_date", "notes", "version"]
        read_only_fields = ["version"]


class DailyReportSerializer(ScopedModelSerializer):
    class Meta:
        model = DailyReport
        fields = [
            "id",
            "enterprise",
            "date",
            "people_on_site",
            "temperature_checks",
            "abnormal_temperatures",
            "disinfection_done",
            "notes",
            "reported_by",
            "version",
        ]
        read_only_fields = ["reported_by", "version"]
        extra_kwargs = {"date": {"required": False}}


class DailyReportUpdateSerializer(DailyReportSerializer):
    """更正日报: the figures; the enterprise and the day are the report's."""

    class Meta(DailyReportSerializer.Meta):
        read_only_fields = ["enterprise", "date", "reported_by", "version"]


class InspectionSerializer(ScopedModelSerializer):
    problems = serializers.ListField(
        child=TextField(),
        required=False,
        write_only=True,
        label=_("发现的问题"),
        help_text=_("每项一个问题，提交后各登记为一条待整改问题"),
    )

    class Meta:
        model = Inspection
        fields = [
            "id",
            "enterprise",
            "inspected_on",
            *Inspection.CHECKLIST,
            "notes",
            "problems",
            "inspector",
            "version",
        ]
        read_only_fields = ["inspector", "version"]
        extra_kwargs = {"inspected_on": {"required": False}}


class InspectionProblemSerializer(ScopedModelSerializer):
    class Meta:
        model = InspectionProblem
        fields = [
            "id",
            "enterprise",
            "inspection",
            "description",
            "deadline",
            "state",
            "found_by",
            "rectified_at",
            "rectification",
            "version",
        ]
        read_only_fields = [
            "inspection",
            "state",
            "found_by",
            "rectified_at",
            "rectification",
            "version",
        ]


class EndAssignmentSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    end_date = serializers.DateField(label=_("派驻结束"), help_text=_("联络员在该企业的最后一天"))


class RectifySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    rectification = TextField(allow_blank=True, label=_("整改情况"))


class DifficultySerializer(ScopedModelSerializer):
    class Meta:
        model = Difficulty
        fields = [
            "id",
            "enterprise",
            "category",
            "description",
            "state",
            "raised_by",
            "response",
            "responded_by",
            "responded_at",
            "version",
        ]
        read_only_fields = [
            "state",
            "raised_by",
            "response",
            "responded_by",
            "responded_at",
            "version",
        ]


class RespondSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    response = TextField(allow_blank=True, label=_("解决措施"))
    resolved = serializers.BooleanField(default=False, label=_("已解决"))
