from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import IdField, ModelSerializer, ScopedModelSerializer, TextField
from fangkong.health.api.serializers import MaskedNameField
from fangkong.health.choices import QUARANTINE_KINDS, AssignmentKind

from ..choices import CaseStatus
from ..models import Case, Contact, Exposure


class CaseSerializer(ScopedModelSerializer):
    """病例. ``notes`` (流调备注) is written in plaintext and read masked."""

    resident_name = MaskedNameField(source="resident.name")
    label = TextField(read_only=True, label=_("病例编号"))

    class Meta:
        model = Case
        fields = [
            "id",
            "label",
            "resident",
            "resident_name",
            "code",
            "kind",
            "onset_date",
            "confirmed_at",
            "status",
            "discharged_at",
            "voided_at",
            "void_reason",
            "source",
            "notes",
            "version",
        ]
        read_only_fields = ["status", "discharged_at", "voided_at", "void_reason"]


class ExposureSerializer(ModelSerializer):
    venue_name = TextField(source="venue.name", read_only=True, default="")

    class Meta:
        model = Exposure
        fields = [
            "kind",
            "source",
            "venue",
            "venue_name",
            "source_start",
            "source_end",
            "contact_start",
            "contact_end",
            "overlap_minutes",
            "exposed_at",
        ]


class ContactSerializer(ScopedModelSerializer):
    """接触者 with the exposures that make them one."""

    resident_name = MaskedNameField(source="resident.name")
    exposures = ExposureSerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "resident",
            "resident_name",
            "case",
            "degree",
            "last_exposure",
            "state",
            "reason",
            "state_note",
            "exposures",
            "version",
        ]
        read_only_fields = ["state", "state_note", "exposures"]


class TraceRequestSerializer(serializers.Serializer):
    window_minutes = serializers.IntegerField(
        min_value=0, max_value=1440, required=False, allow_null=True, label=_("时间窗口（分钟）")
    )


class TraceSummarySerializer(serializers.Serializer):
    close = serializers.IntegerField(label=_("密接人数"))
    secondary = serializers.IntegerField(label=_("次密接人数"))
    created = serializers.IntegerField(label=_("新增待核实"))
    outside_scope = serializers.IntegerField(label=_("居住在其他辖区"))


class DischargeSerializer(serializers.Serializer):
    """治愈/出院: the case leaves care; its resident's status follows."""

    version = serializers.IntegerField(min_value=1, label=_("版本"))
    status = serializers.ChoiceField(
        choices=[
            (CaseStatus.RECOVERED.value, CaseStatus.RECOVERED.label),
            (CaseStatus.DISCHARGED.value, CaseStatus.DISCHARGED.label),
        ],
        label=_("结果"),
    )
    discharged_at = serializers.DateTimeField(label=_("治愈/出院时间"))
    reason = TextField(max_length=500, required=False, allow_blank=True, label=_("说明"))


class VoidSerializer(serializers.Serializer):
    """撤销: the case was recorded in error; it leaves every figure, its contacts are dismissed."""

    version = serializers.IntegerField(min_value=1, label=_("版本"))
    reason = TextField(max_length=300, label=_("撤销原因"))


class DismissSerializer(serializers.Serializer):
    reason = TextField(max_length=500, label=_("排除原因"))


class QuarantineRequestSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=IdField(), min_length=1)
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in AssignmentKind if k in QUARANTINE_KINDS]
    )
    days = serializers.IntegerField(min_value=1, max_value=28, default=14)
    place = TextField(max_length=200, required=False, allow_blank=True, default="")


class ChainNodeSerializer(serializers.Serializer):
    key = serializers.IntegerField(label=_("居民编号"))
    name = TextField(label=_("姓名（脱敏）"))
    degree = TextField()
    state = TextField()
    contact_id = serializers.IntegerField(allow_null=True)


class ChainEdgeSerializer(serializers.Serializer):
    source_key = serializers.IntegerField()
    target_key = serializers.IntegerField()
    kind = TextField()
    venue = TextField()
    source_start = serializers.DateTimeField(allow_null=True)
    source_end = serializers.DateTimeField(allow_null=True)
    contact_start = serializers.DateTimeField(allow_null=True)
    contact_end = serializers.DateTimeField(allow_null=True)
    overlap_minutes = serializers.IntegerField(allow_null=True)


class ChainSerializer(serializers.Serializer):
    nodes = ChainNodeSerializer(many=True)
    edges = ChainEdgeSerializer(many=True)
    hidden = serializers.IntegerField(label=_("其他辖区接触者人数"))


class QuarantineResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(label=_("新安排隔离人数"))
