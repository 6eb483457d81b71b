from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import IdField, ScopedModelSerializer, TextField

from ..choices import Skill, TimeOfDay, Weekday
from ..models import Assignment, Need, PartyReport, Shift, Team, Volunteer
from ..rules import decode


class CodesField(serializers.ListField):
    """A multi-value field as a list of values (``["medical", "driving"]``)."""

    def __init__(self, *, choices, **kwargs):
        kwargs.setdefault("child", serializers.ChoiceField(choices=choices))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, data):
        return decode(data)


class VolunteerSerializer(ScopedModelSerializer):
    """志愿者. ``id_number`` and ``phone`` are written in plaintext and read masked."""

    area_name = TextField(source="area.name", read_only=True, label=_("社区名称"))
    skills = CodesField(choices=Skill.choices, label=_("技能特长"))
    available_days = CodesField(choices=Weekday.choices, label=_("可服务日"))
    available_times = CodesField(choices=TimeOfDay.choices, label=_("可服务时段"))
    total_hours = serializers.SerializerMethodField(label=_("累计服务时长(小时)"))

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "area",
            "area_name",
            "name",
            "id_number",
            "phone",
            "organisation",
            "is_party_member",
            "health",
            "skills",
            "available_days",
            "available_times",
            "state",
            "source",
            "notes",
            "total_hours",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state", "source"]
        extra_kwargs = {
            "id_number": {"allow_blank": False, "required": True},
            "phone": {"allow_blank": False, "required": True},
        }

    def get_total_hours(self, obj) -> float:
        return round((getattr(obj, "total_minutes", 0) or 0) / 60, 1)


class VolunteerNeedSerializer(ScopedModelSerializer):
    """岗位需求, with how many volunteers accepted, are asked, or declined."""

    area_name = TextField(source="area.name", read_only=True, label=_("社区/网格名称"))
    required_skills = CodesField(choices=Skill.choices, label=_("所需技能"))
    accepted = serializers.IntegerField(read_only=True, label=_("已接受"))
    offered = serializers.IntegerField(read_only=True, label=_("待确认"))
    declined = serializers.IntegerField(read_only=True, label=_("已拒绝"))

    class Meta:
        model = Need
        fields = [
            "id",
            "area",
            "area_name",
            "kind",
            "title",
            "place",
            "starts_at",
            "ends_at",
            "headcount",
            "required_skills",
            "state",
            "notes",
            "accepted",
            "offered",
            "declined",
            "version",
            "created_at",
            "updated_at",
        ]


class VolunteerProposalSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer.pk", label=_("志愿者"))
    name = TextField(source="volunteer.name", label=_("姓名"))
    score = serializers.DecimalField(max_digits=5, decimal_places=1, label=_("匹配得分"))
    explanation = TextField(label=_("推荐理由"))


class VolunteerDispatchSerializer(serializers.Serializer):
    volunteers = serializers.ListField(child=IdField(), allow_empty=False, label=_("志愿者编号"))


class VolunteerTaskSerializer(ScopedModelSerializer):
    """志愿任务: a volunteer on a need, and whether they accepted."""

    need_title = TextField(source="need.title", read_only=True, label=_("岗位名称"))
    volunteer_name = TextField(source="volunteer.name", read_only=True, label=_("志愿者姓名"))

    class Meta:
        model = Assignment
        fields = [
            "id",
            "need",
            "need_title",
            "volunteer",
            "volunteer_name",
            "batch",
            "state",
            "score",
            "reason",
            "responded_at",
            "decline_reason",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class VolunteerTaskAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField(label=_("是否接受"))
    reason = TextField(required=False, allow_blank=True, max_length=200, label=_("不能参加的原因"))


class VolunteerShiftSerializer(ScopedModelSerializer):
    """服务记录: check-in and check-out times; minutes are derived, never written."""

    hours = serializers.FloatField(read_only=True, label=_("服务时长(小时)"))

    class Meta:
        model = Shift
        fields = ["id", "assignment", "started_at", "ended_at", "minutes", "hours", "version"]
        read_only_fields = fields


class PartyReportSerializer(ScopedModelSerializer):
    class Meta:
        model = PartyReport
        fields = ["id", "volunteer", "area", "reported_on", "work_unit", "notes", "created_at"]
        read_only_fields = fields


class VolunteerTeamSerializer(ScopedModelSerializer):
    """志愿队伍 with its leader and members (volunteer ids)."""

    member_count = serializers.IntegerField(read_only=True, label=_("人数"))

    class Meta:
        model = Team
        fields = [
            "id",
            "area",
            "name",
            "kind",
            "leader",
            "members",
            "notes",
            "member_count",
            "version",
            "created_at",
            "updated_at",
        ]
